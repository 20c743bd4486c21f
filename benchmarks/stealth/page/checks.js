// The detector page: real detectors from the npm registry (BotD, disable-devtool, devtools-detect) and the
// benchmark's own checks. Every check reports {name, bot, detail}: bot is true (sees a bot), false, or null
// (could not tell). Results are posted to /report when the checks are done ("checks"), after each click
// ("click") and when the page goes away ("final"); a later post replaces an earlier one check by check.
import { load as loadBotd } from "/npm/botd.js";
import devtools from "/npm/devtools-detect.js";
import { identityChecks } from "./identity.js";
import {
  installEvaluateTrap, installConsoleProbes, consoleChecks, evaluateCheck, webdriverChecks, globalChecks,
  hookChecks, frameCheck,
} from "./automation.js";
import { environmentChecks } from "./environment.js";
import { watchBehaviour, behaviourChecks } from "./behaviour.js";

// first, before any automation reads the page: the traps that watch what happens later
const trap = installEvaluateTrap();
const consoleReads = installConsoleProbes(10, 200);
const devtoolFired = new Set();
let disableDevtoolStarted = "not started";
try {
  const started = window.DisableDevtool({
    // report instead of closing the tab (its default reaction)
    ondevtoolopen(type) { devtoolFired.add(window.DisableDevtool.DetectorType[type] || String(type)); },
  });
  disableDevtoolStarted = started && started.success === false ? "not running: " + started.reason : "running";
} catch (e) {
  disableDevtoolStarted = "failed: " + e;
}
let devtoolsEverOpen = devtools.isOpen;
window.addEventListener("devtoolschange", (e) => { if (e.detail.isOpen) devtoolsEverOpen = true; });

const results = new Map();
function report(name, bot, detail) {
  results.set(name, { name, bot: bot === null || bot === undefined ? null : !!bot, detail: String(detail).slice(0, 600) });
}
async function guarded(name, run) {
  try { await run(); } catch (e) { report(name, null, "check failed: " + e); }
}

const seen = JSON.parse(document.getElementById("request-seen").textContent || "{}");
let clickTimer = null;
const behaviour = watchBehaviour(() => { clearTimeout(clickTimer); clickTimer = setTimeout(() => post("click"), 400); });

function dynamicChecks() {  // checks whose answer can change while the page is open
  report("disable_devtool", devtoolFired.size > 0,
         devtoolFired.size ? "detectors fired: " + [...devtoolFired].join(", ") : disableDevtoolStarted + ", nothing fired");
  report("devtools_detect", devtoolsEverOpen || devtools.isOpen,
         `isOpen ${devtools.isOpen}, outer-inner ${outerWidth - innerWidth}x${outerHeight - innerHeight}`);
  consoleChecks(report, consoleReads);
  evaluateCheck(report, trap);
  behaviourChecks(report, behaviour);
}

function post(phase) {
  dynamicChecks();
  const list = [...results.values()];
  document.getElementById("out").textContent = phase + "\n" + list
    .map((r) => `${r.bot === null ? "?" : r.bot ? "BOT" : "ok "}  ${r.name}: ${r.detail}`).join("\n");
  const body = JSON.stringify({ phase, results: list });
  if (phase === "final") navigator.sendBeacon("/report", new Blob([body], { type: "text/plain" }));
  else fetch("/report", { method: "POST", body, keepalive: true, headers: { "Content-Type": "text/plain" } }).catch(() => {});
}

async function botd() {
  const detector = await loadBotd({ monitoring: false });  // no statistics request to FingerprintJS's CDN
  const result = await detector.detect();
  const fired = Object.entries(detector.getDetections() || {}).filter(([, d]) => d && d.bot).map(([name]) => name);
  report("botd", result.bot, result.bot ? `${result.botKind} (${fired.join(", ")})` : "not a bot");
}

async function main() {
  const startedAt = performance.now();
  await Promise.all([
    guarded("botd", botd),
    guarded("identity", () => identityChecks(report, seen)),
    guarded("environment", () => environmentChecks(report, seen)),
    guarded("webdriver", () => webdriverChecks(report)),
    guarded("globals", () => globalChecks(report)),
    guarded("hooks", () => hookChecks(report)),
    guarded("frame_vs_page", () => frameCheck(report)),
  ]);
  // interval-based detectors (disable-devtool, devtools-detect: every 500 ms) get several rounds first
  const wait = 2500 - (performance.now() - startedAt);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  post("checks");
}

window.addEventListener("pagehide", () => post("final"));
main();
