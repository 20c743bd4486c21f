// a shared worker: once a page tells it the visitor is there, it asks for a file and opens a socket
onconnect = function (event) {
  var port = event.ports[0];
  port.onmessage = function () {
    fetch("/shared/from-shared.json");
    var socket = new WebSocket(location.origin.replace("http", "ws") + "/ws/echo?from=shared");
    socket.onopen = function () { socket.send("shared worker says hi"); };
  };
};
