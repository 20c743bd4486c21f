/* a pop-under with a frequency cap kept in a cookie: at most one per 30 minutes per browser */
(function () {
  var s = document.currentScript, zone = s && s.getAttribute("data-zone");
  document.addEventListener("click", __mt.once(function () {
    if (document.cookie.indexOf("ac_cap=1") >= 0) return;
    document.cookie = "ac_cap=1; max-age=1800; path=/";
    __mt.under(__mt.click("__CLICK_HOST__", "__NET__", zone));
  }), true);
})();
