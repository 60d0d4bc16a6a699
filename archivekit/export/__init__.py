"""Preservation exports: WARC, JSON-LD, BagIt, WACZ."""
