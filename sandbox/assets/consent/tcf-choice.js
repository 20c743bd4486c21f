/* A consent platform in the shape of Quantcast / InMobi Choice (written for the sandbox): an IAB TCF v2.2
   `__tcfapi` (ping, addEventListener, removeEventListener, getTCData; the calls queued by the page's stub
   replayed), and its banner `#qc-cmp2-container > .qc-cmp2-main > #qc-cmp2-ui` with the summary buttons
   MORE OPTIONS, DISAGREE (mode=secondary) and AGREE (mode=primary). Until the visitor answers, every listener
   hears `cmpuishown`; AGREE or DISAGREE sends `useractioncomplete` with all or no purposes consented. */
(function () {
  var queued = (window.__tcfapi && window.__tcfapi.q) || [];
  var listeners = {}, nextId = 1, decision = null;
  function tcData(listenerId) {
    var yes = decision === "agree", purposes = {}, vendors = {};
    for (var p = 1; p <= 11; p++) purposes[p] = yes;
    [10, 32, 52, 69, 76, 755, 1126].forEach(function (v) { vendors[v] = yes; });
    return {
      tcString: decision ? (yes ? "CQA-sandbox-agree" : "CQA-sandbox-disagree") : "",
      tcfPolicyVersion: 4, cmpId: 10, cmpVersion: 62, gdprApplies: true, isServiceSpecific: false,
      cmpStatus: "loaded", eventStatus: decision ? "useractioncomplete" : "cmpuishown", listenerId: listenerId,
      purpose: { consents: purposes, legitimateInterests: {} }, vendor: { consents: vendors, legitimateInterests: {} },
      publisherCC: "DE", useNonStandardTexts: false, purposeOneTreatment: false
    };
  }
  function api(command, version, callback, parameter) {
    if (typeof callback !== "function") return;
    if (command === "ping") {
      callback({ gdprApplies: true, cmpLoaded: true, cmpStatus: "loaded", displayStatus: decision ? "hidden" : "visible",
        apiVersion: "2.2", cmpVersion: 62, cmpId: 10, gvlVersion: 80, tcfPolicyVersion: 4 }, true);
    } else if (command === "addEventListener") {
      var id = nextId++;
      listeners[id] = callback;
      callback(tcData(id), true);
    } else if (command === "removeEventListener") {
      var had = parameter in listeners;
      delete listeners[parameter];
      callback(had, had);
    } else if (command === "getTCData") {
      callback(tcData(undefined), true);
    } else {
      callback(null, false);
    }
  }
  window.__tcfapi = api;
  queued.forEach(function (args) { api.apply(null, args); });

  function decide(answer) {
    decision = answer;
    document.cookie = "euconsent-v2=" + (answer === "agree" ? "A" : "D") + ";path=/;max-age=33696000";
    var ui = document.getElementById("qc-cmp2-container");
    if (ui) ui.parentNode.removeChild(ui);
    Object.keys(listeners).forEach(function (id) { listeners[id](tcData(Number(id)), true); });
  }
  function button(mode, text, answer) {
    var b = document.createElement("button");
    b.setAttribute("mode", mode);
    b.setAttribute("size", "large");
    b.textContent = text;
    b.addEventListener("click", function () { if (answer) decide(answer); });
    return b;
  }
  function show() {
    var container = document.createElement("div");
    container.id = "qc-cmp2-container";
    container.setAttribute("data-nosnippet", "");
    var main = document.createElement("div");
    main.className = "qc-cmp2-main";
    var ui = document.createElement("div");
    ui.id = "qc-cmp2-ui";
    ui.setAttribute("role", "dialog");
    ui.setAttribute("aria-label", "qc-cmp2-ui");
    ui.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:2147483000;background:#fff;color:#222;" +
      "padding:18px 24px;font:15px Arial,sans-serif;box-shadow:0 -2px 12px rgba(0,0,0,.4)";
    var text = document.createElement("div");
    text.className = "qc-cmp2-summary-section";
    text.innerHTML = "<h2>We value your privacy</h2><p>We and our partners store and/or access information on a " +
      "device, such as cookies, and process personal data for personalised advertising and content, advertising " +
      "and content measurement, audience research and services development.</p>";
    var buttons = document.createElement("div");
    buttons.className = "qc-cmp2-summary-buttons";
    buttons.appendChild(button("secondary", "MORE OPTIONS", null));
    buttons.appendChild(button("secondary", "DISAGREE", "disagree"));
    buttons.appendChild(button("primary", "AGREE", "agree"));
    var footer = document.createElement("div");
    footer.className = "qc-cmp2-footer";
    footer.appendChild(buttons);
    ui.appendChild(text);
    ui.appendChild(footer);
    main.appendChild(ui);
    container.appendChild(main);
    document.body.appendChild(container);
  }
  if (document.body) show(); else document.addEventListener("DOMContentLoaded", show);
})();
