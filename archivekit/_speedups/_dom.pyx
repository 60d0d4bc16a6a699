# cython: language_level=3, boundscheck=False, wraparound=False
"""The extraction's walks over a parsed page, in C, through lxml's public C API.

Each function has a pure-Python reference in ``archivekit/extract`` (named in its
docstring) that gives the same result on the trees ``extract.dom.parse_html`` builds
(comments and processing instructions dropped); ``tests/test_speedups_extract.py`` holds them
equal on every fixture, every real page of the shared corpus and generated pages. They
read libxml2's nodes directly and make a Python object only for what they return:
lxml's own proxy (``elementFactory``) for an element, so identity (``is``, ``id``) is
the same as through lxml.
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport (
    PyUnicode_1BYTE_KIND,
    PyUnicode_DATA,
    PyUnicode_DecodeUTF8,
    PyUnicode_FromStringAndSize,
    PyUnicode_KIND,
)
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memchr, memcmp, memcpy, memset, strchr, strcmp, strlen, strncmp
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

from archivekit._speedups._walk cimport next_element

import unicodedata

import_lxml__etree()

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)

cdef extern from *:
    int __builtin_ctzll(unsigned long long) nogil

cdef extern from "string.h":
    void* memmem(const void* haystack, size_t haystack_len, const void* needle,
                 size_t needle_len) nogil

cdef enum:
    MAX_NAMES = 64


cdef inline bint _is_text(tree.xmlNode* node) noexcept:
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef inline bint _element_like(tree.xmlNode* node) noexcept:
    """A child lxml iterates over (``for child in el``): an element, comment, processing
    instruction or entity reference; not text."""
    return node.type == tree.XML_ELEMENT_NODE or node.type == tree.XML_COMMENT_NODE \
        or node.type == tree.XML_PI_NODE or node.type == tree.XML_ENTITY_REF_NODE


cdef inline bint _named(tree.xmlNode* node, const char* name) noexcept:
    """An element with this local name and no namespace (lxml's ``el.tag == name``)."""
    return node.ns is NULL and strcmp(<const char*> node.name, name) == 0


cdef tree.xmlAttr* _find_attr(tree.xmlNode* node, const char* name) noexcept:
    """The attribute ``name`` without a namespace (what ``el.get(name)`` reads), or NULL."""
    cdef tree.xmlAttr* attr = node.properties
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*> attr.name, name) == 0:
            return attr
        attr = attr.next
    return NULL


cdef object _attr_value(tree.xmlAttr* attr):
    """The attribute's value as ``el.get`` gives it: its text children joined."""
    cdef tree.xmlNode* child = attr.children
    cdef list parts
    if child is not NULL and child.next is NULL and _is_text(child):
        return _decode(<const char*> child.content)
    parts = []
    while child is not NULL:
        if _is_text(child) and child.content is not NULL:
            parts.append(_decode(<const char*> child.content))
        child = child.next
    return "".join(parts)


cdef inline str _decode(const char* s):
    if s is NULL:
        return ""
    return PyUnicode_DecodeUTF8(s, strlen(s), NULL)


cdef class _Names:
    """A few names (UTF-8) to test C strings against, in the order given."""
    cdef list _keep
    cdef const char* names[MAX_NAMES]
    cdef Py_ssize_t sizes[MAX_NAMES]
    cdef Py_ssize_t count
    # Bit i of by_first[c]: names[i] begins with byte c (the empty name: by_first[0]).
    # Most strings a walk tests are none of the names, and their first byte says so.
    cdef uint64_t by_first[256]

    def __cinit__(self, names):
        cdef bytes encoded
        self._keep = []
        self.count = 0
        memset(self.by_first, 0, sizeof(self.by_first))
        for name in names:
            if self.count == MAX_NAMES:
                raise ValueError(f"at most {MAX_NAMES} names")
            encoded = name.encode("utf-8")
            self._keep.append(encoded)
            self.names[self.count] = PyBytes_AS_STRING(encoded)
            self.sizes[self.count] = PyBytes_GET_SIZE(encoded)
            self.by_first[<unsigned char> self.names[self.count][0]] |= (<uint64_t> 1) << self.count
            self.count += 1

    cdef inline Py_ssize_t find(self, const char* s, Py_ssize_t size) noexcept:
        """The first i with names[i] == s[:size] (s holds size bytes, then a NUL when
        size is 0), or -1."""
        cdef uint64_t bits = self.by_first[<unsigned char> s[0]] if size else self.by_first[0]
        cdef Py_ssize_t i
        while bits:
            i = __builtin_ctzll(bits)
            if self.sizes[i] == size and memcmp(self.names[i], s, size) == 0:
                return i
            bits &= bits - 1
        return -1

    cdef inline Py_ssize_t find_c(self, const char* s) noexcept:
        """``find`` for a NUL-terminated string (measured only when its first byte
        begins a name)."""
        if not self.by_first[<unsigned char> s[0]]:
            return -1
        return self.find(s, strlen(s))


# The name lists the callers pass are module constants (tuples): their _Names are made
# once, not on every page (encoding each name cost more than the walk's tests of them).
cdef dict _names_made = {}


cdef _Names _names(names):
    cdef _Names made
    if type(names) is not tuple:
        return _Names(names)
    made = _names_made.get(names)
    if made is None:
        made = _Names(names)
        if len(_names_made) >= 64:
            _names_made.clear()
        _names_made[names] = made
    return made


cdef int _compare_nodes(const void* a, const void* b) noexcept nogil:
    cdef size_t x = (<const size_t*> a)[0]
    cdef size_t y = (<const size_t*> b)[0]
    return (x > y) - (x < y)


cdef size_t* _node_set(elements, Py_ssize_t* count) except NULL:
    """The libxml2 nodes of ``elements`` (lxml elements), sorted, for :func:`_in_set`;
    the caller frees it."""
    cdef Py_ssize_t size, i = 0
    cdef size_t* nodes
    cdef _Element el
    if type(elements) is not list:
        elements = list(elements)
    size = len(elements)
    nodes = <size_t*> malloc((size if size > 0 else 1) * sizeof(size_t))
    if nodes is NULL:
        raise MemoryError()
    try:
        for el in elements:
            nodes[i] = <size_t> el._c_node
            i += 1
    except BaseException:
        free(nodes)
        raise
    qsort(nodes, i, sizeof(size_t), _compare_nodes)
    count[0] = i
    return nodes


cdef bint _in_set(const size_t* nodes, Py_ssize_t count, const void* node) noexcept:
    cdef Py_ssize_t low = 0, high = count, middle
    cdef size_t wanted = <size_t> node
    while low < high:
        middle = (low + high) >> 1
        if nodes[middle] < wanted:
            low = middle + 1
        else:
            high = middle
    return low < count and nodes[low] == wanted


cdef inline bint _ascii_space(unsigned char c) noexcept:
    # What str.split() splits an ASCII string on.
    return c == 32 or (9 <= c <= 13) or (28 <= c <= 31)


cdef inline const unsigned char* _next_token(const unsigned char** cursor, Py_ssize_t* size) noexcept:
    """The next token of an ASCII string as str.split() cuts it (its start, its ``size``),
    ``*cursor`` moved past it; NULL at the end."""
    cdef const unsigned char* value = cursor[0]
    cdef const unsigned char* start
    while value[0] and _ascii_space(value[0]):
        value += 1
    if not value[0]:
        cursor[0] = value
        return NULL
    start = value
    while value[0] and not _ascii_space(value[0]):
        value += 1
    cursor[0] = value
    size[0] = value - start
    return start


def with_tag(list elements not None, str tag not None):
    """``[el for el in elements if el.tag == tag]`` (``extract.dom.with_tag_pure``) for a
    tag without a namespace, comparing libxml2's names instead of making ``el.tag``."""
    cdef bytes name = tag.encode("utf-8")
    cdef const char* wanted = PyBytes_AS_STRING(name)
    cdef _Element el
    if tag.startswith("{") or b"\0" in name:
        return [el for el in elements if el.tag == tag]
    return [el for el in elements if _named(el._c_node, wanted)]


