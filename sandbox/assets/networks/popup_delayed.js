/* a delayed popup: some time after the first click, the ad opens in front of the page */
(function () {
  var cfg = window.htCfg || {};
  document.addEventListener("click", __mt.once(function () {
    setTimeout(function () { window.open(__mt.click("__CLICK_HOST__", "__NET__", cfg.site), "_blank"); }, 1500);
  }), true);
})();
