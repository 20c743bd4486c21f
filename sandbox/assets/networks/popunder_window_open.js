/* pop-under on the first click anywhere: a document listener and window.open */
(function () {
  var cfg = {}; (window._pop || []).forEach(function (kv) { cfg[kv[0]] = kv[1]; });
  var h = __mt.once(function () { __mt.under(__mt.click("__CLICK_HOST__", "__NET__", cfg.siteId)); });
  document.addEventListener("click", h, true);
})();