cdef class NodeList:
    """Nodes of one tree in the order a walk met them, the tree kept alive by its
    element: the 2018 template's text blocks as :func:`index_elements` finds them, for
    :func:`template_texts_of`."""
    cdef _Element doc_el
    cdef tree.xmlNode** nodes
    cdef Py_ssize_t count, room

    def __cinit__(self, _Element root not None):
        self.doc_el = root
        self.nodes = NULL
        self.count = self.room = 0

    def __dealloc__(self):
        free(self.nodes)

    def __len__(self):
        return self.count

    cdef int add(self, tree.xmlNode* node) except -1:
        cdef tree.xmlNode** grown
        if self.count == self.room:
            grown = <tree.xmlNode**> realloc(self.nodes, max(128, 2 * self.room) * sizeof(tree.xmlNode*))
            if grown is NULL:
                raise MemoryError()
            self.nodes, self.room = grown, max(128, 2 * self.room)
        self.nodes[self.count] = node
        self.count += 1
        return 0


cdef class _HolderSearch:
    """:func:`text_holders`'s question, asked of each element a walk passes."""
    cdef _Names hidden, inline, keys
    cdef size_t lengths[MAX_NAMES]
    cdef set wanted

    def __cinit__(self, needles, hidden_parents, inline_tags):
        cdef Py_ssize_t i
        self.hidden, self.inline, self.keys = _names(hidden_parents), _names(inline_tags), _names(needles)
        for i in range(self.keys.count):
            self.lengths[i] = strlen(self.keys.names[i])
        self.wanted = set()

    cdef int visit(self, tree.xmlNode* node) except -1:
        """Note the holder of ``node``'s text children that name one of the needles."""
        cdef tree.xmlNode* child
        cdef tree.xmlNode* holder
        cdef Py_ssize_t i
        if _in(node, self.hidden):
            return 0
        child = node.children
        while child is not NULL:
            if _is_text(child) and child.content is not NULL:
                for i in range(self.keys.count):
                    if _contains(<const char*> child.content, self.keys.names[i], self.lengths[i]):
                        holder = node
                        while holder is not NULL and holder.type == tree.XML_ELEMENT_NODE \
                                and _in(holder, self.inline):
                            holder = holder.parent
                        if holder is not NULL and holder.type == tree.XML_ELEMENT_NODE:
                            self.wanted.add(<size_t> holder)
                        break
            child = child.next
        return 0

    cdef list found(self, _Element root):
        """The holders noted, in document order, as elements."""
        return _in_document_order(root, self.wanted)


def index_elements(_Element root not None, tag_names, class_names, dict tags, dict classes,
                   list itemprops=None, NodeList blocks=None, str block_token=None,
                   holders_of=None):
    """``extract.dom.Index``'s walk: append each element of ``root`` (document order,
    root included) to ``tags[el.tag]`` when its tag is one of ``tag_names``, to
    ``classes[token]`` for each token of its ``class`` attribute (str.split()) that is
    one of ``class_names``, and to ``itemprops`` when it has an ``itemprop`` attribute.
    Both dicts must hold a list for every name.

    In the same walk, when asked: each ``div`` into ``blocks`` once for each
    ``block_token`` of its ``class`` (what ``classes[block_token]`` would list, less
    other tags), and, for ``holders_of`` = (needles, hidden parents, inline tags), the
    elements :func:`text_holders` gives, returned (else ``None``)."""
    cdef _Names tag_set = _names(tag_names)
    cdef _Names class_set = _names(class_names)
    cdef list tag_lists = [tags[name] for name in tag_names]
    cdef list class_lists = [classes[name] for name in class_names]
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlAttr* attr
    cdef const unsigned char* value
    cdef const unsigned char* start
    cdef Py_ssize_t found, size, block_size = 0
    cdef bytes block_name = block_token.encode("utf-8") if block_token is not None else b""
    cdef const char* block = PyBytes_AS_STRING(block_name)
    cdef bint div
    cdef _HolderSearch holders = None
    cdef object el
    cdef list matched
    if blocks is not None and block_token is None:
        raise TypeError("blocks need a block_token")
    if holders_of is not None:
        holders = _HolderSearch(*holders_of)
        if holders.keys.count == 0:
            holders = None
    block_size = PyBytes_GET_SIZE(block_name) if blocks is not None else -1
    if top is NULL or top.type != tree.XML_ELEMENT_NODE:
        return [] if holders_of is not None else None
    while node is not NULL:
        el = None
        div = False
        if node.ns is NULL:
            found = tag_set.find_c(<const char*> node.name)
            if found >= 0:
                el = elementFactory(root._doc, node)
                (<list> tag_lists[found]).append(el)
            div = blocks is not None and strcmp(<const char*> node.name, "div") == 0
        if itemprops is not None and _find_attr(node, "itemprop") is not NULL:
            if el is None:
                el = elementFactory(root._doc, node)
            itemprops.append(el)
        attr = _find_attr(node, "class")
        if attr is not NULL:
            value = _ascii_value(attr)
            if value is not NULL:
                start = _next_token(&value, &size)
                while start is not NULL:
                    found = class_set.find(<const char*> start, size)
                    if found >= 0:
                        if el is None:
                            el = elementFactory(root._doc, node)
                        (<list> class_lists[found]).append(el)
                    if div and size == block_size and memcmp(start, block, size) == 0:
                        blocks.add(node)
                    start = _next_token(&value, &size)
            else:
                for token in _attr_value(attr).split():
                    matched = classes.get(token)
                    if matched is not None:
                        if el is None:
                            el = elementFactory(root._doc, node)
                        matched.append(el)
                    if div and token == block_token:
                        blocks.add(node)
        if holders is not None:
            holders.visit(node)
        node = next_element(node, top)
    if holders is not None:
        return holders.found(root)
    return [] if holders_of is not None else None


def template_texts_of(NodeList blocks not None, sections):
    """``template_texts(blocks, sections)`` for the blocks :func:`index_elements` noted."""
    return _block_texts(blocks.doc_el, blocks.nodes, blocks.count, sections)


cdef bint _in(tree.xmlNode* node, _Names names) noexcept:
    return node.ns is NULL and names.find_c(<const char*> node.name) >= 0


cdef inline bint _contains(const char* text, const char* name, size_t size) noexcept nogil:
    """``strstr(text, name) != NULL``, led by ``strchr`` for the name's first byte (glibc
    scans for one byte many at a time; for two or more it goes a byte pair at a time): a
    page's text holds a publisher's first letter (a capital) rarely, so few compares."""
    cdef const char* at
    if size == 0:
        return True
    at = strchr(text, name[0])
    while at is not NULL:
        if strncmp(at, name, size) == 0:
            return True
        at = strchr(at + 1, name[0])
    return False


def text_holders(_Element root not None, needles, hidden_parents, inline_tags):
    """``extract.html_parts._publisher_text_xpath``'s XPath, without XPath: the nearest
    non-inline ancestor element of each text node below ``root`` that contains one of
    ``needles`` (and whose parent is not one of ``hidden_parents``), each once, in
    document order."""
    cdef _HolderSearch search = _HolderSearch(needles, hidden_parents, inline_tags)
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    if top is NULL or top.type != tree.XML_ELEMENT_NODE or search.keys.count == 0:
        return []
    while node is not NULL:
        search.visit(node)
        node = next_element(node, top)
    return search.found(root)


cdef enum:
    # Up to this many elements are put in document order by comparing their places;
    # more (a hostile page) by one walk of the document.
    _FEW_TO_ORDER = 16


cdef list _in_document_order(_Element root, set wanted):
    """The elements at the addresses ``wanted`` (of ``root``'s document), in document
    order."""
    cdef Py_ssize_t n_wanted = len(wanted), i, j
    cdef size_t* holders
    cdef size_t moved
    cdef tree.xmlNode* node
    cdef tree.xmlNode* top
    cdef list out = []
    if not n_wanted:
        return out
    holders = <size_t*> malloc(n_wanted * sizeof(size_t))
    if holders is NULL:
        raise MemoryError()
    i = 0
    for address in wanted:
        holders[i] = address
        i += 1
    try:
        if n_wanted <= _FEW_TO_ORDER:
            for i in range(1, n_wanted):  # insertion sort by place
                moved = holders[i]
                j = i
                while j > 0 and _precedes(<tree.xmlNode*> moved, <tree.xmlNode*> holders[j - 1]):
                    holders[j] = holders[j - 1]
                    j -= 1
                holders[j] = moved
            for i in range(n_wanted):
                out.append(elementFactory(root._doc, <tree.xmlNode*> holders[i]))
            return out
        qsort(holders, n_wanted, sizeof(size_t), _compare_nodes)
        # The holders may lie above root (ancestor::*): walk from the top of the document.
        node = root._c_node
        while node.parent is not NULL and node.parent.type == tree.XML_ELEMENT_NODE:
            node = node.parent
        top = node
        while node is not NULL:
            if _in_set(holders, n_wanted, node):
                out.append(elementFactory(root._doc, node))
                if len(out) == n_wanted:
                    break
            node = next_element(node, top)
        return out
    finally:
        free(holders)


