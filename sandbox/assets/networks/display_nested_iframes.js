/* display: every <ins data-zoneid> becomes an iframe that itself frames the creative */
(function () {
  function fill() {
    var slots = document.querySelectorAll("ins[data-zoneid]");
    for (var i = 0; i < slots.length; i++) {
      var ins = slots[i]; if (ins.getAttribute("data-done")) continue; ins.setAttribute("data-done", "1");
      var f = document.createElement("iframe");
      f.width = 300; f.height = 250; f.setAttribute("frameborder", "0"); f.setAttribute("scrolling", "no");
      f.src = "https://__CLICK_HOST__/ads-iframe-display.php?idzone=" + ins.getAttribute("data-zoneid") + "&s=" + location.hostname;
      ins.appendChild(f);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill); else fill();
  (window.AdProvider = window.AdProvider || []).push = function () { fill(); return 0; };
})();
