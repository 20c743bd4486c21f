new Function("target", "window.open('/sink.html?k=function', target)")("sink");
