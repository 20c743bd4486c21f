// What a user agent string claims: browser family, engine version, operating system, mobile or not.
// Checks compare these claims with what the browser actually exposes.

export function claims(ua) {
  const chromeVersion = /(?:Chrome|Chromium|CriOS)\/(\d+)/.exec(ua);
  const ios = /iPhone|iPad|iPod/.test(ua);
  const android = /Android/.test(ua);
  let os = "unknown";
  if (android) os = "Android";
  else if (ios) os = "iOS";
  else if (/Windows/.test(ua)) os = "Windows";
  else if (/CrOS/.test(ua)) os = "Chrome OS";
  else if (/Macintosh|Mac OS X/.test(ua)) os = "macOS";
  else if (/Linux|X11/.test(ua)) os = "Linux";
  return {
    // a Blink browser: Chrome, Chromium, Edge, Opera... (Chrome on iOS is WebKit underneath)
    blink: !!chromeVersion && !/CriOS/.test(ua),
    chromeMajor: chromeVersion ? Number(chromeVersion[1]) : null,
    safari: /Safari\//.test(ua) && !/(Chrome|Chromium|CriOS|FxiOS|Edg|OPR)\//.test(ua),
    firefox: /Firefox\//.test(ua),
    mobile: android || ios || /Mobile/.test(ua),
    os,
  };
}

// navigator.platform values real browsers give on each system
const PLATFORMS = {
  Android: /^Linux (armv|aarch64)/,
  iOS: /^(iPhone|iPad|iPod)/,
  Windows: /^Win/,
  macOS: /^MacIntel$/,
  Linux: /^Linux/,
  "Chrome OS": /^(Linux|CrOS)/,
};

export function platformFits(os, platform) {
  const expected = PLATFORMS[os];
  return expected ? expected.test(platform || "") : true;
}

// navigator.userAgentData.platform (and Sec-CH-UA-Platform) of each system
export const HINT_PLATFORMS = { Android: "Android", Windows: "Windows", macOS: "macOS", Linux: "Linux", "Chrome OS": "Chrome OS" };

// "Chromium";v="156", "Not-A.Brand";v="24" -> [{brand, version}]
export function parseBrands(header) {
  const out = [];
  const re = /"([^"]*)"\s*;\s*v\s*=\s*"([^"]*)"/g;
  let m;
  while ((m = re.exec(header || ""))) out.push({ brand: m[1], version: m[2] });
  return out;
}

// the made-up brand Chromium adds to its list ("Not-A.Brand", "Not)A;Brand"...)
export function isGreaseBrand(brand) {
  return /^Not.A.Brand$/i.test(brand);
}
