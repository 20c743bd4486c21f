// run as a dedicated worker, and by the page as a plain script: both ask for the same URL
fetch("/shared/both.json");
if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  var socket = new WebSocket(location.origin.replace("http", "ws") + "/ws/echo?from=worker");
  socket.onopen = function () { socket.send("worker says hi"); };
}
