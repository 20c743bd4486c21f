Promise.resolve().then(function () { window.open("/sink.html?k=promise", "sink"); });
