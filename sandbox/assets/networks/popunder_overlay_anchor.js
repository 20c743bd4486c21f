/* pop-under through an invisible full-page anchor laid over everything */
(function () {
  function lay() {
    var a = document.createElement("a");
    a.href = __mt.click("__CLICK_HOST__", "__NET__", window.uid + "-" + window.wid);
    a.target = "_blank"; a.rel = "noopener";
    a.setAttribute("style", "position:fixed;left:0;top:0;width:100%;height:100%;z-index:2147483647;opacity:0;display:block;background:transparent");
    a.addEventListener("click", function () { setTimeout(function () { a.remove(); window.focus(); }, 0); });
    document.body.appendChild(a);
  }
  if (document.body) lay(); else document.addEventListener("DOMContentLoaded", lay);
})();
