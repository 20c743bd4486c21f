"""Application services: what the commands hand work to (a crawl, reanalysis, enqueueing, the scheduler,
filter-list downloads). The only place, with the CLI, that wires the layers together."""
