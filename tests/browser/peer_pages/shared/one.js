// the first script file of the HTTP page: it marks the page and fetches nothing
window.peerOneLoaded = true;