cdef Py_ssize_t _depth(tree.xmlNode* node) noexcept:
    cdef Py_ssize_t depth = 0
    while node.parent is not NULL:
        node = node.parent
        depth += 1
    return depth


cdef bint _precedes(tree.xmlNode* a, tree.xmlNode* b) noexcept:
    """Whether element ``a`` comes before element ``b`` (another of the same document)
    in document order: an ancestor before its descendants, else by the order of the
    children where their ancestor lines meet."""
    cdef Py_ssize_t depth_a = _depth(a), depth_b = _depth(b)
    while depth_b > depth_a:
        b = b.parent
        depth_b -= 1
        if b == a:
            return True
    while depth_a > depth_b:
        a = a.parent
        depth_a -= 1
        if a == b:
            return False
    while a.parent != b.parent:
        a, b = a.parent, b.parent
    while a is not NULL:
        a = a.next
        if a == b:
            return True
    return False


cdef int _append(bytearray buffer, const char* text) except -1:
    """``buffer += text`` without a bytes object between."""
    cdef Py_ssize_t size = PyByteArray_GET_SIZE(buffer), more = strlen(text)
    if PyByteArray_Resize(buffer, size + more) < 0:
        return -1
    memcpy(PyByteArray_AS_STRING(buffer) + size, text, more)
    return 0


cdef void _collect(tree.xmlNode* top, bytearray buffer) except *:
    """The content of every text node below ``top`` in document order (not its tail)."""
    cdef tree.xmlNode* node = top.children
    cdef const char* content
    while node is not NULL:
        if _is_text(node):
            content = <const char*> node.content
            if content is not NULL:
                _append(buffer, content)
        elif node.type == tree.XML_ELEMENT_NODE and node.children is not NULL:
            node = node.children
            continue
        while node.next is NULL:
            node = node.parent
            if node is top or node is NULL:
                return
        node = node.next


cdef object _joined(tree.xmlNode* top):
    cdef tree.xmlNode* child = top.children
    cdef bytearray buffer
    # One text node and nothing else (most paragraphs): no buffer.
    if child is not NULL and child.next is NULL and _is_text(child):
        return _decode(<const char*> child.content)
    buffer = bytearray()
    _collect(top, buffer)
    return buffer.decode("utf-8")


def joined_text(_Element el not None):
    """``"".join(el.itertext())``."""
    return _joined(el._c_node)


def joined_texts(elements):
    """``["".join(el.itertext()) for el in elements]``."""
    cdef _Element el
    return [_joined(el._c_node) for el in elements]


cdef inline bint _is_element(tree.xmlNode* node) noexcept:
    return node is not NULL and node.type == tree.XML_ELEMENT_NODE


def template_texts(blocks, sections):
    """``extract.html_body``'s template reading (``template_texts_pure``): the ``<p>``
    elements of the text ``blocks`` that lie inside one of ``sections`` and inside no
    other block, in the blocks' order (a block's lone ``<p>`` child, else every ``<p>`` in
    it); of each, its ``"".join(itertext())`` and its ``sourceline``, without an element
    object for any of them."""
    cdef list listed = blocks if type(blocks) is list else list(blocks)
    cdef Py_ssize_t count = len(listed), i
    cdef tree.xmlNode** order = <tree.xmlNode**> malloc((count if count > 0 else 1)
                                                        * sizeof(tree.xmlNode*))
    if order is NULL:
        raise MemoryError()
    try:
        for i in range(count):
            if not isinstance(listed[i], _Element):
                raise TypeError(f"not an element: {listed[i]!r}")
            order[i] = (<_Element> listed[i])._c_node
        return _block_texts(listed[0] if count else None, order, count, sections)
    finally:
        free(order)


def template_texts_in(_Element root not None, sections):
    """``template_texts(index.cls("cli-text", "div"), sections)`` for the index of
    ``root``, the blocks found by a C walk of ``root`` (so the index need make no element
    object for them): each ``div`` below ``root`` in document order, once for each
    ``cli-text`` token of its ``class`` (as the index lists it)."""
    cdef Py_ssize_t count = 0, room = 128, times
    cdef tree.xmlNode** order = <tree.xmlNode**> malloc(room * sizeof(tree.xmlNode*))
    cdef tree.xmlNode** grown
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    if order is NULL:
        raise MemoryError()
    try:
        while node is not NULL:
            if _named(node, "div"):
                times = _token_count(node, "cli-text")
                while times > 0:
                    if count == room:
                        room *= 2
                        grown = <tree.xmlNode**> realloc(order, room * sizeof(tree.xmlNode*))
                        if grown is NULL:
                            raise MemoryError()
                        order = grown
                    order[count] = node
                    count += 1
                    times -= 1
            node = next_element(node, top)
        return _block_texts(root, order, count, sections)
    finally:
        free(order)


cdef tuple _block_texts(_Element doc_el, tree.xmlNode** order, Py_ssize_t count, sections):
    """(texts, lines) of the paragraphs of the blocks ``order[:count]`` that lie inside one
    of ``sections`` (both template readings' shared end)."""
    cdef Py_ssize_t n_inside = 0
    cdef size_t* inside = _node_set(sections, &n_inside)
    cdef size_t* is_block = NULL
    cdef list texts = [], lines = []
    try:
        if count:
            is_block = <size_t*> malloc(count * sizeof(size_t))
            if is_block is NULL:
                raise MemoryError()
            memcpy(is_block, order, count * sizeof(size_t))
            qsort(is_block, count, sizeof(size_t), _compare_nodes)
            _template_paragraphs(doc_el, order, count, inside, n_inside, is_block, count,
                                 texts, lines)
        return texts, lines
    finally:
        free(inside)
        free(is_block)


cdef Py_ssize_t _token_count(tree.xmlNode* node, const char* token) except -1:
    """``(el.get("class") or "").split().count(token)``."""
    cdef tree.xmlAttr* attr = _find_attr(node, "class")
    cdef const unsigned char* value
    cdef const unsigned char* start
    cdef Py_ssize_t size = strlen(token), found, count = 0
    if attr is NULL:
        return 0
    value = _ascii_value(attr)
    if value is NULL:
        return _attr_value(attr).split().count(token.decode("utf-8"))
    start = _next_token(&value, &found)
    while start is not NULL:
        if found == size and memcmp(start, token, size) == 0:
            count += 1
        start = _next_token(&value, &found)
    return count


cdef inline int _add_paragraph(list texts, list lines, _Element doc_el, tree.xmlNode* node) except -1:
    texts.append(_joined(node))
    if node.line == 65535:  # libxml2's mark of a line past its 16 bits: lxml works it out
        lines.append(elementFactory(doc_el._doc, node).sourceline)
    else:
        lines.append(node.line if node.line > 0 else None)  # as lxml's sourceline
    return 0


