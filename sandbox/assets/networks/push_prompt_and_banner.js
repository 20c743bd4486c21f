/* push ads: asks for notification permission, then shows an in-page "notification" banner */
(function () {
  var s = document.currentScript, zone = s && s.getAttribute("data-zone");
  try { if (window.Notification && Notification.requestPermission) Notification.requestPermission(); } catch (e) {}
  setTimeout(function () {
    var d = document.createElement("div");
    d.className = "ipp-banner";
    d.setAttribute("style", "position:fixed;right:12px;bottom:12px;width:320px;background:#fff;color:#000;box-shadow:0 2px 8px #0008;z-index:99999;font:14px sans-serif;border-radius:6px");
    var a = document.createElement("a");
    a.href = __mt.click("__CLICK_HOST__", "__NET__", zone); a.target = "_blank";
    a.setAttribute("style", "display:block;padding:10px;color:#000;text-decoration:none");
    a.textContent = "(1) New message: You have won a prize! Click to claim";
    d.appendChild(a); document.body.appendChild(d);
  }, 800);
})();
