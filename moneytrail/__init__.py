"""moneytrail: follow the money of piracy sites (ad networks, advertisers, miners, operators).

The package `moneytrail` is the application layer (the command line and the services that wire the layers
together); the layers below it live in the top-level folders the design card names and are installed under
this namespace: `moneytrail.crawler` (crawler/), `moneytrail.spiders` (spiders/), `moneytrail.attribution`
(attribution/), `moneytrail.reports` (reports/), `moneytrail.data` (data/). The sandbox (sandbox/) is
`moneytrail.sandbox`, which nothing of the product imports."""

__version__ = "0.1.0"
