window.open("/sink.html?k=inserted", "sink");
