/* Cookie consent in every frame of the visited page: DuckDuckGo's autoconsent (its CommonJS build, from the checkout's
   node_modules, wrapped here in a function so that it defines no global) finds a consent platform (CMP) by its
   rules and clicks the CMP's own accept or reject buttons, nothing else (no heuristic clicks on look-alike
   buttons). It runs in an isolated world, as in the browser extension it was written for: the page's scripts
   never see it, its DOM reads or its binding. What it reports goes to Python through that binding (a string:
   `{m, href, top}` as JSON); Python answers through `__mtcAnswer` (the frame's site-specific rules, and the
   result of a rule's snippet, which Python evaluates in the page's world of the top frame).
   Python wraps it, with `const __MTC = {binding, config, rules};` and the library's code as
   `function __mtAutoconsent(module, exports) {...}`, in one more function. */
(() => {
  const binding = globalThis[__MTC.binding];
  try { delete globalThis[__MTC.binding]; } catch (e) {}
  if (typeof binding !== "function") return;
  const top = window.top === window;
  // no CMP lives in a child frame without a document of its own (about:blank, srcdoc: ad slots, a page's
  // thousands of written frames): the library is not started there
  if (!top && !/^https?:$/.test(location.protocol)) return;
  const report = (message) => binding(JSON.stringify({ m: message, href: String(location.href), top: top }));
  const waiting = { rules: null };
  globalThis.__mtcAnswer = (answer) => {  // an isolated world's global: no page script can reach it
    if (answer && answer.type === "mtRules" && waiting.rules) waiting.rules(answer.rules);
    else if (answer && answer.type === "evalResp" && consent) consent.receiveMessageCallback(answer);
  };
  const FORWARDED = new Set(["cmpDetected", "popupFound", "optInResult", "optOutResult", "autoconsentDone",
    "autoconsentError"]);
  const tell = (message) => {
    try { report(message); } catch (e) {}
  };
  let consent = null, rules = [];
  const send = (message) => {
    if (message && message.type === "init") {
      // answered here, as a host answers the library's `init` (its constructor sends it, then is ready for the
      // answer): the configuration and the rules, with the site-specific rules whose urlPattern this frame's URL
      // matches, asked for from Python (rarely any)
      let wanted = [];
      try {
        const patterns = JSON.parse(__MTC.rules.patterns), url = String(location.href);
        for (let i = 0; i < patterns.length && wanted.length < 20; i++) {
          try { if (new RegExp(patterns[i]).test(url)) wanted.push(i); } catch (e) {}
        }
      } catch (e) {}
      const asked = wanted.length ? new Promise((answered) => {
        waiting.rules = answered;
        report({ type: "mtRules", indexes: wanted });
      }) : Promise.resolve([]);
      asked.then((extra) => Array.isArray(extra) ? extra : [], () => []).then((extra) => consent &&
        consent.receiveMessageCallback({ type: "initResp", config: __MTC.config,
          rules: { autoconsent: rules.concat(extra) } })).catch((e) => {
        tell({ type: "autoconsentError", details: String(e).slice(0, 300) });
      });
    } else if (message && message.type === "eval") {  // a rule's snippet, for the page's world
      tell({ type: "eval", id: String(message.id), code: String(message.code) });
    } else if (message && FORWARDED.has(message.type)) {
      const out = {};
      for (const key of ["type", "cmp", "result", "isCosmetic", "totalClicks", "duration"]) {
        if (key in message) out[key] = message[key];
      }
      if (message.type === "autoconsentError") {
        try { out.details = JSON.stringify(message.details).slice(0, 300); } catch (e) { out.details = "?"; }
      }
      tell(out);
    }
    return Promise.resolve();
  };
  try {
    const module = { exports: {} };
    __mtAutoconsent(module, module.exports);
    const AutoConsent = module.exports.default;
    // only the rules that can run in this kind of frame (the library checks it again): an ad frame parses a few
    rules = JSON.parse(top ? __MTC.rules.top : __MTC.rules.frame);
    consent = new AutoConsent(send);
    // the end of detection in this frame: a CMP found without a banner shown is settled then
    const start = consent._start;
    if (typeof start === "function") {
      consent._start = async function () {
        let found = false;
        try { found = await start.call(this); } finally {
          tell({ type: "mtDetectionEnded", found: Boolean(found), detected: (this.state.detectedCmps || []).slice(0, 5),
                 popups: (this.state.detectedPopups || []).length });
        }
        return found;
      };
    }
  } catch (e) {
    tell({ type: "autoconsentError", details: String(e).slice(0, 300) });
  }
})();
