function peerOuter() { peerInner(); }
peerOuter();
