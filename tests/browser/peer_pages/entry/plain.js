window.open("/sink.html?k=plain", "sink");
