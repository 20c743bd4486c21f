/* tab-under: the page re-opens itself in a new tab while this tab goes to the ad */
(function () {
  var s = document.currentScript, zone = s && s.getAttribute("data-zone");
  document.addEventListener("click", __mt.once(function () {
    window.open(location.href, "_blank");
    var url = __mt.click("__CLICK_HOST__", "__NET__", zone);
    setTimeout(function () { location.href = url; }, 100);
  }), true);
})();
