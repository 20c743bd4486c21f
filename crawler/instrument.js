/* moneytrail's in-page instrumentation, run in every frame before the page's own scripts.
   It reports what the network does not show: window.open calls and their caller, WebAssembly modules
   compiled from bytes, Worker creations, notification prompts, beforeunload handlers, history spam, meta
   refreshes and form submissions. Python calls this function with its settings (`__MT`).
   Nothing of its own is visible to the page: it reports through the console's native `debug`, taken before
   the page can touch it, each message starting with an unguessable tag (crawler/recording/pages.py), which
   Playwright's protocol client hands to Python; the page's own console calls go elsewhere (below) and never
   reach that client. It defines no global (and needs no binding, so Playwright adds none of its own), and a
   hooked built-in is a Proxy of the original (its source, name, length and lack of a prototype stay native,
   seen from any realm). */
(function (__MT) {
  "use strict";
  var stringify = JSON.stringify, nativeConsole = console, nativeDebug = console.debug;
  // the frame's URL as the browser has it: a document a script wrote into an empty frame (document.open)
  // takes its writer's URL as its location, while the frame stays at about:blank
  var created = String(location.href), empty = created === "about:blank" || created === "about:srcdoc";
  var record = function (kind, data) {
    try {
      var here = String(location.href);
      Reflect.apply(nativeDebug, nativeConsole,
                    [__MT.tag, stringify({ kind: kind, data: data, frame: empty ? created : here })]);
    } catch (e) {}
  };
  var URL_IN_STACK = /((?:blob:)?https?:\/\/[^\s()]+?):\d+:\d+/;
  function caller() {
    var lines = String(new Error().stack || "").split("\n");
    for (var i = 1; i < lines.length; i++) {
      var m = URL_IN_STACK.exec(lines[i]);
      if (m) return m[1];
    }
    return null;
  }
  function stack() {  // the distinct script URLs of the call stack, innermost first
    var lines = String(new Error().stack || "").split("\n"), out = [];
    for (var i = 1; i < lines.length && out.length < 8; i++) {
      var m = URL_IN_STACK.exec(lines[i]);
      if (m && out.indexOf(m[1]) < 0) out.push(m[1]);
    }
    return out;
  }
  function text(v) { try { return String(v).slice(0, 4096); } catch (e) { return ""; } }
  function absolute(u) { try { return text(new URL(String(u), location.href).href); } catch (e) { return text(u); } }
  function wrap(owner, name, make) {  // a method: its calls go through `make(original)`
    try {
      var original = owner[name];
      if (typeof original !== "function") return;
      var replacement = make(original);
      owner[name] = new Proxy(original, {
        apply: function (target, self, args) { return Reflect.apply(replacement, self, args); },
      });
    } catch (e) {}
  }
  function wrapConstructor(owner, name, before) {  // a constructor: `before(args)` runs before each `new`
    try {
      var Original = owner[name];
      if (typeof Original !== "function") return;
      owner[name] = new Proxy(Original, {
        construct: function (target, args, newTarget) { before(args); return Reflect.construct(target, args, newTarget); },
      });
    } catch (e) {}
  }

  // --- windows -------------------------------------------------------------------------------------
  // past `maxOpens` new windows from one window that no click or key allowed (no transient user activation), window.open
  // opens nothing and returns null, as a popup blocker does: a page opening a window every 50 ms kept the browser
  // busy closing them and its renderer near 400 MB. A click's pop-up always opens.
  var maxOpens = __MT.maxOpens, opens = 0;
  var activation = native(Navigator.prototype, "userActivation"), isActive = native(UserActivation.prototype, "isActive");
  function native(proto, name) {
    try { return Object.getOwnPropertyDescriptor(proto, name).get; } catch (e) { return null; }
  }
  function allowed() {  // whether a click or key press of the visitor allows this call
    try { return Reflect.apply(isActive, Reflect.apply(activation, navigator, []), []) === true; } catch (e) { return false; }
  }
  // a call naming a window this one opened and that is still open navigates that window: it opens none
  var named = Object.create(null);
  function opensOne(name) {
    if (name === "_self" || name === "_parent" || name === "_top") return false;
    try { return !(name && name !== "_blank" && named[name] && !named[name].closed); } catch (e) { return true; }
  }
  wrap(window, "open", function (original) {
    return function (url, target, features) {
      var name = text(target || "");
      if (maxOpens > 0 && opensOne(name) && !allowed() && ++opens > maxOpens) {
        if (opens === maxOpens + 1) record("popup_flood", { opens: maxOpens, caller: caller() });
        return null;
      }
      record("window_open", { url: url === undefined ? "" : text(url), target: name, caller: caller(), stack: stack() });
      var opened = original.apply(this, arguments);
      if (name && name.charAt(0) !== "_") named[name] = opened;
      return opened;
    };
  });

  // a pop-under puts the page back in front of the window it opened: window.focus() soon after an open
  var focusCalls = 0;
  wrap(window, "focus", function (original) {
    return function () {
      if (focusCalls < 5) { focusCalls++; record("focus", { caller: caller() }); }
      return original.apply(this, arguments);
    };
  });

  // --- WebAssembly ---------------------------------------------------------------------------------
  function toBase64(bytes) {
    var chunks = [];
    for (var i = 0; i < bytes.length; i += 32768)
      chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 32768)));
    return btoa(chunks.join(""));
  }
  function bytesOf(source) {
    if (source instanceof ArrayBuffer) return new Uint8Array(source);
    if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return null;
  }
  var seenModules = new WeakSet();
  function reportBytes(op, source, where) {
    try {
      var bytes = bytesOf(source);
      if (!bytes) return;
      var payload = { op: op, size: bytes.length, caller: where };
      if (bytes.length <= __MT.maxWasmBytes) payload.b64 = toBase64(bytes);
      record("wasm", payload);
    } catch (e) {}
  }
  if (window.WebAssembly) {
    var WA = window.WebAssembly;
    wrap(WA, "compile", function (original) {
      return function (source) { reportBytes("compile", source, caller()); return original.apply(this, arguments); };
    });
    wrap(WA, "instantiate", function (original) {
      return function (source) {
        if (source instanceof WA.Module) {
          if (!seenModules.has(source)) {
            seenModules.add(source);
            try { record("wasm", { op: "instantiate_module", caller: caller(),
                                   exports: WA.Module.exports(source).map(function (e) { return e.name; }),
                                   imports: WA.Module.imports(source).map(function (i) { return i.module + "." + i.name; }) }); } catch (e) {}
          }
        } else {
          reportBytes("instantiate", source, caller());
        }
        return original.apply(this, arguments);
      };
    });
    ["compileStreaming", "instantiateStreaming"].forEach(function (name) {
      wrap(WA, name, function (original) {
        return function (source) {
          var where = caller();
          try {
            Promise.resolve(source).then(function (response) {
              return response.clone().arrayBuffer();
            }).then(function (buffer) { reportBytes("streaming", buffer, where); }, function () {});
          } catch (e) {}
          return original.apply(this, arguments);
        };
      });
    });
    wrapConstructor(WA, "Module", function (args) { reportBytes("module", args[0], caller()); });
  }

  // --- workers -------------------------------------------------------------------------------------
  ["Worker", "SharedWorker"].forEach(function (name) {
    wrapConstructor(window, name, function (args) {
      record("worker", { kind: name === "Worker" ? "worker" : "shared_worker", url: absolute(args[0]), caller: caller() });
    });
  });
  try {
    if (navigator.serviceWorker) {
      wrap(Object.getPrototypeOf(navigator.serviceWorker), "register", function (original) {
        return function (url) {
          record("worker", { kind: "service_worker", url: absolute(url), caller: caller() });
          return original.apply(this, arguments);
        };
      });
    }
  } catch (e) {}

  // --- request floods -----------------------------------------------------------------------------
  // 1,000 WebSockets and 10,000 fetches opened at once kept the crawl past 1.2 GB (the renderer, and the
  // driver and Python that hear of each request and each failure). Past `maxSockets` WebSockets or
  // `maxFetches` fetch, XHR and beacon requests from a window, new ones fail at once (as when the browser has
  // no resources left), and the page is reported once; nothing past those counts would be recorded anyway.
  var maxSockets = __MT.maxSockets, maxFetches = __MT.maxFetches, sockets = 0, fetches = 0, floods = 0;
  var reject = Promise.reject.bind(Promise), NativeTypeError = TypeError, NativeDOMException = DOMException;
  function insufficient() { return new NativeDOMException("Insufficient resources", "NetworkError"); }
  function flooded(kind) {
    if (floods++ === 0) record("request_flood", { kind: kind, caller: caller() });
    return true;
  }
  function tooManyFetches() { return maxFetches > 0 && ++fetches > maxFetches && flooded("fetch"); }
  wrap(window, "fetch", function (original) {
    return function () {
      return tooManyFetches() ? reject(new NativeTypeError("Failed to fetch")) : Reflect.apply(original, this, arguments);
    };
  });
  wrap(XMLHttpRequest.prototype, "send", function (original) {
    return function () {
      if (tooManyFetches()) throw insufficient();
      return Reflect.apply(original, this, arguments);
    };
  });
  wrap(Navigator.prototype, "sendBeacon", function (original) {
    return function () { return tooManyFetches() ? false : Reflect.apply(original, this, arguments); };
  });
  try {
    var NativeWebSocket = window.WebSocket;
    window.WebSocket = new Proxy(NativeWebSocket, {
      construct: function (target, args, newTarget) {
        if (maxSockets > 0 && ++sockets > maxSockets && flooded("websocket"))
          throw insufficient();
        return Reflect.construct(target, args, newTarget);
      },
    });
  } catch (e) {}

  // --- console -------------------------------------------------------------------------------------
  // Playwright keeps the DevTools protocol's Runtime domain on, and Chromium then serialises every console
  // argument for it (previews read getters; console.table of a large array takes 100x longer): the test by
  // which disable-devtool and others tell an automated browser. So the console's logging methods do here
  // what they do in a browser nobody inspects: Chromium turns the first argument into the message's text
  // (its V8ValueStringBuilder: an Error, Date, RegExp or function through its own toString, another object
  // through Object.prototype.toString, an array element by element) and keeps it. The text of errors is
  // reported (the visit's console_error notes); nothing reaches the protocol client.
  var ObjectToString = Object.prototype.toString, isArray = Array.isArray, getTime = Date.prototype.getTime;
  var regExpSource = Object.getOwnPropertyDescriptor(RegExp.prototype, "source").get;
  function branded(check, v) { try { Reflect.apply(check, v, []); return true; } catch (e) { return false; } }
  function isBuiltin(v) {  // an Error, Date or RegExp of any realm (a frame's console gets the page's objects)
    if (v instanceof Error || branded(getTime, v) || (v !== RegExp.prototype && branded(regExpSource, v))) return true;
    try { return ObjectToString.call(v) === "[object Error]"; } catch (e) { return false; }
  }
  function consoleText(value) {
    var seen = [], budget = 10000;
    function add(v, inArray) {
      if (inArray && (v === null || v === undefined)) return "";
      if (typeof v === "symbol") return v.toString();
      if (typeof v !== "object" && typeof v !== "function") return String(v);
      if (v === null) return "null";
      if (isArray(v)) {
        if (seen.indexOf(v) >= 0 || seen.length > 32 || v.length > budget) return "";
        budget -= v.length;
        seen.push(v);
        var parts = [];
        for (var i = 0; i < v.length; i++) parts.push(add(v[i], true));
        seen.pop();
        return parts.join(",");
      }
      if (typeof v === "function" || isBuiltin(v)) return String(v);
      return ObjectToString.call(v);
    }
    try { return add(value, false).slice(0, 4096); } catch (e) { return ""; }
  }
  var consoleErrors = 0;
  ["log", "debug", "info", "warn", "error", "table", "dir", "dirxml", "trace", "group", "groupCollapsed",
   "timeLog", "assert"].forEach(function (name) {
    wrap(console, name, function () {
      return function () {
        var args = name === "assert" ? Array.prototype.slice.call(arguments, 1) : arguments;
        if (name === "assert" && arguments[0]) return undefined;
        var message = args.length ? consoleText(args[0]) : "";
        if ((name === "error" || name === "assert") && consoleErrors < 50) {
          consoleErrors++;
          record("console_error", { text: message });
        }
        return undefined;
      };
    });
  });

  // --- prompts, traps, navigations -----------------------------------------------------------------
  if (window.Notification) {
    wrap(window.Notification, "requestPermission", function (original) {
      return function () { record("notification_prompt", { caller: caller() }); return original.apply(this, arguments); };
    });
  }
  wrap(EventTarget.prototype, "addEventListener", function (original) {
    return function (type) {
      if (type === "beforeunload" && this === window) record("beforeunload", { caller: caller() });
      return original.apply(this, arguments);
    };
  });
  try {
    var handler = Object.getOwnPropertyDescriptor(window, "onbeforeunload") ||
                  Object.getOwnPropertyDescriptor(Window.prototype, "onbeforeunload");
    if (handler && handler.set) {
      Object.defineProperty(window, "onbeforeunload", {
        configurable: true, enumerable: true, get: handler.get,
        set: function (v) { if (v) record("beforeunload", { caller: caller() }); handler.set.call(this, v); },
      });
    }
  } catch (e) {}
  // --- frames --------------------------------------------------------------------------------------
  // Chromium lets one page hold 1,000 frames, about 0.8 MB each, and a script makes them in one loop long
  // before any event of theirs reaches Python. Past `maxFrames` child frames of a window, what a script asks
  // to add a frame to it is not done (silently, as past Chromium's own limit), and the page is reported once.
  var maxFrames = __MT.maxFrames, framesRefused = 0;
  function getter(owner, name) { var d = Object.getOwnPropertyDescriptor(owner, name); return d && d.get; }
  var childFrames = getter(window, "length"), nodeName = getter(Node.prototype, "nodeName"),
      nodeType = getter(Node.prototype, "nodeType");
  var queries = { 1: Element.prototype.querySelector, 11: DocumentFragment.prototype.querySelector };
  var FRAMES = { IFRAME: 1, FRAME: 1, OBJECT: 1, EMBED: 1 }, FRAME_SELECTOR = "iframe,frame,object,embed";
  var FRAME_MARKUP = /<\s*(i?frame|object|embed)[\s>\/]/i;
  function full() {
    try { return Reflect.apply(childFrames, window, []) >= maxFrames; } catch (e) { return false; }
  }
  function holdsFrame(node) {
    try {
      if (FRAMES[Reflect.apply(nodeName, node, [])] === 1) return true;
      var query = queries[Reflect.apply(nodeType, node, [])];
      return !!query && Reflect.apply(query, node, [FRAME_SELECTOR]) !== null;
    } catch (e) { return false; }  // not a node: the native call says so
  }
  function refused(args, markup) {  // whether this call would add a frame to a window that holds enough
    if (!(maxFrames > 0) || !full()) return false;
    for (var i = 0; i < args.length; i++) {
      if (markup ? FRAME_MARKUP.test(text(args[i])) : holdsFrame(args[i])) {
        if (framesRefused++ === 0) record("frame_storm", { frames: maxFrames, caller: caller() });
        return true;
      }
    }
    return false;
  }
  function guard(owner, name, markup, result) {  // `result(self, args)`: what a refused call returns
    wrap(owner, name, function (original) {
      return function () {
        return refused(arguments, markup) ? result(this, arguments) : Reflect.apply(original, this, arguments);
      };
    });
  }
  function first(self, args) { return args[0]; }
  function second(self, args) { return args[1]; }
  function nothing() {}
  guard(Node.prototype, "appendChild", false, first);
  guard(Node.prototype, "insertBefore", false, first);
  guard(Node.prototype, "replaceChild", false, second);
  ["append", "prepend", "after", "before", "replaceWith", "replaceChildren"].forEach(function (name) {
    guard(Element.prototype, name, false, nothing);
  });
  ["after", "before", "replaceWith"].forEach(function (name) { guard(CharacterData.prototype, name, false, nothing); });
  guard(Element.prototype, "insertAdjacentElement", false, function () { return null; });
  guard(Range.prototype, "insertNode", false, nothing);
  guard(Element.prototype, "insertAdjacentHTML", true, nothing);
  guard(Element.prototype, "setHTMLUnsafe", true, nothing);
  // what scripts write into a document while it loads: past `maxWritten` characters a window's writes are not
  // done (20,000 writes of 2 KB took the renderer past 1 GB), and the page is reported once
  var maxWritten = __MT.maxWritten, written = 0, writesRefused = 0;
  ["write", "writeln"].forEach(function (name) {
    wrap(Document.prototype, name, function (original) {
      return function () {
        if (refused(arguments, true)) return;
        if (maxWritten > 0) {
          for (var i = 0; i < arguments.length; i++) {
            try { written += String(arguments[i]).length; } catch (e) {}
          }
          if (written > maxWritten) {
            if (writesRefused++ === 0) record("write_flood", { chars: maxWritten, caller: caller() });
            return;
          }
        }
        return Reflect.apply(original, this, arguments);
      };
    });
  });
  [[Element.prototype, "innerHTML"], [Element.prototype, "outerHTML"], [ShadowRoot.prototype, "innerHTML"]]
    .forEach(function (pair) {
      try {
        var d = Object.getOwnPropertyDescriptor(pair[0], pair[1]);
        if (!d || !d.set) return;
        var set = d.set;
        d.set = new Proxy(set, {
          apply: function (target, self, args) { if (!refused(args, true)) Reflect.apply(set, self, args); },
        });
        Object.defineProperty(pair[0], pair[1], d);
      } catch (e) {}
    });
  var historyCalls = 0;
  ["pushState", "replaceState"].forEach(function (name) {
    wrap(History.prototype, name, function (original) {
      return function () {
        historyCalls++;
        if (historyCalls === 1 || historyCalls === 20 || historyCalls === 200)
          record("history", { count: historyCalls, caller: caller() });
        return original.apply(this, arguments);
      };
    });
  });
  wrap(HTMLFormElement.prototype, "submit", function (original) {
    return function () {
      record("form_submit", { action: text(this.action), method: text(this.method), url: location.href });
      return original.apply(this, arguments);
    };
  });
  document.addEventListener("submit", function (event) {
    var f = event.target;
    record("form_submit", { action: text(f && f.action), method: text(f && f.method), url: location.href });
  }, true);
  var querySelectorAll = Document.prototype.querySelectorAll;  // the original: a page's trap never sees our call
  document.addEventListener("DOMContentLoaded", function () {
    var metas = Reflect.apply(querySelectorAll, document, ["meta[http-equiv]"]);
    for (var i = 0; i < metas.length; i++) {
      if ((metas[i].getAttribute("http-equiv") || "").toLowerCase() === "refresh")
        record("meta_refresh", { content: text(metas[i].getAttribute("content")), url: location.href });
    }
  });
})(__MT_SETTINGS__);
