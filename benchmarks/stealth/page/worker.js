// What a dedicated worker's navigator says, for a comparison with the page's (a user agent override that
// forgets workers shows here).
self.postMessage({
  userAgent: navigator.userAgent,
  platform: navigator.platform,
  languages: Array.from(navigator.languages || []),
  webdriver: navigator.webdriver,
  hardwareConcurrency: navigator.hardwareConcurrency,
  uaPlatform: navigator.userAgentData ? navigator.userAgentData.platform : null,
});
