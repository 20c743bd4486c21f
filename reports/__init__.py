"""Reports over the store: per ad network (with notice packs), advertiser audits, periodic exposure.
Numbers are computed once (`exposure.py`, `audits.py`: SQL + pandas, into a `model.Report`) and rendered
separately (`render.py`: HTML, PDF, CSV, XLSX, JSON), so every format carries the same numbers."""

REPORT_FORMATS = ("html", "pdf", "csv", "xlsx", "json")  # what `moneytrail report` writes
EXPORT_KINDS = ("links", "networks", "miners", "publisher-ids", "clusters")  # what `moneytrail export` writes
EXPORT_FORMATS = ("csv", "json", "parquet")
SHOT_COLUMNS = ("screenshot", "page_screenshot")  # stored screenshots: thumbnails in HTML, enclosed in packs