cdef void _template_paragraphs(_Element doc_el, tree.xmlNode** blocks, Py_ssize_t count,
                               const size_t* inside, Py_ssize_t n_inside,
                               const size_t* is_block, Py_ssize_t n_blocks,
                               list texts, list lines) except *:
    """The paragraphs of ``blocks[:count]`` in that order (``doc_el``: an element of their
    document, for a line lxml must work out)."""
    cdef tree.xmlNode* block
    cdef tree.xmlNode* parent
    cdef tree.xmlNode* child
    cdef tree.xmlNode* only
    cdef tree.xmlNode* node
    cdef int children
    cdef Py_ssize_t i
    for i in range(count):
        block = blocks[i]
        parent = block.parent
        while _is_element(parent) and not _in_set(inside, n_inside, parent):
            if _in_set(is_block, n_blocks, parent):
                break
            parent = parent.parent
        if not (_is_element(parent) and _in_set(inside, n_inside, parent)):
            continue
        children = 0
        only = NULL
        child = block.children
        while child is not NULL:
            if _element_like(child):
                children += 1
                if children == 1:
                    only = child
            child = child.next
        if children == 1 and _named(only, "p"):
            _add_paragraph(texts, lines, doc_el, only)
            continue
        node = block
        while node is not NULL:
            if _named(node, "p"):
                _add_paragraph(texts, lines, doc_el, node)
            node = next_element(node, block)


cdef inline bint _ascii_clean(const unsigned char* p, Py_ssize_t n) noexcept:
    """No white space but single spaces inside, none at either end, not empty (clean()
    leaves such an ASCII text as it is). Branch-free over blocks, so gcc vectorizes it."""
    cdef Py_ssize_t i, start, stop
    cdef unsigned char bad = 0, c
    if n == 0 or p[0] == 32 or p[n - 1] == 32:
        return False
    start = 0
    while start < n and not bad:
        stop = start + 4096 if start + 4096 < n - 1 else n - 1
        for i in range(start, stop):
            c = p[i]
            bad |= (c == 32) & (p[i + 1] == 32)
            bad |= (<unsigned char> (c - 9) <= 4) | (<unsigned char> (c - 28) <= 3)
        start = stop if stop > start else n
    c = p[n - 1]
    bad |= (<unsigned char> (c - 9) <= 4) | (<unsigned char> (c - 28) <= 3)
    return not bad


def texts_clean_ascii(list texts not None):
    """For ASCII texts: whether ``extract.assemble.clean`` would leave each as it is (not
    empty, no white space but single spaces inside), tested without joining them; False
    for no texts, ``None`` when one is not ASCII (the Python test decides)."""
    cdef str text
    if not texts:
        return False  # "" is not clean
    for text in texts:
        if text is None or not PyUnicode_IS_ASCII(text):
            return None
    for text in texts:
        if not _ascii_clean(<const unsigned char*> PyUnicode_DATA(text), len(text)):
            return False
    return True


# How common each byte is in prose, coarsely (English letter frequencies; white space and
# lower-case vowels most, capitals, digits and most punctuation least): _find searches for
# a needle's least common byte.
cdef unsigned char _COMMON[256]


cdef void _init_common() noexcept:
    cdef const char* order = b" etaoinsrhldcumwfgypb,.vk-'\"TSAMCIBPHWRDNLEFGOJKUYVzqxjZXQ0123456789"
    cdef Py_ssize_t i, n = strlen(order)
    memset(_COMMON, 0, 256)
    for i in range(n):
        _COMMON[<unsigned char> order[i]] = <unsigned char> (n - i)


_init_common()


cdef bint _find(const char* hay, size_t size, const char* needle, size_t m) noexcept:
    """``memmem(hay, size, needle, m) != NULL``: memchr for the needle's least common byte,
    each hit compared whole. Prose holds that byte rarely, so this runs at memchr's speed
    (glibc's memmem hashes byte pairs into 256 shifts: short skips over prose); past a
    few hits a kilobyte it is memmem, so no text makes it slow."""
    cdef size_t rare = 0, i, hits = 0, budget
    cdef const char* at
    cdef const char* start
    cdef const char* last
    if m == 0:
        return True
    if m > size:
        return False
    for i in range(1, m):
        if _COMMON[<unsigned char> needle[i]] < _COMMON[<unsigned char> needle[rare]]:
            rare = i
    budget = 16 + size // 1024 * 8
    start = hay + rare
    last = hay + size - m + rare  # the last place the rare byte can stand
    while start <= last:
        at = <const char*> memchr(start, needle[rare], <size_t> (last - start) + 1)
        if at is NULL:
            return False
        if memcmp(at - rare, needle, m) == 0:
            return True
        hits += 1
        if hits > budget:
            return memmem(at - rare + 1, size - <size_t> (at - rare + 1 - hay), needle, m) != NULL
        start = at + 1
    return False


def find_in(bytes hay not None, bytes needle not None):
    """``needle in hay`` through :func:`_find` (for the tests)."""
    return _find(PyBytes_AS_STRING(hay), len(hay), PyBytes_AS_STRING(needle), len(needle))


cdef Py_ssize_t _joined_size(list texts, bint ascii) except -2:
    """The bytes of ``"\\n".join([t for t in texts if t])`` when each of those texts is a
    str of one byte a character (of ASCII, with ``ascii``); -1 when one is not."""
    cdef object text
    cdef Py_ssize_t total = 0, parts = 0
    for text in texts:
        if not text:
            continue
        if type(text) is not str or (not PyUnicode_IS_ASCII(text) if ascii
                                     else PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND):
            return -1
        total += len(<str> text)
        parts += 1
    return total + parts - 1 if parts else 0


cdef void _join_into(list texts, char* out) except *:
    """``"\\n".join([t for t in texts if t])``'s bytes into ``out`` (its size from
    :func:`_joined_size`)."""
    cdef object text
    cdef Py_ssize_t at = 0, size
    for text in texts:
        if not text:
            continue
        if at:
            out[at] = 10  # "\n"
            at += 1
        size = len(<str> text)
        memcpy(out + at, PyUnicode_DATA(text), size)
        at += size


def texts_containing(list texts not None, tuple needles not None):
    """``[n for n in needles if n in "\\n".join([t for t in texts if t])]``: for one-byte
    texts and needles, :func:`_find` over the texts' bytes joined once in a C buffer (no
    str made)."""
    cdef Py_ssize_t size
    cdef char* joined
    cdef list found = []
    for needle in needles:
        if type(needle) is not str or PyUnicode_KIND(needle) != PyUnicode_1BYTE_KIND:
            return _containing_joined(texts, needles)
    size = _joined_size(texts, False)
    if size < 0:
        return _containing_joined(texts, needles)
    joined = <char*> malloc(size if size > 0 else 1)
    if joined is NULL:
        raise MemoryError()
    try:
        _join_into(texts, joined)
        for needle in needles:
            if _find(joined, size, <const char*> PyUnicode_DATA(needle), len(<str> needle)):
                found.append(needle)
    finally:
        free(joined)
    return found


def _containing_joined(list texts, tuple needles):
    joined = "\n".join([t for t in texts if t])
    return [n for n in needles if n in joined]


def joined_ascii(list texts not None):
    """``"\\n".join([t for t in texts if t]).encode("ascii")``, or ``None`` when one of
    them is not ASCII: one copy into the bytes, no str between."""
    cdef Py_ssize_t size = _joined_size(texts, True)
    cdef bytes out
    if size < 0:
        return None
    out = PyBytes_FromStringAndSize(NULL, size)
    _join_into(texts, PyBytes_AS_STRING(out))
    return out


cdef inline Py_ssize_t _count_byte(const unsigned char* p, Py_ssize_t n,
                                   unsigned char byte) noexcept:
    """How many of ``p[:n]`` are ``byte``: a byte-wide count over at most 255 bytes at a
    time, a loop the compiler turns into 16-byte vector compares (~5x the word-at-a-time
    count it replaced, in instructions)."""
    cdef Py_ssize_t i = 0, j, stop, total = 0
    cdef unsigned char run
    while i < n:
        stop = i + 255 if i + 255 < n else n
        run = 0
        for j in range(i, stop):
            run += p[j] == byte
        total += run
        i = stop
    return total


def count_spaces(list texts not None):
    """``sum(t.count(" ") for t in texts)``."""
    cdef str text
    cdef Py_ssize_t total = 0
    for text in texts:
        if PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND:
            total += text.count(" ")
            continue
        total += _count_byte(<const unsigned char*> PyUnicode_DATA(text), len(text), 32)
    return total


