window.open("/sink.html?k=written", "sink");
