window.addEventListener("peer-go", function () { window.open("/sink.html?k=listener", "sink"); });