def control_bytes(data):
    """``len(data) - len(data.translate(None, CONTROL))``: how many bytes of ``data`` are
    C0 controls other than the white space ones (tab, LF, VT, FF, CR), counted as
    ``_count_byte`` counts (byte-wide, 255 bytes at a time, vectorised by the compiler)."""
    cdef bytes raw = data if type(data) is bytes else bytes(data)
    cdef const unsigned char* p = <const unsigned char*> PyBytes_AS_STRING(raw)
    cdef Py_ssize_t i = 0, j, stop, n = PyBytes_GET_SIZE(raw), total = 0
    cdef unsigned char run, c
    while i < n:
        stop = i + 255 if i + 255 < n else n
        run = 0
        for j in range(i, stop):
            c = p[j]
            run += (c < 9) | (<unsigned char> (c - 14) < 18)
        total += run
        i = stop
    return total


cdef inline bint _continuation(const unsigned char* p, Py_ssize_t i, Py_ssize_t n) noexcept:
    return i < n and (p[i] & 0xC0) == 0x80


def utf8_valid(bytes data):
    """Whether ``data.decode("utf-8")`` succeeds, without making the str: the well-formed
    sequences of the Unicode standard (its table 3-7; no overlong forms, no surrogates,
    nothing past U+10FFFF), as Python's strict decoder takes them; ASCII eight bytes at a
    time."""
    cdef const unsigned char* p = <const unsigned char*> PyBytes_AS_STRING(data)
    cdef Py_ssize_t i = 0, n = PyBytes_GET_SIZE(data)
    cdef uint64_t x
    cdef unsigned char c, second
    while i < n:
        while i + 8 <= n:
            memcpy(&x, p + i, 8)
            if x & 0x8080808080808080ULL:
                break
            i += 8
        if i >= n:
            break
        c = p[i]
        if c < 0x80:
            i += 1
            continue
        if c < 0xC2 or c > 0xF4 or i + 1 >= n:
            return False
        second = p[i + 1]
        if c < 0xE0:
            if (second & 0xC0) != 0x80:
                return False
            i += 2
        elif c < 0xF0:
            if (c == 0xE0 and not 0xA0 <= second <= 0xBF) or (c == 0xED and not 0x80 <= second <= 0x9F) \
                    or (second & 0xC0) != 0x80 or not _continuation(p, i + 2, n):
                return False
            i += 3
        else:
            if (c == 0xF0 and not 0x90 <= second <= 0xBF) or (c == 0xF4 and not 0x80 <= second <= 0x8F) \
                    or (second & 0xC0) != 0x80 or not _continuation(p, i + 2, n) \
                    or not _continuation(p, i + 3, n):
                return False
            i += 4
    return True


cdef object _attribute(tree.xmlNode* node, const char* name):
    """``el.get(name)`` for an attribute without a namespace: its value or None."""
    cdef tree.xmlAttr* attr = _find_attr(node, name)
    return _attr_value(attr) if attr is not NULL else None



def meta_index(list metas not None):
    """``extract.dom.meta_index_pure``: each ``<meta>``'s clean value (``content``, else
    ``value``) listed under every lower-case name its ``property``, ``name`` and
    ``itemprop`` give, in document order."""
    cdef dict out = {}
    cdef _Element el
    cdef tree.xmlNode* node
    cdef object value, names, found
    for el in metas:
        node = el._c_node
        value = _attribute(node, "content")
        if not value:
            value = _attribute(node, "value")
        value = _clean(value)
        if not value:
            continue
        for names in (_attribute(node, "property"), _attribute(node, "name"),
                      _attribute(node, "itemprop")):
            if not names:
                continue
            for name in names.lower().split():
                found = out.get(name)
                if found is None:
                    out[name] = [(value, el)]
                else:
                    (<list> found).append((value, el))
    return out


def clean(text):
    """``extract.assemble.clean_pure``: NFC, white space collapsed to single spaces,
    stripped; ``None`` for nothing left. ASCII text (nearly all) is tested and, when
    needed, collapsed in one C pass."""
    return _clean(text)


cdef object _clean(object text):
    cdef Py_ssize_t n, i, size
    cdef const unsigned char* p
    cdef unsigned char c, previous
    cdef bytearray out
    cdef bint space
    if text is None:
        return None
    if not PyUnicode_IS_ASCII(<str?> text):
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        return " ".join(text.split()) or None
    n = len(text)
    if n == 0:
        return None
    p = <const unsigned char*> PyUnicode_DATA(text)
    if _ascii_clean(p, n):
        return text  # no white space but single spaces inside: split and join give it back
    # Collapse: the runs of what str.split() splits on become one space.
    out = bytearray(n)
    size = 0
    space = False
    for i in range(n):
        c = p[i]
        if _ascii_space(c):
            space = size > 0
            continue
        if space:
            out[size] = 32
            size += 1
            space = False
        out[size] = c
        size += 1
    if size == 0:
        return None
    return PyUnicode_FromStringAndSize(<const char*> out, size)


# --- the article's images (extract/html_images.py) ---------------------------------------
cdef inline bint _ascii_alnum(unsigned char c) noexcept:
    return (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)


cdef inline const unsigned char* _ascii_value(tree.xmlAttr* attr) noexcept:
    """The attribute's value as one ASCII C string, or NULL (not one text node, or not
    ASCII): the callers then take the Python path."""
    cdef const unsigned char* value
    cdef const unsigned char* p
    if attr.children is NULL or attr.children.next is not NULL or not _is_text(attr.children):
        return NULL
    value = <const unsigned char*> attr.children.content
    if value is NULL:
        return NULL
    p = value
    while p[0]:
        if p[0] >= 128:
            return NULL
        p += 1
    return value


cdef bint _token_is(const unsigned char* start, Py_ssize_t size, _Names names, bint fold) noexcept:
    """Whether the ASCII word ``start[:size]`` (lower-cased first when ``fold``) is one of
    ``names``."""
    cdef unsigned char lowered[32]
    cdef Py_ssize_t i
    if size >= 32:
        return False  # longer than any name
    if not fold:
        return names.find(<const char*> start, size) >= 0
    for i in range(size):
        lowered[i] = start[i] + 32 if 65 <= start[i] <= 90 else start[i]
    return names.find(<const char*> lowered, size) >= 0


cdef bint _has_token(tree.xmlNode* node, const char* token) except -1:
    """``token in (el.get("class") or "").split()``."""
    cdef tree.xmlAttr* attr = _find_attr(node, "class")
    cdef const unsigned char* value
    cdef const unsigned char* start
    cdef Py_ssize_t size = strlen(token), found
    if attr is NULL:
        return False
    value = _ascii_value(attr)
    if value is NULL:
        return token.decode("utf-8") in _attr_value(attr).split()
    start = _next_token(&value, &found)
    while start is not NULL:
        if found == size and memcmp(start, token, size) == 0:
            return True
        start = _next_token(&value, &found)
    return False


cdef bint _href_ascii_image(const unsigned char* value) noexcept:
    """``re.search(r"\\.(?:jpe?g|png|gif|webp|avif)(?:$|\\?)", value, re.I)`` for ASCII
    ``value`` (``$``: the end, or before a newline that ends the value)."""
    cdef const unsigned char* p = value
    cdef const unsigned char* q
    cdef unsigned char ext[5]
    cdef int i, n
    while p[0]:
        if p[0] == 46:  # "."
            n = 0
            q = p + 1
            while n < 5 and _ascii_alnum(q[0]):
                ext[n] = q[0] + 32 if 65 <= q[0] <= 90 else q[0]
                n += 1
                q += 1
            for i in range(3, n + 1):
                if (i == 3 and (memcmp(ext, b"jpg", 3) == 0 or memcmp(ext, b"png", 3) == 0
                                or memcmp(ext, b"gif", 3) == 0)) or \
                        (i == 4 and (memcmp(ext, b"jpeg", 4) == 0 or memcmp(ext, b"webp", 4) == 0
                                     or memcmp(ext, b"avif", 4) == 0)):
                    q = p + 1 + i
                    if q[0] == 0 or q[0] == 63 or (q[0] == 10 and q[1] == 0):
                        return True
        p += 1
    return False


cdef inline _Element _element(object el):
    """``el`` as an lxml element (TypeError for anything else, None included)."""
    if not isinstance(el, _Element):
        raise TypeError(f"expected an lxml element, not {type(el).__name__}")
    return <_Element> el


cdef struct _Item:
    size_t node
    long line
    Py_ssize_t index


