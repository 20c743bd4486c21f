// the first click anywhere opens one popup
document.addEventListener("click", function () {
  window.open("/popup-page.html", "_blank");
}, {once: true});
