// a service worker that asks for a file once it is active
self.addEventListener("install", function (event) { event.waitUntil(self.skipWaiting()); });
self.addEventListener("activate", function (event) { event.waitUntil(fetch("/shared/from-sw.json")); });
