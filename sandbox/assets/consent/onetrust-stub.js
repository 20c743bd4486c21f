/* A consent platform in the shape of OneTrust (written for the sandbox): the banner
   `#onetrust-consent-sdk > #onetrust-banner-sdk` with Cookie settings, Reject all and Accept all buttons
   (`#onetrust-pc-btn-handler`, `#onetrust-reject-all-handler`, `#onetrust-accept-btn-handler`), the
   `OptanonAlertBoxClosed` and `OptanonConsent` cookies, `OnetrustActiveGroups`, and its script blocking: a
   `<script type="text/plain" class="optanon-category-C000n">` runs only once group C000n is consented
   (C0001, strictly necessary, always is; C0004, targeting, is where ad tags go). */
(function () {
  window.OnetrustActiveGroups = window.OptanonActiveGroups = ",C0001,";
  function activate(groups) {
    groups.forEach(function (group) {
      document.querySelectorAll('script[type="text/plain"].optanon-category-' + group).forEach(function (old) {
        var s = document.createElement("script");
        for (var i = 0; i < old.attributes.length; i++) {
          var a = old.attributes[i];
          if (a.name !== "type" && a.name !== "class") s.setAttribute(a.name, a.value);
        }
        if (!old.src) s.text = old.text;
        old.parentNode.replaceChild(s, old);
      });
    });
  }
  function decide(groups) {
    var list = "," + groups.join(",") + ",";
    window.OnetrustActiveGroups = window.OptanonActiveGroups = list;
    var when = new Date().toISOString();
    document.cookie = "OptanonAlertBoxClosed=" + when + ";path=/;max-age=31536000";
    document.cookie = "OptanonConsent=isGpcEnabled=0&datestamp=" + encodeURIComponent(when) + "&groups=" +
      encodeURIComponent(["C0001", "C0002", "C0003", "C0004"].map(function (g) {
        return g + ":" + (groups.indexOf(g) >= 0 ? 1 : 0);
      }).join(",")) + ";path=/;max-age=31536000";
    var banner = document.getElementById("onetrust-banner-sdk");
    if (banner) banner.style.display = "none";
    activate(groups);
    try { if (typeof window.OptanonWrapper === "function") window.OptanonWrapper(); } catch (e) {}
    window.dispatchEvent(new CustomEvent("OneTrustGroupsUpdated", { detail: groups }));
  }
  function show() {
    var sdk = document.createElement("div");
    sdk.id = "onetrust-consent-sdk";
    sdk.innerHTML = '<div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner" ' +
      'style="position:fixed;left:0;right:0;bottom:0;z-index:2147483000;background:#fff;color:#222;padding:18px 24px;' +
      'font:15px Arial,sans-serif;box-shadow:0 -2px 12px rgba(0,0,0,.4)"><div id="onetrust-policy">' +
      '<p id="onetrust-policy-text">Utilizziamo i cookie per personalizzare contenuti e annunci. We use cookies to ' +
      'personalise content and ads.</p></div><div id="onetrust-button-group-parent"><div id="onetrust-button-group">' +
      '<button id="onetrust-pc-btn-handler">Impostazioni cookie</button> ' +
      '<button id="onetrust-reject-all-handler">Rifiuta tutti</button> ' +
      '<button id="onetrust-accept-btn-handler">Accetta tutti i cookie</button></div></div></div>';
    document.body.appendChild(sdk);
    document.getElementById("onetrust-accept-btn-handler").addEventListener("click", function () {
      decide(["C0001", "C0002", "C0003", "C0004"]);
    });
    document.getElementById("onetrust-reject-all-handler").addEventListener("click", function () {
      decide(["C0001"]);
    });
  }
  if (document.body) show(); else document.addEventListener("DOMContentLoaded", show);
})();
