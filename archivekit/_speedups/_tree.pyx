# cython: language_level=3, boundscheck=False, wraparound=False
"""A walk over a parsed lxml document in C, through lxml's public C API.

This is the base the extraction's walk stands on: it cimports ``lxml.includes.etreepublic``
(lxml's ``_Element`` and its ``xmlNode*``) and ``lxml.includes.tree`` (libxml2's node
structs), compiles against the headers ``lxml.get_include()`` gives and calls no libxml2
function, so it links against nothing: it runs on the libxml2 inside the installed lxml.

Every function takes an lxml element (``lxml.etree`` or ``lxml.html``) and walks its
elements (not comments or processing instructions) in document order, root included,
as ``root.iter(lxml.etree.Element)`` does. ``text`` means what lxml's ``el.text`` is:
the element's leading text and CDATA nodes joined, or None where there is none.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, import_lxml__etree

from archivekit._speedups._walk cimport next_element

import_lxml__etree()


cdef inline str _utf8(const char* s):
    return PyUnicode_DecodeUTF8(s, strlen(s), NULL)


cdef str _tag(tree.xmlNode* node):
    """The element's tag as lxml spells it: ``{namespace}name`` or ``name``."""
    cdef str name = _utf8(<const char*> node.name)
    if node.ns is not NULL and node.ns.href is not NULL:
        return "{" + _utf8(<const char*> node.ns.href) + "}" + name
    return name


cdef inline tree.xmlNode* _text_node(tree.xmlNode* node) noexcept:
    """The first text or CDATA node from ``node`` on, skipping XInclude markers (lxml's
    _textNodeOrSkip), or NULL."""
    while node is not NULL:
        if node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE:
            return node
        if node.type == tree.XML_XINCLUDE_START or node.type == tree.XML_XINCLUDE_END:
            node = node.next
            continue
        return NULL
    return NULL


cdef object _text(tree.xmlNode* element):
    """lxml's ``el.text``: the leading run of text nodes of the element, or None."""
    cdef tree.xmlNode* node = _text_node(element.children)
    cdef list parts
    if node is NULL:
        return None
    if _text_node(node.next) is NULL:
        return _utf8(<const char*> node.content) if node.content is not NULL else ""
    parts = []
    while node is not NULL:
        if node.content is not NULL:
            parts.append(_utf8(<const char*> node.content))
        node = _text_node(node.next)
    return "".join(parts)


cdef Py_ssize_t _text_length(tree.xmlNode* element) noexcept:
    """len(el.text or ""), in code points, counted on the UTF-8 bytes (no str made)."""
    cdef tree.xmlNode* node = _text_node(element.children)
    cdef const unsigned char* p
    cdef Py_ssize_t count = 0
    while node is not NULL:
        p = <const unsigned char*> node.content
        if p is not NULL:
            while p[0]:
                if (p[0] & 0xC0) != 0x80:
                    count += 1
                p += 1
        node = _text_node(node.next)
    return count


def element_texts(_Element root not None):
    """``[(tag, text), ...]`` for every element, as ``[(el.tag, el.text) for el in
    root.iter(lxml.etree.Element)]`` gives it."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef list out = []
    if top is NULL or top.type != tree.XML_ELEMENT_NODE:
        return out
    while node is not NULL:
        out.append((_tag(node), _text(node)))
        node = next_element(node, top)
    return out


def text_stats(_Element root not None):
    """``(tag_counts, text_lengths)``: how many elements have each tag, and
    ``len(el.text or "")`` for each element in document order."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef dict counts = {}
    cdef list lengths = []
    cdef str tag
    if top is NULL or top.type != tree.XML_ELEMENT_NODE:
        return counts, lengths
    while node is not NULL:
        tag = _tag(node)
        counts[tag] = counts.get(tag, 0) + 1
        lengths.append(_text_length(node))
        node = next_element(node, top)
    return counts, lengths


def count_nodes(_Element root not None):
    """How many elements the subtree has (the bare cost of the walk, for benchmarks)."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef Py_ssize_t count = 0
    if top is NULL or top.type != tree.XML_ELEMENT_NODE:
        return 0
    while node is not NULL:
        count += 1
        node = next_element(node, top)
    return count
