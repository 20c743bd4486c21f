/* a delayed pop: the window opens some time after the first click */
(function () {
  var cfg = window.htCfg || {};
  document.addEventListener("click", __mt.once(function () {
    setTimeout(function () { __mt.under(__mt.click("__CLICK_HOST__", "__NET__", cfg.site)); }, 1500);
  }), true);
})();
