window.peerEarly = true;
