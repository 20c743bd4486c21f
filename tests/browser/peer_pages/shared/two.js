// the frame's script file
window.peerTwoLoaded = 2;
