/* display: each <ins class="adsbygoogle"> becomes an ad iframe for the publisher id in the tag */
(function () {
  function fill() {
    var slots = document.querySelectorAll("ins.adsbygoogle");
    for (var i = 0; i < slots.length; i++) {
      var ins = slots[i]; if (ins.getAttribute("data-adsbygoogle-status")) continue;
      ins.setAttribute("data-adsbygoogle-status", "done");
      var f = document.createElement("iframe"); f.width = 728; f.height = 90; f.setAttribute("frameborder", "0");
      f.src = "https://googleads.g.doubleclick.net/pagead/ads?client=" + ins.getAttribute("data-ad-client") +
              "&slotname=" + ins.getAttribute("data-ad-slot") + "&s=" + location.hostname;
      ins.appendChild(f);
    }
  }
  var q = window.adsbygoogle || [];
  window.adsbygoogle = { push: function () { fill(); } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill); else fill();
})();
