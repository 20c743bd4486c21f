(function (url) {
  // a download page shows the SHA-256 of its release notes, computed with hash-wasm (wasm) in the page
  var box = document.getElementById('checksum');
  fetch(url).then(function (r) { return r.arrayBuffer(); })
    .then(function (b) { return hashwasm.sha256(new Uint8Array(b)); })
    .then(function (digest) { box.querySelector('code').textContent = digest; box.setAttribute('data-verified', 'ok'); });
})(__URL__);
