window.peerInserted = true;
