(function (url, rle, size, palette) {
  var el = document.getElementById('thumb-decoder');
  fetch(url).then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.instantiate(b); })
    .then(function (m) {
      var E = m.instance.exports, src = atob(rle), inp = E.alloc(src.length), out = E.alloc(size * size);
      var mem = new Uint8Array(E.memory.buffer);
      for (var i = 0; i < src.length; i++) mem[inp + i] = src.charCodeAt(i);
      var n = E.decode_rle(inp, src.length, out), g = el.getContext('2d'), img = g.createImageData(size, size);
      for (var p = 0; p < n; p++) img.data.set(palette[mem[out + p]].concat(255), 4 * p);
      g.putImageData(img, 0, 0);
      el.setAttribute('data-decoded', n === size * size ? 'ok' : 'short');
    });
})(__URL__, __RLE__, __SIZE__, __PALETTE__);