cdef int _by_node(const void* a, const void* b) noexcept nogil:
    cdef size_t x = (<const _Item*> a).node, y = (<const _Item*> b).node
    return (x > y) - (x < y)


cdef int _by_line(const void* a, const void* b) noexcept nogil:
    cdef long x = (<const _Item*> a).line, y = (<const _Item*> b).line
    return (x > y) - (x < y)


cdef void _sort_items(_Item* items, Py_ssize_t count, bint by_line) noexcept:
    """Sort by node address (or by line): insertion for the few a page has, else qsort."""
    cdef Py_ssize_t i, j
    cdef _Item item
    if count > 24:
        qsort(items, count, sizeof(_Item), _by_line if by_line else _by_node)
        return
    for i in range(1, count):
        item = items[i]
        j = i
        while j > 0 and ((items[j - 1].line > item.line) if by_line else (items[j - 1].node > item.node)):
            items[j] = items[j - 1]
            j -= 1
        items[j] = item


cdef Py_ssize_t _among_items(const _Item* items, Py_ssize_t count, size_t node) noexcept:
    """The position of ``node`` in ``items`` sorted by node, or -1."""
    cdef Py_ssize_t low = 0, high = count, middle
    while low < high:
        middle = (low + high) >> 1
        if items[middle].node < node:
            low = middle + 1
        else:
            high = middle
    return low if low < count and items[low].node == node else -1


cdef inline bint _among(const _Item* items, Py_ssize_t count, size_t node) noexcept:
    return _among_items(items, count, node) >= 0


cdef list _doc_order(list elements):
    """``extract.dom.doc_order_pure`` of lxml elements: each once, by source line when the
    lines are all known and distinct, else in the order of a walk of the whole tree."""
    cdef Py_ssize_t count = len(elements), unique = 0, i, found
    cdef _Item* items
    cdef _Item* by_line
    cdef bint distinct = True
    cdef list ordered
    cdef tree.xmlNode* node
    cdef tree.xmlNode* top
    cdef object line
    items = <_Item*> malloc((2 * count + 1) * sizeof(_Item))
    if items is NULL:
        raise MemoryError()
    try:
        # The elements each once (sorted by node).
        for i in range(count):
            items[i].node = <size_t> (<_Element> elements[i])._c_node
            items[i].index = i
        _sort_items(items, count, False)
        for i in range(count):
            if unique == 0 or items[i].node != items[unique - 1].node:
                items[unique] = items[i]
                unique += 1
        by_line = items + count
        for i in range(unique if unique > 1 else 0):
            line = (<_Element> elements[items[i].index]).sourceline
            if line is None:
                distinct = False
                break
            by_line[i] = items[i]
            by_line[i].line = line
        if distinct and unique > 1:
            _sort_items(by_line, unique, True)
            for i in range(1, unique):
                if by_line[i].line == by_line[i - 1].line:
                    distinct = False
                    break
        if unique < 2:
            return [elements[items[i].index] for i in range(unique)]
        if distinct:
            return [elements[by_line[i].index] for i in range(unique)]
        ordered = []
        top = (<_Element> elements[0].getroottree().getroot())._c_node
        node = top
        while node is not NULL:
            found = _among_items(items, unique, <size_t> node)
            if found >= 0:
                ordered.append(elements[items[found].index])
                if len(ordered) == unique:
                    break
            node = next_element(node, top)
        return ordered
    finally:
        free(items)


def doc_order(elements):
    """``extract.dom.doc_order_pure``: the elements in document order, each once."""
    cdef list checked = []
    for item in elements:
        checked.append(_element(item))
    return _doc_order(checked)


def descendants(containers, str tag not None):
    """``extract.dom.descendants_pure``: the ``tag`` elements inside ``containers`` (each
    container itself included, as ``iter`` does), in the containers' order and document
    order within each, each once; for a tag without a namespace."""
    cdef list checked = [], out = []
    cdef set seen = None
    cdef bytes name = tag.encode("utf-8")
    cdef const char* wanted = PyBytes_AS_STRING(name)
    cdef _Element container
    cdef tree.xmlNode* node
    cdef tree.xmlNode* top
    if tag.startswith("{") or b"\0" in name or tag in ("*", ""):
        # Namespaces and wildcards are lxml's to match: the reference itself (imported
        # here, as extract.dom imports this module).
        from archivekit.extract.dom import descendants_pure

        return descendants_pure(containers, tag)
    for item in containers:
        checked.append(_element(item))
    if len(checked) > 1:
        seen = set()
    for container in checked:
        top = container._c_node
        node = top
        while node is not NULL:
            if _named(node, wanted):
                if seen is None:
                    out.append(elementFactory(container._doc, node))
                elif <size_t> node not in seen:
                    seen.add(<size_t> node)
                    out.append(elementFactory(container._doc, node))
            node = next_element(node, top)
    return out


cdef bint _few_words(str text, Py_ssize_t most) except -1:
    """``len(text.split()) <= most`` (a clean ASCII text's words counted in C)."""
    cdef const unsigned char* p
    cdef Py_ssize_t n = len(text)
    if PyUnicode_IS_ASCII(text):
        p = <const unsigned char*> PyUnicode_DATA(text)
        if _ascii_clean(p, n):
            return n == 0 or _count_byte(p, n, 32) + 1 <= most
    return len(text.split()) <= most


