/* injected target=_blank links: an anchor laid over the video player opens the ad (pages with a player) */
(function () {
  var s = document.currentScript, zone = s && s.getAttribute("data-zone");
  function inject() {
    var targets = document.querySelectorAll("#player");
    for (var i = 0; i < targets.length; i++) {
      var el = targets[i], box = el.parentNode;
      if (!box || box.getAttribute("data-cdu")) continue; box.setAttribute("data-cdu", "1");
      if (getComputedStyle(box).position === "static") box.style.position = "relative";
      var a = document.createElement("a");
      a.href = __mt.click("__CLICK_HOST__", "__NET__", zone); a.target = "_blank";
      a.setAttribute("style", "position:absolute;left:0;top:0;width:100%;height:100%;z-index:60");
      a.addEventListener("click", function () { var all = document.querySelectorAll("a[data-cdu-link]"); for (var j = 0; j < all.length; j++) all[j].remove(); });
      a.setAttribute("data-cdu-link", "1");
      box.appendChild(a);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", inject); else inject();
})();
