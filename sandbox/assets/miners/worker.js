/* Hashing worker: fetches and instantiates the hash module, then hashes the current job in short bursts. */
var E, cfg, ctx, job, timer = 0;
function hex(a) { return Array.prototype.map.call(a, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join(''); }
function unhex(h) { var a = new Uint8Array(h.length >> 1); for (var i = 0; i < a.length; i++) a[i] = parseInt(h.substr(2 * i, 2), 16); return a; }
function burst() {
  timer = 0;
  if (!E || !job) return;
  var blob = unhex(job.blob), target = new DataView(unhex(job.target).buffer).getUint32(0, true);
  var inp = ctx + 256, out = ctx + 512, mem = new Uint8Array(E.memory.buffer), view = new DataView(E.memory.buffer);
  mem.set(blob, inp);
  for (var i = 0; i < 64; i++) {
    view.setUint32(inp + cfg.at, Math.random() * 4294967296 >>> 0, true);
    E[cfg.fn[1]](ctx, inp, out, blob.length);
    if (view.getUint32(out + 28, true) < target) {
      postMessage({job_id: job.job_id, nonce: hex(mem.subarray(inp + cfg.at, inp + cfg.at + 4)), result: hex(mem.subarray(out, out + 32))});
      break;
    }
  }
  timer = setTimeout(burst, cfg.pause);
}
onmessage = function (e) {
  if (e.data.wasm) {
    cfg = e.data;
    fetch(cfg.wasm).then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.instantiate(b); })
      .then(function (m) { E = m.instance.exports; ctx = E[cfg.fn[0]](); if (!timer) burst(); });
  } else {
    job = e.data.job;
    if (!timer) burst();
  }
};
