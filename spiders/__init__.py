"""moneytrail's Scrapy spiders: which pages of a watchlist to visit, with which request meta (thin by design)."""
