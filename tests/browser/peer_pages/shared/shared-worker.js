// a shared worker asks for one file of its own
fetch("/shared/from-shared.json");
onconnect = function (event) { event.ports[0].postMessage("connected"); };