cdef class ImageReader:
    """``extract.html_images``' reading of image blocks, with its word lists and Python
    fallbacks fixed once: ``parts`` (``image_in`` up to the caption split) and
    ``article_images`` (``doc_order`` and ``article_images_pure`` with the ancestor and
    tail tests). ``role(cls)`` and ``href_ok(href)`` are the Python tests, called only
    for values that are not ASCII (the C tests cover ASCII exactly)."""
    cdef _Names credit_words
    cdef _Names caption_words
    cdef _Names furniture
    cdef object role
    cdef object href_ok

    def __cinit__(self, credit_words, caption_words, furniture, role, href_ok):
        self.credit_words = _Names(credit_words)
        self.caption_words = _Names(caption_words)
        self.furniture = _Names(furniture)
        self.role = role
        self.href_ok = href_ok

    cdef int _role(self, tree.xmlNode* node) except -1:
        """``_role(el.get("class"))`` (0 for no class or an empty one)."""
        cdef tree.xmlAttr* attr = _find_attr(node, "class")
        cdef const unsigned char* value
        cdef const unsigned char* start
        cdef bint caption = False
        cdef object cls
        if attr is NULL:
            return 0
        value = _ascii_value(attr)
        if value is NULL:
            cls = _attr_value(attr)
            return self.role(cls) if cls else 0
        # The words of re.findall("[a-z0-9]+", ...) after a space between a lower-case
        # and an upper-case letter and lower-casing: runs of ASCII letters and digits,
        # also broken where a lower-case letter meets an upper-case one.
        while value[0]:
            while value[0] and not _ascii_alnum(value[0]):
                value += 1
            start = value
            while value[0] and _ascii_alnum(value[0]):
                if value > start and 97 <= (value - 1)[0] <= 122 and 65 <= value[0] <= 90:
                    break
                value += 1
            if value > start:
                if _token_is(start, value - start, self.credit_words, True):
                    return 1
                if not caption and _token_is(start, value - start, self.caption_words, True):
                    caption = True
        return 2 if caption else 0

    cdef object _caption(self, tree.xmlNode* caption, tree.xmlNode* credit):
        """``_caption_text``: the caption's text, less a credit element inside it."""
        cdef tree.xmlNode* parent
        cdef object credit_text, caption_text
        if credit is not NULL:
            parent = credit.parent
            while _is_element(parent):
                if parent == caption:
                    credit_text = _clean(_joined(credit)) or ""
                    caption_text = _clean(_joined(caption)) or ""
                    return _clean((<str> caption_text).replace(credit_text, ""))
                parent = parent.parent
        return _clean(_joined(caption))

    def parts(self, _Element container not None):
        """``image_in`` before the caption split: ``None`` when the block holds no image,
        credit or caption, else (src, caption, credit, alt, line): the image's clean
        ``src`` (or ``data-src``) and ``alt`` (``None`` without an image), the texts of
        the caption and credit markup (a block's own text as its caption when it has
        none) and the block's source line."""
        return self._parts(container)

    def images(self, containers, lead, blocks, Py_ssize_t limit, split, image_type, is_lead):
        """``extract.html_images.find_images``' loop over ``containers`` (``read_image``
        on each, in C): ``image_type(src, caption, credit, line)`` for each block with an
        image, a caption or a credit (a block with neither text counts only as a figure
        or the lead image, ``is_lead(src, lead)``), appended with its block to ``blocks``
        (unless ``None``), stopping one past ``limit``. ``split(caption, credit)`` is
        ``split_caption``, for a block with just one of the two."""
        cdef list out = []
        cdef _Element container
        cdef tuple found
        cdef object image
        for container in containers:
            found = self._parts(container)
            if found is None:
                continue
            src, caption, credit, alt, line = found
            if caption is not None and credit is None or \
                    caption is None and credit is not None and not _few_words(credit, 8):
                # split_caption leaves a credit of eight words or fewer, alone, as it is
                caption, credit = split(caption, credit)
            if caption is None:
                caption = alt
            if caption is None and credit is None and not _named(container._c_node, "figure") \
                    and not is_lead(src, lead):
                continue
            # image_type(src, caption, credit, line) without its Python __init__ (a
            # dataclass's: it sets the four fields; the tests compare the two)
            image = image_type.__new__(image_type)
            image.src = src
            image.caption = caption
            image.credit = credit
            image.line = line
            out.append(image)
            if blocks is not None:
                blocks.append(container)
            if len(out) > limit:
                break
        return out

    cdef tuple _parts(self, _Element container):
        cdef tree.xmlNode* top = container._c_node
        cdef tree.xmlNode* node
        cdef tree.xmlNode* img = NULL
        cdef tree.xmlNode* credit = NULL
        cdef tree.xmlNode* caption = NULL
        cdef int kind
        cdef object credit_text = None, caption_text = None, src = None, alt = None
        if _named(top, "img"):
            img = top
        else:
            node = next_element(top, top)
            while node is not NULL:
                if img is NULL and _named(node, "img"):
                    img = node
                kind = self._role(node)
                if kind == 1:
                    if credit is NULL:
                        credit = node
                elif caption is NULL and (kind == 2 or _named(node, "figcaption")):
                    caption = node
                node = next_element(node, top)
        if credit is not NULL:
            credit_text = _clean(_joined(credit))
        if caption is not NULL:
            caption_text = self._caption(caption, credit)
        if caption_text is None and img is not NULL and not _named(top, "img") \
                and not _named(top, "figure") and not _has_token(top, "image"):
            # A block without caption markup: its other text is the caption.
            caption_text = self._caption(top, credit)
        if img is NULL:
            if caption_text is None and credit_text is None:
                return None
        else:
            alt = _clean(_attribute(img, "alt"))
            src = _attribute(img, "src")
            if not src:
                src = _attribute(img, "data-src")
            src = _clean(src)
        return (src, caption_text, credit_text, alt, container.sourceline)

    cdef bint _href_ok(self, tree.xmlNode* link) except -1:
        cdef tree.xmlAttr* attr = _find_attr(link, "href")
        cdef const unsigned char* value
        if attr is NULL:
            return True  # no href: ".jpg"
        value = _ascii_value(attr)
        if value is NULL:
            return bool(self.href_ok(_attr_value(attr)))
        return value[0] == 0 or _href_ascii_image(value)

    def article_images(self, figures, blocks, loose, scope, skipped, lead, tail):
        """``article_images_pure(doc_order(figures + [b for b in blocks if b.tag == "div"]
        + loose), scope, {id(el): el for el in skipped}, lead)``: the containers in
        document order, each once, that are the article's. ``tail(el, in_scope, lead)``
        is ``_article_image_tail``, called for what the ancestors leave open (a figure or
        ``image`` block inside the scope is the article's without it)."""
        cdef list elements = [], skipping = [], ordered, out = []
        cdef _Element el
        cdef tree.xmlNode* node
        cdef tree.xmlNode* ancestor
        cdef tree.xmlNode* scope_node = NULL
        cdef _Item* marks = NULL  # the skipped elements, then the ones holding them
        cdef Py_ssize_t skips = 0, holders = 0, i
        cdef bint in_scope, is_block, refused
        for item in figures:
            el = _element(item)
            elements.append(el)
        for item in blocks:
            el = _element(item)
            if _named(el._c_node, "div"):
                elements.append(el)
        for item in loose:
            el = _element(item)
            elements.append(el)
        for item in skipped:
            el = _element(item)
            skipping.append(el)
            skips += 1
            ancestor = el._c_node.parent
            while _is_element(ancestor):
                holders += 1
                ancestor = ancestor.parent
        if scope is not None:
            scope_node = (<_Element?> scope)._c_node
        marks = <_Item*> malloc((skips + holders + 1) * sizeof(_Item))
        if marks is NULL:
            raise MemoryError()
        try:
            ordered = _doc_order(elements)
            i = 0
            for el in skipping:
                marks[i].node = <size_t> el._c_node
                i += 1
            _sort_items(marks, skips, False)
            for el in skipping:
                ancestor = el._c_node.parent
                while _is_element(ancestor):
                    marks[i].node = <size_t> ancestor
                    i += 1
                    ancestor = ancestor.parent
            _sort_items(marks + skips, holders, False)
            for el in ordered:
                node = el._c_node
                if _among(marks + skips, holders, <size_t> node) or _in(node, self.furniture) \
                        or _among(marks, skips, <size_t> node):
                    continue
                in_scope = scope_node is NULL
                is_block = not _named(node, "figure")
                refused = False
                ancestor = node.parent
                while _is_element(ancestor):
                    if _in(ancestor, self.furniture) or (is_block and _named(ancestor, "figure")) \
                            or _among(marks, skips, <size_t> ancestor):
                        refused = True
                        break
                    if _named(ancestor, "a") and not self._href_ok(ancestor):
                        refused = True
                        break
                    if _named(ancestor, "li") and not in_scope:
                        refused = True
                        break
                    if ancestor == scope_node:
                        in_scope = True
                    ancestor = ancestor.parent
                if refused:
                    continue
                if in_scope and (not is_block or _has_token(node, "image")):
                    out.append(el)
                elif tail(el, in_scope, lead):
                    out.append(el)
        finally:
            free(marks)
        return out


cdef class _Owner:
    """A block being cut into segments: its node, and its lxml proxy once one is needed."""
    cdef tree.xmlNode* node
    cdef _Element doc_holder
    cdef object proxy

    cdef object element(self):
        if self.proxy is None:
            self.proxy = elementFactory(self.doc_holder._doc, self.node)
        return self.proxy


# Elements a strict walk keeps whatever their class and id say (as _Walker.skip does).
_NEVER_UNLIKELY = ("article", "main", "body", "a")


cdef class _DensityWalk:
    """``extract.density._Walker`` in C: the same segments, the same blocks with blocks."""
    cdef list segments
    cdef dict has_blocks
    cdef bint strict
    cdef size_t* drop
    cdef Py_ssize_t n_drop
    cdef _Names skip_tags
    cdef _Names block_tags
    cdef _Names never_unlikely
    cdef frozenset skip_roles
    cdef object segment
    cdef object unlikely
    cdef object style_hides
    cdef _Element root
    cdef bytearray buffer

    cdef bint skip(self, tree.xmlNode* node) except -1:
        if node.type != tree.XML_ELEMENT_NODE or _in(node, self.skip_tags) \
                or _in_set(self.drop, self.n_drop, node):
            return True
        if _attribute(node, "role") in self.skip_roles or _find_attr(node, "hidden") is not NULL \
                or _attribute(node, "aria-hidden") == "true":
            return True
        style = _attribute(node, "style")
        if style and self.style_hides(style):
            return True
        if self.strict and not _in(node, self.never_unlikely):
            return bool(self.unlikely(_attribute(node, "class"), _attribute(node, "id")))
        return False

    cdef int block(self, tree.xmlNode* node, object proxy) except -1:
        cdef _Owner owner = _Owner.__new__(_Owner)
        owner.node = node
        owner.doc_holder = self.root
        owner.proxy = proxy
        # One buffer serves every block: a block begins after its parent's text was
        # flushed (content() flushes before it) and ends flushed.
        self.content(node, owner)
        self.flush(owner)
        return 0

    cdef int content(self, tree.xmlNode* node, _Owner owner) except -1:
        cdef tree.xmlNode* child = node.children
        cdef const char* text
        while child is not NULL:
            if _is_text(child):
                text = <const char*> child.content
                if text is not NULL and text[0] != 0:
                    _append(self.buffer, text)
            elif _element_like(child):
                if child.type == tree.XML_ELEMENT_NODE and _named(child, "br"):
                    self.flush(owner)
                elif self.skip(child):
                    pass
                elif _in(child, self.block_tags):
                    element = owner.element()
                    self.has_blocks[id(element)] = element
                    self.flush(owner)
                    self.block(child, None)
                else:
                    self.content(child, owner)
            child = child.next
        return 0

    cdef int flush(self, _Owner owner) except -1:
        if len(self.buffer):
            text = clean(self.buffer.decode("utf-8"))
            del self.buffer[:]
            if text:
                self.segments.append(self.segment(owner.element(), text))
        return 0


