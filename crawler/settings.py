"""Scrapy settings of the moneytrail project (the crawl itself arrives with the observation layer)."""
BOT_NAME = "moneytrail"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
ROBOTSTXT_OBEY = False  # piracy sites are audited, not indexed: every page a visitor sees is in scope
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's remote-control server runs code: never on
TELNETCONSOLE_ENABLED = False
