eval("window.open('/sink.html?k=eval', 'sink')");
