// Traces an automation tool leaves in the page: navigator.webdriver and its getter, globals, code that runs in
// the page's own world, the console serialisation a DevTools protocol client switches on, and built-ins
// replaced by JavaScript.

// A fresh realm (an iframe's), whose Function.prototype.toString no page script can have replaced.
let realm = null;
export function freshRealm() {
  if (!realm) {
    const frame = document.createElement("iframe");
    frame.style.display = "none";
    document.documentElement.appendChild(frame);
    realm = frame.contentWindow;
  }
  return realm;
}

function nativeSource(fn) {
  try { return freshRealm().Function.prototype.toString.call(fn); } catch (e) { return "unreadable: " + e; }
}
const isNative = (source) => /\{\s*\[native code\]\s*\}\s*$/.test(source);

// --- code run in the page's world by the automation (page.evaluate): its stack has no script URL -------
export function installEvaluateTrap() {
  const state = { calls: 0, leaks: [] };
  const inspect = (stack) => {
    state.calls++;
    const callers = String(stack || "").split("\n").slice(2).filter((l) => l.trim());
    let leak = null;
    if (/UtilityScript|__puppeteer_evaluation_script__|pptr:/.test(stack)) leak = "automation frame: ";
    else if (callers.length && !callers.some((l) => /(https?|blob):\/\//.test(l))) leak = "no script URL: ";
    if (leak && state.leaks.length < 5) state.leaks.push(leak + (callers[0] || "").trim().slice(0, 120));
  };
  for (const name of ["querySelectorAll", "querySelector", "getElementById", "getElementsByTagName", "elementFromPoint"]) {
    const original = document[name];
    if (typeof original !== "function") continue;
    document[name] = function () { inspect(new Error().stack); return original.apply(this, arguments); };
  }
  return state;
}

// --- a protocol client with Runtime.enable makes Chromium read logged errors' properties ---------------
export function installConsoleProbes(rounds, everyMs) {
  // the same probes through the console of a new same-origin frame too: a fresh realm a page script can
  // reach before anything else runs in it
  const reads = { stack: 0, name: 0, rounds: 0, frameStack: 0, frameName: 0, frame: false };
  let frameConsole = null;
  try {
    const frame = document.createElement("iframe");
    frame.style.display = "none";
    document.documentElement.appendChild(frame);
    frameConsole = frame.contentWindow.console;
    reads.frame = true;
  } catch (e) {}
  const probe = (log, stackKey, nameKey) => {
    const a = new Error("stack probe");
    Object.defineProperty(a, "stack", { configurable: false, enumerable: false, get() { reads[stackKey]++; return ""; } });
    log.debug(a);
    const b = new Error("name probe");
    Object.defineProperty(b, "name", { get() { reads[nameKey]++; return "Error"; } });
    log.debug(b);
  };
  const round = () => {
    probe(console, "stack", "name");
    if (frameConsole) probe(frameConsole, "frameStack", "frameName");
    reads.rounds++;
    if (reads.rounds < rounds) setTimeout(round, everyMs);
  };
  round();
  return reads;
}

export function consoleChecks(report, reads) {
  report("cdp_error_stack_getter", reads.stack > 0,
         `an Error's stack getter was read ${reads.stack} time(s) in ${reads.rounds} console.debug call(s)`);
  // Chromium itself reads it once per call (for its own console message); a protocol client reads it again
  report("cdp_error_name_getter", reads.name > reads.rounds,
         `an Error's name getter was read ${reads.name} time(s) in ${reads.rounds} console.debug call(s)`);
  if (!reads.frame) report("cdp_error_new_frame", null, "no new frame could be made");
  else report("cdp_error_new_frame", reads.frameStack > 0 || reads.frameName > reads.rounds,
              `through a new frame's console: stack read ${reads.frameStack}, name read ${reads.frameName} time(s) in ${reads.rounds} call(s)`);
}

export function evaluateCheck(report, trap) {
  report("evaluate_in_page_world", trap.leaks.length > 0,
         trap.leaks.length ? trap.leaks.join(" | ") : `${trap.calls} call(s) of the trapped DOM methods, all from page scripts`);
}

// --- navigator.webdriver -------------------------------------------------------------------------------
export function webdriverChecks(report) {
  report("webdriver_true", navigator.webdriver === true, `navigator.webdriver = ${navigator.webdriver}`);
  const problems = [];
  const descriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, "webdriver");
  if (!descriptor) problems.push("Navigator.prototype has no webdriver property");
  else if (!descriptor.get) problems.push("webdriver is a value, not a getter");
  else {
    const source = nativeSource(descriptor.get);
    if (!isNative(source)) problems.push("getter source: " + source.replace(/\s+/g, " ").slice(0, 100));
  }
  const own = Object.getOwnPropertyNames(navigator);
  if (own.length) problems.push("navigator has own properties: " + own.slice(0, 5).join(", "));
  if (typeof navigator.webdriver === "undefined") problems.push("navigator.webdriver is undefined");
  report("webdriver_getter", problems.length > 0, problems.join("; ") || "a native getter on Navigator.prototype");
}

// --- globals -------------------------------------------------------------------------------------------
const OTHER_AUTOMATION = [
  /^_phantom$/, /^callPhantom$/, /^__nightmare$/, /^domAutomation/, /^_selenium$/, /^_Selenium_IDE_Recorder$/,
  /^__(webdriver|driver|selenium|fxdriver)_(evaluate|unwrapped|script_fn)/, /^__lastWatir/, /^_WEBDRIVER_ELEM_CACHE$/,
  /^\$?cdc_/, /^__\$webdriverAsyncExecutor$/, /^__puppeteer/, /^puppeteer/, /^__stealth/,
];

export function globalChecks(report) {
  const names = Object.getOwnPropertyNames(window);
  const match = (tests) => names.filter((n) => tests.some((t) => t.test(n)));
  const playwright = match([/^__playwright/, /^__pw/, /^playwright/i]);
  report("playwright_globals", playwright.length > 0, playwright.join(", ") || "none");
  const own = match([/^__mt/]);
  report("moneytrail_globals", own.length > 0, own.join(", ") || "none");
  const other = match(OTHER_AUTOMATION);
  const attributes = ["webdriver", "selenium", "driver"].filter((a) => document.documentElement.hasAttribute(a));
  const documentKeys = Object.getOwnPropertyNames(document).filter((n) => /^\$?cdc_|^\$wdc_/.test(n));
  const found = [...other, ...attributes.map((a) => "<html " + a + ">"), ...documentKeys];
  report("other_automation_globals", found.length > 0, found.join(", ") || "none");
}

// --- built-ins replaced by JavaScript ----------------------------------------------------------------
const METHODS = [
  ["window.open", () => window.open],
  ["window.focus", () => window.focus],
  ["EventTarget.prototype.addEventListener", () => EventTarget.prototype.addEventListener],
  ["History.prototype.pushState", () => History.prototype.pushState],
  ["History.prototype.replaceState", () => History.prototype.replaceState],
  ["HTMLFormElement.prototype.submit", () => HTMLFormElement.prototype.submit],
  ["WebAssembly.compile", () => WebAssembly.compile],
  ["WebAssembly.instantiate", () => WebAssembly.instantiate],
  ["WebAssembly.compileStreaming", () => WebAssembly.compileStreaming],
  ["WebAssembly.instantiateStreaming", () => WebAssembly.instantiateStreaming],
  ["Notification.requestPermission", () => window.Notification && Notification.requestPermission],
  ["ServiceWorkerContainer.prototype.register", () => window.ServiceWorkerContainer && ServiceWorkerContainer.prototype.register],
  ["Permissions.prototype.query", () => window.Permissions && Permissions.prototype.query],
  ["WebGLRenderingContext.prototype.getParameter", () => window.WebGLRenderingContext && WebGLRenderingContext.prototype.getParameter],
  ["HTMLCanvasElement.prototype.toDataURL", () => HTMLCanvasElement.prototype.toDataURL],
  ["Function.prototype.toString", () => Function.prototype.toString],
];
const CONSTRUCTORS = [
  ["Worker", () => window.Worker],
  ["SharedWorker", () => window.SharedWorker],
  ["WebAssembly.Module", () => WebAssembly.Module],
];

export function hookChecks(report) {
  const notNative = [], ownToString = [], withPrototype = [];
  for (const [name, get] of [...METHODS, ...CONSTRUCTORS]) {
    let fn;
    try { fn = get(); } catch (e) { continue; }
    if (typeof fn !== "function") continue;
    if (!isNative(nativeSource(fn))) notNative.push(name);
    if (Object.prototype.hasOwnProperty.call(fn, "toString")) ownToString.push(name);
  }
  for (const [name, get] of METHODS) {  // native methods have no prototype; a function written in JS has one
    let fn;
    try { fn = get(); } catch (e) { continue; }
    if (typeof fn === "function" && Object.prototype.hasOwnProperty.call(fn, "prototype")) withPrototype.push(name);
  }
  report("hooks_fresh_realm_tostring", notNative.length > 0,
         notNative.length ? "not native from a fresh realm: " + notNative.join(", ") : "every built-in checked is native");
  report("hooks_own_tostring", ownToString.length > 0,
         ownToString.length ? "own toString on: " + ownToString.join(", ") : "no built-in carries its own toString");
  report("hooks_have_prototype", withPrototype.length > 0,
         withPrototype.length ? "methods with a prototype: " + withPrototype.join(", ") : "no method has a prototype");
}

// --- the same facts in a new frame -------------------------------------------------------------------
export function frameCheck(report) {
  const w = freshRealm();
  const diffs = [];
  const facts = ["userAgent", "platform", "webdriver", "hardwareConcurrency", "language"];
  for (const fact of facts) {
    let inner;
    try { inner = w.navigator[fact]; } catch (e) { inner = "unreadable"; }
    if (inner !== navigator[fact]) diffs.push(`${fact}: frame ${inner}, page ${navigator[fact]}`);
  }
  if (!!w.chrome !== !!window.chrome) diffs.push(`window.chrome: frame ${!!w.chrome}, page ${!!window.chrome}`);
  if (w.screen.width !== screen.width) diffs.push(`screen.width: frame ${w.screen.width}, page ${screen.width}`);
  report("frame_vs_page", diffs.length > 0, diffs.join("; ") || "a new frame's navigator agrees with the page's");
}
