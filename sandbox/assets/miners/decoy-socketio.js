(function (server, room) {
  // a live chat over socket.io-client (WebSocket transport only)
  var box = document.getElementById('live-chat'), socket = io(server, {transports: ['websocket']});
  socket.on('connect', function () { socket.emit('join', room); });
  socket.on('chat message', function (m) {
    var line = document.createElement('p');
    line.textContent = m.user + ': ' + m.text;
    box.appendChild(line);
  });
})(__SERVER__, __ROOM__);
