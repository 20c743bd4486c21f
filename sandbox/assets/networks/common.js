/* shared by every sandbox ad tag: where a click goes, and the pop-under focus trick */
var __mt = window.__mt || (window.__mt = {
  click: function (host, net, zone, site, extra) {
    var q = "net=" + net + "&s=" + encodeURIComponent(site || location.hostname) +
            "&z=" + encodeURIComponent(zone || "") + "&l=" + encodeURIComponent(navigator.language || "");
    return "https://" + host + "/click?" + q + (extra || "");
  },
  under: function (url) {
    var w = window.open(url, "_blank");
    try { if (w) { w.blur(); } window.focus(); } catch (e) {}
    return w;
  },
  once: function (fn) {
    var done = false;
    return function (ev) { if (!done) { done = true; fn(ev); } };
  }
});
