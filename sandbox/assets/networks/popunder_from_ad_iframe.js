/* an ad iframe laid over the video player; the pop-under is opened from inside that iframe */
(function () {
  var s = document.currentScript, spot = s && s.getAttribute("data-ts-spot");
  function lay() {
    var p = document.getElementById("player"); if (!p) return;
    p.style.position = "relative";
    var f = document.createElement("iframe");
    f.src = "https://tsyndicate.com/iframes2/overlay.html?spot=" + spot + "&s=" + location.hostname;
    f.setAttribute("style", "position:absolute;left:0;top:0;width:100%;height:100%;border:0;z-index:50");
    f.id = "ts-overlay"; p.appendChild(f);
    window.addEventListener("message", function (e) {
      if (e.data === "ts-close") { var o = document.getElementById("ts-overlay"); if (o) o.remove(); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", lay); else lay();
})();
