// a third party's file starts a worker of the page's site
var peerWorker = new Worker("/shared/idle-worker.js");
