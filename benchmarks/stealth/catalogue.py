"""Every check the benchmark counts, in table order: name -> (group, what makes it see a bot).

The page (page/*.js) reports each of these as `{name, bot, detail}`; the server adds `calls_home` and
`server_ua_consistency`. A check a runner's page did not report counts as unknown, never as passed."""

from __future__ import annotations

CHECKS: dict[str, tuple[str, str]] = {
    # real detectors from the npm registry
    "botd": ("detectors", "@fingerprintjs/botd 2.0: load() then detect() says bot"),
    "disable_devtool": ("detectors", "disable-devtool 0.3.9: a detector fired (reported, the tab is not closed)"),
    "devtools_detect": ("detectors", "devtools-detect 4.0.2: devtools seen open (outer minus inner size)"),
    # who the browser says it is
    "ua_headless": ("identity", "navigator.userAgent says Headless"),
    "appversion_headless": ("identity", "navigator.appVersion says Headless"),
    "header_ua_headless": ("identity", "the User-Agent header says Headless"),
    "header_ua_vs_navigator": ("identity", "the User-Agent header differs from navigator.userAgent"),
    "ch_headless_brand": ("identity", "Sec-CH-UA or userAgentData brands name HeadlessChrome"),
    "ch_version_vs_ua": ("identity", "a Chrome user agent whose client hints are missing or name another version"),
    "ch_platform_vs_ua": ("identity", "client hints' platform or mobile flag contradict the user agent"),
    "platform_vs_ua": ("identity", "navigator.platform contradicts the user agent's system"),
    "languages_vs_header": ("identity", "navigator.language differs from Accept-Language, or no languages"),
    "worker_vs_page": ("identity", "a dedicated worker's navigator differs from the page's"),
    "server_ua_consistency": ("identity", "requests to the site carried more than one User-Agent (server side)"),
    # automation traces
    "webdriver_true": ("automation", "navigator.webdriver is true"),
    "webdriver_getter": ("automation", "the webdriver getter is not native, or navigator has own properties"),
    "playwright_globals": ("automation", "window has __playwright* / __pw* globals"),
    "moneytrail_globals": ("automation", "window has moneytrail's __mt* globals"),
    "other_automation_globals": ("automation", "Selenium, PhantomJS, Nightmare, cdc_ or puppeteer traces"),
    "evaluate_in_page_world": ("automation", "page DOM methods called from code with no script URL (evaluate)"),
    "cdp_error_stack_getter": ("automation", "console.debug of an Error read its stack getter (Runtime.enable)"),
    "cdp_error_name_getter": (
        "automation",
        "console.debug of an Error read its name getter more than once (Runtime.enable)",
    ),
    "cdp_error_new_frame": (
        "automation",
        "the same console probes through a new same-origin frame's console read the getters (Runtime.enable)",
    ),
    "frame_vs_page": ("automation", "a new iframe's navigator, window.chrome or screen differ from the page's"),
    # built-ins replaced in JavaScript
    "hooks_fresh_realm_tostring": ("hooks", "a fresh realm's Function.prototype.toString shows a built-in's source"),
    "hooks_own_tostring": ("hooks", "a built-in carries its own toString property"),
    "hooks_have_prototype": ("hooks", "a built-in method has a prototype (native methods have none)"),
    # the environment and the claimed device
    "plugins_pdf": ("environment", "desktop Chrome with no plugins or no PDF viewer"),
    "notification_permission": ("environment", "Notification.permission denied while permissions.query says prompt"),
    "webgl_software": ("environment", "no WebGL, or a software renderer (SwiftShader, llvmpipe)"),
    "speech_voices": ("environment", "speechSynthesis has no voice"),
    "connection_rtt_zero": ("environment", "navigator.connection.rtt is 0"),
    "h264_missing": ("environment", "the video element cannot play H.264"),
    "pointer_media_vs_ua": ("environment", "pointer/hover media queries contradict a mobile or desktop user agent"),
    "touch_points_vs_ua": ("environment", "a mobile user agent without touch points or touch events"),
    "share_api_vs_ua": ("environment", "a mobile user agent without navigator.share"),
    "chrome_object_vs_ua": ("environment", "window.chrome missing on Chrome, or present on another browser"),
    "non_blink_ua_blink_apis": ("environment", "a Safari/Firefox user agent with Blink-only APIs"),
    # geometry and time
    "screen_equals_viewport": ("geometry", "screen size equals the viewport"),
    "outer_equals_inner": ("geometry", "window outer size equals inner size (no browser chrome)"),
    "timezone_utc": ("geometry", "the time zone is UTC"),
    # how the clicks came
    "click_without_motion": ("behaviour", "a mouse click after at most one mousemove"),
    "click_dead_centre": ("behaviour", "the player clicked within 2 px of its exact centre"),
    "touch_device_mouse_click": ("behaviour", "a touch device clicking with a mouse, no touch events"),
    "untrusted_click": ("behaviour", "a click event that is not trusted (synthetic)"),
    # the network
    "calls_home": ("network", "the browser contacted hosts other than the page's through the proxy"),
}
