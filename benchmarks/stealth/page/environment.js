// What the browser's environment gives away: headless defaults (no plugins, software WebGL, no voices),
// contradictions with the claimed device, geometry and the time zone.
import { claims } from "./ua.js";

function voices(timeoutMs) {
  return new Promise((resolve) => {
    if (!window.speechSynthesis) return resolve(null);
    const now = speechSynthesis.getVoices();
    if (now.length) return resolve(now.length);
    const timer = setTimeout(() => resolve(speechSynthesis.getVoices().length), timeoutMs);
    speechSynthesis.addEventListener("voiceschanged", () => { clearTimeout(timer); resolve(speechSynthesis.getVoices().length); });
  });
}

function webglRenderer() {
  try {
    const gl = document.createElement("canvas").getContext("webgl");
    if (!gl) return null;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch (e) { return null; }
}

export async function environmentChecks(report, seen) {
  const claim = claims(navigator.userAgent);
  const desktop = !claim.mobile;

  // plugins: desktop Chrome lists its PDF viewer; phones list none
  const plugins = navigator.plugins ? navigator.plugins.length : 0;
  report("plugins_pdf", desktop && claim.blink && (plugins === 0 || navigator.pdfViewerEnabled === false),
         `${plugins} plugin(s), pdfViewerEnabled ${navigator.pdfViewerEnabled}`);

  // old headless: Notification.permission "denied" while the Permissions API says "prompt"
  try {
    const state = (await navigator.permissions.query({ name: "notifications" })).state;
    const permission = window.Notification ? Notification.permission : "(no Notification)";
    report("notification_permission", permission === "denied" && state === "prompt",
           `Notification.permission ${permission}, permissions.query ${state}`);
  } catch (e) {
    report("notification_permission", null, "permissions.query failed: " + e);
  }

  const renderer = webglRenderer();
  report("webgl_software", renderer === null || /SwiftShader|llvmpipe|softpipe|Software|Mesa OffScreen/i.test(renderer),
         renderer === null ? "no WebGL" : renderer);

  const voiceCount = await voices(1000);
  report("speech_voices", voiceCount === 0, voiceCount === null ? "no speechSynthesis" : `${voiceCount} voice(s)`);

  const c = navigator.connection;
  report("connection_rtt_zero", !!c && c.rtt === 0 && claim.blink, c ? `rtt ${c.rtt}, downlink ${c.downlink}` : "no navigator.connection");

  const h264 = document.createElement("video").canPlayType('video/mp4; codecs="avc1.42E01E"');
  report("h264_missing", h264 === "", `canPlayType(H.264) = "${h264}"`);

  // the claimed device and what the browser behaves like
  const coarse = matchMedia("(pointer: coarse)").matches, fine = matchMedia("(pointer: fine)").matches;
  const hover = matchMedia("(hover: hover)").matches;
  report("pointer_media_vs_ua", claim.mobile ? !coarse || hover : !fine,
         `pointer coarse ${coarse}, fine ${fine}, hover ${hover}; the user agent is ${claim.mobile ? "mobile" : "desktop"}`);
  const touchPoints = navigator.maxTouchPoints || 0;
  report("touch_points_vs_ua", claim.mobile && (touchPoints === 0 || !("ontouchstart" in window)),
         `maxTouchPoints ${touchPoints}, ontouchstart ${"ontouchstart" in window}`);
  report("share_api_vs_ua", claim.mobile && typeof navigator.share !== "function",
         `navigator.share ${typeof navigator.share}; phones' browsers have it`);
  const chromeObject = typeof window.chrome === "object" && window.chrome !== null;
  report("chrome_object_vs_ua", (claim.blink && !chromeObject) || (!claim.blink && chromeObject),
         `window.chrome ${chromeObject ? "present" : "absent"}; the user agent is ${claim.blink ? "Blink" : claim.safari ? "Safari" : "other"}`);
  if (claim.safari || claim.firefox) {
    const blinkOnly = ["userAgentData", "deviceMemory", "connection"].filter((k) => k in navigator);
    if (chromeObject) blinkOnly.push("window.chrome");
    if (seen["sec-ch-ua"]) blinkOnly.push("the Sec-CH-UA header");
    report("non_blink_ua_blink_apis", blinkOnly.length > 0, blinkOnly.length ? "has " + blinkOnly.join(", ") : "none of Blink's own APIs");
  } else {
    report("non_blink_ua_blink_apis", false, "a Blink user agent");
  }

  // geometry: a real screen is larger than the page's viewport, and a window has toolbars around it
  report("screen_equals_viewport", screen.width === innerWidth && screen.height === innerHeight,
         `screen ${screen.width}x${screen.height}, viewport ${innerWidth}x${innerHeight}`);
  report("outer_equals_inner", desktop ? outerWidth === innerWidth && outerHeight === innerHeight : outerHeight === 0,
         `outer ${outerWidth}x${outerHeight}, inner ${innerWidth}x${innerHeight}`);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  report("timezone_utc", /^(Etc\/)?(UTC|GMT|UCT|Universal|Zulu)$/i.test(zone), zone || "no time zone");
}
