"""The results pages: the shareable result, its share image, deleting it, comparing results.

`routes` (the blueprint), `view` (what a page says, built from a stored result), `naming`
(headlines and path names), `text` (saying each thing once), `cache` (rendered pages, bounded).
"""
from quiz.web.results.cache import PageCache
from quiz.web.results.routes import bp, page_cache, preview_card, preview_dir

__all__ = ["PageCache", "bp", "page_cache", "preview_card", "preview_dir"]
