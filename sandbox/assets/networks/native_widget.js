/* native "recommended for you" widget: cards fetched as JSON, each linking to the click server */
(function () {
  var boxes = document.querySelectorAll("div[data-widget-id]");
  Array.prototype.forEach.call(boxes, function (box) {
    var w = box.getAttribute("data-widget-id");
    fetch("https://jsc.mgid.com/items?w=" + w + "&s=" + location.hostname).then(function (r) { return r.json(); })
      .then(function (items) {
        var html = "<div class='mg-title'>Recommended for you</div>";
        items.forEach(function (it) {
          var a = document.createElement("a"); a.href = it.url; a.target = "_blank"; a.className = "mg-card";
          var img = document.createElement("img"); img.src = it.img; img.width = 160; img.height = 90;
          var t = document.createElement("span"); t.textContent = it.title;
          a.appendChild(img); a.appendChild(t); box.appendChild(a);
        });
      });
  });
})();
