"""archivekit's compiled core (Cython), built by ``pip install .`` where a C compiler is.

Importing this package fails with ImportError when the extension modules were not built;
:mod:`archivekit.speedups` decides which implementation the rest of archivekit calls.
Each function here has a pure-Python reference that the tests hold it equal to.
"""

from archivekit._speedups._dom import (
    ImageReader,
    IndexLookups,
    NodeList,
    captions_and_credits,
    clean,
    control_bytes,
    count_spaces,
    count_tags,
    density_walk,
    descendants,
    doc_order,
    image_records,
    index_elements,
    joined_ascii,
    joined_text,
    joined_texts,
    meta_index,
    template_texts,
    template_texts_in,
    template_texts_of,
    text_and_link_chars,
    text_holders,
    texts_clean_ascii,
    texts_containing,
    utf8_valid,
    with_tag,
)
from archivekit._speedups._simhash import cache_size, set_cache_limit, simhash
from archivekit._speedups._tree import count_nodes, element_texts, text_stats

try:  # glibc's malloc_usable_size: where it is missing, the parses go without the free list
    from archivekit._speedups import _parsemem as parsemem
except ImportError:  # pragma: no cover - built with the rest on Linux
    parsemem = None

__all__ = ["ImageReader", "IndexLookups", "NodeList", "cache_size", "captions_and_credits", "clean",
           "control_bytes", "count_nodes", "count_spaces", "count_tags", "density_walk",
           "descendants", "doc_order", "element_texts", "image_records", "index_elements",
           "joined_ascii", "joined_text", "joined_texts", "meta_index", "parsemem",
           "set_cache_limit", "simhash", "template_texts", "template_texts_in",
           "template_texts_of", "text_and_link_chars", "text_holders", "text_stats",
           "texts_clean_ascii", "texts_containing", "utf8_valid", "with_tag"]
