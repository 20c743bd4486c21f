window.open("/sink.html?k=module", "sink");