def density_walk(_Element container not None, drop, bint strict, skip_tags, block_tags,
                 frozenset skip_roles, segment, unlikely, style_hides):
    """``extract.density.walk_pure``: the text segments of ``container`` in document
    order, ``segment(owner, text)`` each, and the blocks holding other blocks (id ->
    element). ``drop``: elements (a dict's values) whose subtrees are left out;
    ``unlikely(class, id)`` and ``style_hides(style)``: the pure code's own tests."""
    cdef _DensityWalk walk = _DensityWalk.__new__(_DensityWalk)
    walk.segments = []
    walk.has_blocks = {}
    walk.strict = strict
    walk.skip_tags = _names(skip_tags)
    walk.block_tags = _names(block_tags)
    walk.never_unlikely = _names(_NEVER_UNLIKELY)
    walk.skip_roles = skip_roles
    walk.segment = segment
    walk.unlikely = unlikely
    walk.style_hides = style_hides
    walk.root = container
    walk.buffer = bytearray()
    walk.n_drop = 0
    walk.drop = _node_set(drop.values(), &walk.n_drop)
    try:
        walk.block(container._c_node, container)
    finally:
        free(walk.drop)
    return walk.segments, walk.has_blocks


cdef inline Py_ssize_t _characters(const unsigned char* p) noexcept:
    """The code points of a UTF-8 string: its bytes that do not continue a sequence."""
    cdef Py_ssize_t count = 0
    while p[0] != 0:
        count += (p[0] & 0xC0) != 0x80
        p += 1
    return count


def text_and_link_chars(_Element el not None):
    """``(len(joined_text(el)), sum(len(joined_text(a)) for a in el.iter("a")))``:
    ``extract.density.link_density_pure``'s counts, without making the texts (a text
    inside nested links counts once for each, as there)."""
    cdef tree.xmlNode* top = el._c_node
    cdef tree.xmlNode* node = top.children
    cdef Py_ssize_t total = 0, links = 0, chars
    cdef int inside = 1 if _named(top, "a") else 0
    while node is not NULL:
        if _is_text(node):
            if node.content is not NULL:
                chars = _characters(<const unsigned char*> node.content)
                total += chars
                links += chars * inside
        elif node.type == tree.XML_ELEMENT_NODE and node.children is not NULL:
            inside += _named(node, "a")
            node = node.children
            continue
        while node.next is NULL:
            node = node.parent
            if node is top or node is NULL:
                return total, links
            inside -= _named(node, "a")
        node = node.next
    return total, links


def count_tags(_Element el not None, names):
    """``[sum(1 for _ in el.iter(name)) for name in names]``: the elements of each name in
    ``el``'s subtree, ``el`` included, in one walk and without their proxies."""
    cdef _Names wanted = _names(names)
    cdef list counts = [0] * wanted.count
    cdef tree.xmlNode* top = el._c_node
    cdef tree.xmlNode* node = top
    cdef Py_ssize_t found
    while node is not NULL:
        if node.ns is NULL:
            found = wanted.find_c(<const char*> node.name)
            if found >= 0:
                counts[found] += 1
        node = next_element(node, top)
    return counts


# --- the record's images (extract.assemble, digests) ------------------------------------

# "/images/0", "/images/1", ...: made once, as a page's images are numbered on every page.
cdef list _IMAGE_POINTERS = []
cdef Py_ssize_t _MAX_IMAGE_POINTERS = 4096


cdef str _image_pointer(Py_ssize_t index):
    if index >= _MAX_IMAGE_POINTERS:
        return f"/images/{index}"
    while len(_IMAGE_POINTERS) <= index:
        _IMAGE_POINTERS.append(f"/images/{len(_IMAGE_POINTERS)}")
    return <str> _IMAGE_POINTERS[index]


def image_records(images, agencies_of, profiles, dict lines not None, dict remembered=None):
    """``extract.assemble.image_records_pure``: the record's image objects, each credit
    looked up once a page (in ``remembered`` first), and each image's line in ``lines``."""
    cdef list records = []
    cdef dict agency_of = {}
    cdef Py_ssize_t index = 0
    cdef PyObject* known
    cdef PyObject* answer
    cdef object image, credit, agency, credited, line
    for image in images:
        credit = image.credit
        known = PyDict_GetItem(agency_of, credit)
        if known is NULL:
            answer = NULL if remembered is None else PyDict_GetItem(remembered, ("credit", credit))
            credited = agencies_of(credit, profiles) if answer is NULL else <object> answer
            agency = credited[0] if credited else None
            agency_of[credit] = agency
        else:
            agency = <object> known
        records.append({"src": image.src, "caption": image.caption, "credit": credit,
                        "credit_agency": agency})
        line = image.line
        if line is not None:
            lines[_image_pointer(index)] = line
        index += 1
    return records


def captions_and_credits(images):
    """``digests.captions_and_credits_pure``: each image's caption and credit."""
    cdef list out = []
    cdef PyObject* caption
    cdef PyObject* credit
    for image in images:
        if type(image) is dict:
            caption = PyDict_GetItem(<dict> image, "caption")
            credit = PyDict_GetItem(<dict> image, "credit")
            out.append({"caption": <object> caption if caption is not NULL else None,
                        "credit": <object> credit if credit is not NULL else None})
        else:
            out.append({"caption": image.get("caption"), "credit": image.get("credit")})
    return out


cdef class IndexLookups:
    """``extract.dom.IndexLookupsPure``: the lookups of ``extract.dom.Index`` (its base
    class when the compiled core is in use), each a C method over the lists the index
    walk filled in."""
    cdef public dict classes, tags
    cdef public object itemprops, root, body, blocks, holders, _metas

    def fill(self, _Element root not None, tuple tag_names not None,
             tuple class_names not None, str block_token, holders_of=None):
        """The index walk (:func:`index_elements`, noting the ``block_token`` blocks and
        the publisher holders in passing) and the page's ``<body>``."""
        cdef tree.xmlNode* child
        self.root = root
        self.classes = {name: [] for name in class_names}
        self.tags = {name: [] for name in tag_names}
        self.itemprops = []
        self.blocks = NodeList(root)
        self.holders = index_elements(root, tag_names, class_names, self.tags, self.classes,
                                      self.itemprops, self.blocks, block_token, holders_of)
        self.body = None
        if _named(root._c_node, "html"):  # root.find("body"), without ElementPath
            child = root._c_node.children
            while child is not NULL:
                if child.type == tree.XML_ELEMENT_NODE and _named(child, "body"):
                    self.body = elementFactory(root._doc, child)
                    break
                child = child.next
        self._metas = None

    def cls(self, str token, tag=None):
        found = self.classes.get(token)
        if found is None:
            return []
        if tag:
            return with_tag(<list> found, tag)
        return list(<list> found)

    def tag(self, tag):
        found = self.tags.get(tag)
        return [] if found is None else found

    def metas(self):
        if self._metas is None:
            found = self.tags.get("meta")
            self._metas = meta_index([] if found is None else found)
        return self._metas

    def first_meta(self, *keys):
        cdef dict metas = self.metas()
        for key in keys:
            found = metas.get(key)
            if found:
                return found[0]
        return None, None
