// a worker that does nothing
self.onmessage = function () {};
