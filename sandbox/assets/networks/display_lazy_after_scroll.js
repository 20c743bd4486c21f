/* display, lazy: the ad iframe is only requested once the visitor has scrolled */
(function () {
  var s = document.currentScript, zone = s && s.getAttribute("data-zone");
  var done = false;
  function show() {
    if (done || window.scrollY < 150) return; done = true;
    var slot = document.getElementById("jz" + zone) || document.body;
    var f = document.createElement("iframe");
    f.width = 300; f.height = 250; f.setAttribute("frameborder", "0");
    f.src = "https://adserver.juicyads.com/adshow.php?adzone=" + zone + "&s=" + location.hostname;
    slot.appendChild(f);
  }
  window.addEventListener("scroll", show, { passive: true });
})();
