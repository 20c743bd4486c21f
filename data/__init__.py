"""Signature data (TOML): ad networks, publisher-id types, miners, advertiser categories, CPM rates, visitor
profiles and devices. Data only: `moneytrail.attribution.signatures` loads and validates it."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
