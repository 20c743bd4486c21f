"""Reports over the store: per ad network (with notice packs), advertiser audits, periodic exposure.
Numbers are computed once (`exposure.py`, `audits.py`: SQL + pandas, into a `model.Report`) and rendered
separately (`render.py`: HTML, PDF, CSV, XLSX, JSON), so every format carries the same numbers."""
