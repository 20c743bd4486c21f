"""moneytrail's crawler: the Scrapy project (settings, browser instrumentation, the Observation, item
pipelines) and the store."""
