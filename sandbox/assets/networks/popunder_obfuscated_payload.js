/* what the obfuscated loader fetches from a throwaway host: a pop-under on the first click */
(function () {
  var zone = "__ZONE__";
  document.addEventListener("click", __mt.once(function () { __mt.under(__mt.click("__CLICK_HOST__", "__NET__", zone)); }), true);
})();
