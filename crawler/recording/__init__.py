"""Recording one visit: the Recorder and its parts (network capture, page events, window chains)."""
