// Who the browser says it is, in its headers and in the page, and whether the claims agree.
import { claims, platformFits, HINT_PLATFORMS, parseBrands, isGreaseBrand } from "./ua.js";

function mainVersion(brands) {
  const real = (brands || []).filter((b) => !isGreaseBrand(b.brand));
  const named = real.find((b) => /Chrome|Chromium/.test(b.brand)) || real[0];
  return named ? Number(String(named.version).split(".")[0]) : null;
}

function workerNavigator(timeoutMs) {
  return new Promise((resolve) => {
    let worker;
    const timer = setTimeout(() => resolve(null), timeoutMs);
    try {
      worker = new Worker("/worker.js");
      worker.onmessage = (event) => { clearTimeout(timer); resolve(event.data); worker.terminate(); };
      worker.onerror = () => { clearTimeout(timer); resolve(null); };
    } catch (e) { clearTimeout(timer); resolve(null); }
  });
}

export async function identityChecks(report, seen) {
  const ua = navigator.userAgent;
  const claim = claims(ua);
  const headerUa = seen["user-agent"] || "";

  report("ua_headless", /Headless/i.test(ua), ua);
  report("appversion_headless", /Headless/i.test(navigator.appVersion), navigator.appVersion);
  report("header_ua_headless", /Headless/i.test(headerUa), headerUa || "no User-Agent header");
  report("header_ua_vs_navigator", headerUa !== ua,
         headerUa === ua ? "the header and navigator.userAgent agree" : `header ${headerUa} | navigator ${ua}`);

  const uad = navigator.userAgentData;
  const headerBrands = parseBrands(seen["sec-ch-ua"]);
  const pageBrands = uad ? Array.from(uad.brands || []) : [];
  const allBrands = [...headerBrands, ...pageBrands].map((b) => b.brand);
  report("ch_headless_brand", allBrands.some((b) => /Headless/i.test(b)),
         `Sec-CH-UA ${seen["sec-ch-ua"] || "(none)"}; userAgentData ${pageBrands.map((b) => b.brand).join(", ") || "(none)"}`);

  // a Blink user agent comes with client hints that name the same major version
  if (claim.blink) {
    const problems = [];
    if (!uad) problems.push("no navigator.userAgentData");
    if (!seen["sec-ch-ua"]) problems.push("no Sec-CH-UA header");
    const versions = [mainVersion(headerBrands), mainVersion(pageBrands)].filter((v) => v !== null);
    for (const v of versions) if (v !== claim.chromeMajor) problems.push(`hints say ${v}, the user agent ${claim.chromeMajor}`);
    if (uad) {
      try {
        const high = await uad.getHighEntropyValues(["fullVersionList", "model", "platform"]);
        const full = mainVersion(high.fullVersionList);
        if (full !== null && full !== claim.chromeMajor) problems.push(`full version list says ${full}`);
        if (claim.os === "Android" && /Android [\d.]+; ([^;)]+)\)/.test(ua)) {
          const model = /Android [\d.]+; ([^;)]+)\)/.exec(ua)[1].trim();
          if (model !== "K" && high.model !== model) problems.push(`model hint "${high.model}" vs "${model}" in the user agent`);
        }
      } catch (e) { problems.push("getHighEntropyValues failed"); }
    }
    report("ch_version_vs_ua", problems.length > 0, problems.join("; ") || `Chrome ${claim.chromeMajor} everywhere`);
    const hintPlatform = uad ? uad.platform : (seen["sec-ch-ua-platform"] || "").replace(/"/g, "");
    const hintMobile = uad ? uad.mobile : seen["sec-ch-ua-mobile"] === "?1";
    const expected = HINT_PLATFORMS[claim.os];
    const wrong = (expected && hintPlatform !== expected) || hintMobile !== claim.mobile;
    report("ch_platform_vs_ua", wrong,
           `hints: platform ${hintPlatform || "(none)"}, mobile ${hintMobile}; user agent: ${claim.os}, mobile ${claim.mobile}`);
  } else {
    report("ch_version_vs_ua", false, "not a Blink user agent: no client hints expected");
    report("ch_platform_vs_ua", false, "not a Blink user agent: no client hints expected");
  }

  report("platform_vs_ua", !platformFits(claim.os, navigator.platform),
         `navigator.platform ${navigator.platform}; the user agent says ${claim.os}`);

  const lang = (navigator.languages || []).slice();
  const acceptFirst = (seen["accept-language"] || "").split(",")[0].split(";")[0].trim();
  const langProblems = [];
  if (!lang.length) langProblems.push("navigator.languages is empty");
  if (acceptFirst && navigator.language && acceptFirst.toLowerCase() !== navigator.language.toLowerCase())
    langProblems.push(`Accept-Language starts with ${acceptFirst}, navigator.language is ${navigator.language}`);
  if (!acceptFirst) langProblems.push("no Accept-Language header");
  report("languages_vs_header", langProblems.length > 0, langProblems.join("; ") || `${navigator.language} (${lang.join(",")})`);

  const w = await workerNavigator(3000);
  if (!w) {
    report("worker_vs_page", null, "the worker did not answer");
  } else {
    const diffs = [];
    if (w.userAgent !== ua) diffs.push(`worker user agent ${w.userAgent}`);
    if (w.platform !== navigator.platform) diffs.push(`worker platform ${w.platform}`);
    if (w.languages.join(",") !== lang.join(",")) diffs.push(`worker languages ${w.languages.join(",")}`);
    // workers have no navigator.webdriver in Chromium: only a worker that has one can contradict the page
    if (w.webdriver !== undefined && w.webdriver !== navigator.webdriver) diffs.push(`worker webdriver ${w.webdriver}`);
    if (w.hardwareConcurrency !== navigator.hardwareConcurrency) diffs.push(`worker cores ${w.hardwareConcurrency}`);
    report("worker_vs_page", diffs.length > 0, diffs.join("; ") || "the worker's navigator agrees with the page's");
  }
}
