"""moneytrail's crawler: the Scrapy project (settings, browser instrumentation, pipelines) and the CLI."""

__version__ = "0.1.0"
