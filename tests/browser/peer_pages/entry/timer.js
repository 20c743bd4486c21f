setTimeout(function () { window.open("/sink.html?k=timer", "sink"); }, 10);
