(function (url, room) {
  var box = document.getElementById('chat-box'), ws = new WebSocket(url);
  ws.onopen = function () {
    ws.send(JSON.stringify({type: 'join', room: room, nick: 'guest' + Math.floor(1000 + Math.random() * 9000)}));
  };
  ws.onmessage = function (e) {
    var m = JSON.parse(e.data), line = document.createElement('p');
    if (m.type !== 'msg') return;
    line.textContent = m.user + ': ' + m.text;
    box.appendChild(line);
  };
})(__URL__, __ROOM__);
