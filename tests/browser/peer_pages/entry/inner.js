// called by outer.js: the innermost script of the stack
function peerInner() { window.open("/sink.html?k=deep", "sink"); }
