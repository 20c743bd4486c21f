"""The sandbox: a simulated piracy web with a machine-readable ground truth, served by one process."""
