/* A miner that lives in a dedicated Worker (sandbox): the page only starts this file and posts it the pool and
   the site key. The worker loads hash-wasm's Argon2 build (real third-party code; its wasm is compiled here, in
   the worker), opens the pool socket itself, authenticates with the key (Coinhive protocol) and hashes each job
   with TurtleCoin's Chukwa parameters (Argon2id, 3 passes, 512 KiB, one lane, salt: the blob's first 16 bytes),
   sending a share when a hash's last 32-bit word is below the target, then pausing. */
importScripts(__LIBRARY__);
var cfg = null, ws = null, job = null, running = false, at = __NONCE_AT__;
function hex(a) { return Array.prototype.map.call(a, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join(''); }
function unhex(h) { var a = new Uint8Array(h.length >> 1); for (var i = 0; i < a.length; i++) a[i] = parseInt(h.substr(2 * i, 2), 16); return a; }
function send(m) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(m)); }
function chukwa(blob) {
  return hashwasm.argon2id({password: blob, salt: blob.subarray(0, 16), parallelism: 1, iterations: 3,
    memorySize: 512, hashLength: 32, outputType: 'binary'});
}
function connect() {
  ws = new WebSocket(cfg.pool);
  ws.onopen = function () { send({type: 'auth', params: {site_key: cfg.key, type: 'anonymous', user: null, goal: 0}}); };
  ws.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === 'job') { job = m.params; if (!running) run(); }
  };
  ws.onclose = function () { setTimeout(connect, 5000); };
}
async function run() {
  running = true;
  while (job) {
    var current = job, blob = unhex(current.blob), view = new DataView(blob.buffer);
    var target = new DataView(unhex(current.target).buffer).getUint32(0, true);
    for (var i = 0; i < 64 && job === current; i++) {
      view.setUint32(at, Math.random() * 4294967296 >>> 0, true);
      var h = await chukwa(blob);
      if (new DataView(h.buffer, h.byteOffset, 32).getUint32(28, true) < target) {
        send({type: 'submit', params: {job_id: current.job_id, nonce: hex(blob.subarray(at, at + 4)), result: hex(h)}});
        if (job === current) job = null;  // the pool answers a share with the next job
        break;
      }
    }
    await new Promise(function (done) { setTimeout(done, cfg.pause); });
  }
  running = false;
}
onmessage = function (e) { if (!cfg) { cfg = e.data; connect(); } };
