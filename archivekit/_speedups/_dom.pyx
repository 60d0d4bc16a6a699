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

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport (
    PyUnicode_1BYTE_KIND,
    PyUnicode_DATA,
    PyUnicode_DecodeUTF8,
    PyUnicode_FromStringAndSize,
    PyUnicode_KIND,
)
from libc.string cimport memcmp, strcmp, strlen, strstr
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

from archivekit._speedups._walk cimport next_element

import unicodedata

import_lxml__etree()

cdef enum:
    MAX_NAMES = 64


cdef inline bint _is_text(tree.xmlNode* node) noexcept:
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


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

    def __cinit__(self, names):
        cdef bytes encoded
        self._keep = []
        self.count = 0
        for name in names:
            if self.count == MAX_NAMES:
                raise ValueError(f"at most {MAX_NAMES} names")
            encoded = name.encode("utf-8")
            self._keep.append(encoded)
            self.names[self.count] = PyBytes_AS_STRING(encoded)
            self.sizes[self.count] = PyBytes_GET_SIZE(encoded)
            self.count += 1

    cdef inline Py_ssize_t find(self, const char* s, Py_ssize_t size) noexcept:
        cdef Py_ssize_t i
        for i in range(self.count):
            if self.sizes[i] == size and memcmp(self.names[i], s, size) == 0:
                return i
        return -1


cdef inline bint _ascii_space(unsigned char c) noexcept:
    # What str.split() splits an ASCII string on.
    return c == 32 or (9 <= c <= 13) or (28 <= c <= 31)


def with_tag(list elements not None, str tag not None):
    """``[el for el in elements if el.tag == tag]`` (``extract.dom.with_tag_pure``) for a
    tag without a namespace, comparing libxml2's names instead of making ``el.tag``."""
    cdef bytes name = tag.encode("utf-8")
    cdef const char* wanted = PyBytes_AS_STRING(name)
    cdef _Element el
    if tag.startswith("{") or b"\0" in name:
        return [el for el in elements if el.tag == tag]
    return [el for el in elements if _named(el._c_node, wanted)]


def index_elements(_Element root not None, tag_names, class_names, dict tags, dict classes,
                   list itemprops=None):
    """``extract.dom.Index``'s walk: append each element of ``root`` (document order,
    root included) to ``tags[el.tag]`` when its tag is one of ``tag_names``, to
    ``classes[token]`` for each token of its ``class`` attribute (str.split()) that is
    one of ``class_names``, and to ``itemprops`` when it has an ``itemprop`` attribute.
    Both dicts must hold a list for every name."""
    cdef _Names tag_set = _Names(tag_names)
    cdef _Names class_set = _Names(class_names)
    cdef list tag_lists = [tags[name] for name in tag_names]
    cdef list class_lists = [classes[name] for name in class_names]
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlAttr* attr
    cdef const unsigned char* value
    cdef const unsigned char* start
    cdef Py_ssize_t found
    cdef bint ascii
    cdef object el
    cdef list matched
    if top is NULL or top.type != tree.XML_ELEMENT_NODE:
        return
    while node is not NULL:
        el = None
        if node.ns is NULL:
            found = tag_set.find(<const char*> node.name, strlen(<const char*> node.name))
            if found >= 0:
                el = elementFactory(root._doc, node)
                (<list> tag_lists[found]).append(el)
        if itemprops is not None and _find_attr(node, "itemprop") is not NULL:
            if el is None:
                el = elementFactory(root._doc, node)
            itemprops.append(el)
        attr = _find_attr(node, "class")
        if attr is not NULL:
            value = NULL
            if attr.children is not NULL and attr.children.next is NULL and _is_text(attr.children):
                value = <const unsigned char*> attr.children.content
            ascii = value is not NULL
            if ascii:
                start = value
                while start[0]:
                    if start[0] >= 128:
                        ascii = False
                        break
                    start += 1
            if ascii:
                while value[0]:
                    while value[0] and _ascii_space(value[0]):
                        value += 1
                    start = value
                    while value[0] and not _ascii_space(value[0]):
                        value += 1
                    if value > start:
                        found = class_set.find(<const char*> start, value - start)
                        if found >= 0:
                            if el is None:
                                el = elementFactory(root._doc, node)
                            (<list> class_lists[found]).append(el)
            else:
                for token in _attr_value(attr).split():
                    matched = classes.get(token)
                    if matched is not None:
                        if el is None:
                            el = elementFactory(root._doc, node)
                        matched.append(el)
        node = next_element(node, top)


cdef bint _in(tree.xmlNode* node, _Names names) noexcept:
    return node.ns is NULL and names.find(<const char*> node.name, strlen(<const char*> node.name)) >= 0


def text_holders(_Element root not None, needles, hidden_parents, inline_tags):
    """``extract.html_parts._publisher_text_xpath``'s XPath, without XPath: the nearest
    non-inline ancestor element of each text node below ``root`` that contains one of
    ``needles`` (and whose parent is not one of ``hidden_parents``), each once, in
    document order."""
    cdef _Names hidden = _Names(hidden_parents)
    cdef _Names inline = _Names(inline_tags)
    cdef _Names keys = _Names(needles)
    cdef Py_ssize_t count = keys.count, i
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlNode* child
    cdef tree.xmlNode* holder
    cdef set wanted = set()
    cdef list out = []
    if top is NULL or top.type != tree.XML_ELEMENT_NODE or count == 0:
        return out
    while node is not NULL:
        if not _in(node, hidden):
            child = node.children
            while child is not NULL:
                if _is_text(child) and child.content is not NULL:
                    for i in range(count):
                        if strstr(<const char*> child.content, keys.names[i]) is not NULL:
                            holder = node
                            while holder is not NULL and holder.type == tree.XML_ELEMENT_NODE \
                                    and _in(holder, inline):
                                holder = holder.parent
                            if holder is not NULL and holder.type == tree.XML_ELEMENT_NODE:
                                wanted.add(<size_t> holder)
                            break
                child = child.next
        node = next_element(node, top)
    if not wanted:
        return out
    # The holders may lie above root (ancestor::*): walk from the top of the document.
    node = top
    while node.parent is not NULL and node.parent.type == tree.XML_ELEMENT_NODE:
        node = node.parent
    top = node
    while node is not NULL:
        if <size_t> node in wanted:
            out.append(elementFactory(root._doc, node))
            if len(out) == len(wanted):
                break
        node = next_element(node, top)
    return out


cdef void _collect(tree.xmlNode* top, bytearray buffer) except *:
    """The content of every text node below ``top`` in document order (not its tail)."""
    cdef tree.xmlNode* node = top.children
    cdef const char* content
    while node is not NULL:
        if _is_text(node):
            content = <const char*> node.content
            if content is not NULL:
                buffer += content[:strlen(content)]
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


def marked(_Element container not None, role):
    """``extract.html_images._marked`` below ``container``: its first ``<img>``, its first
    element whose class ``role(class)`` calls a credit (1) and its first a caption (2)
    or ``<figcaption>``."""
    cdef tree.xmlNode* top = container._c_node
    cdef tree.xmlNode* node
    cdef tree.xmlNode* img = NULL
    cdef tree.xmlNode* credit = NULL
    cdef tree.xmlNode* caption = NULL
    cdef tree.xmlAttr* attr
    cdef int kind
    cdef object cls
    if _named(top, "img"):
        return container, None, None
    node = next_element(top, top)
    while node is not NULL:
        if img is NULL and _named(node, "img"):
            img = node
        kind = 0
        attr = _find_attr(node, "class")
        if attr is not NULL:
            cls = _attr_value(attr)
            if cls:
                kind = role(cls)
        if kind == 1:
            if credit is NULL:
                credit = node
        elif caption is NULL and (kind == 2 or _named(node, "figcaption")):
            caption = node
        node = next_element(node, top)
    return (elementFactory(container._doc, img) if img is not NULL else None,
            elementFactory(container._doc, credit) if credit is not NULL else None,
            elementFactory(container._doc, caption) if caption is not NULL else None)


cdef inline bint _is_element(tree.xmlNode* node) noexcept:
    return node is not NULL and node.type == tree.XML_ELEMENT_NODE


def template_paragraphs(blocks, sections):
    """``extract.html_body``'s template reading: the ``<p>`` elements of the text
    ``blocks`` that lie inside one of ``sections`` and inside no other block, in the
    blocks' order (a block's lone ``<p>`` child, else every ``<p>`` in it)."""
    cdef set inside = set()
    cdef set is_block = set()
    cdef list out = []
    cdef _Element el
    cdef tree.xmlNode* parent
    cdef tree.xmlNode* child
    cdef tree.xmlNode* only
    cdef tree.xmlNode* node
    cdef int children
    for el in sections:
        inside.add(<size_t> el._c_node)
    for el in blocks:
        is_block.add(<size_t> el._c_node)
    for el in blocks:
        parent = el._c_node.parent
        while _is_element(parent) and <size_t> parent not in inside:
            if <size_t> parent in is_block:
                break
            parent = parent.parent
        if not (_is_element(parent) and <size_t> parent in inside):
            continue
        children = 0
        only = NULL
        child = el._c_node.children
        while child is not NULL:
            if child.type == tree.XML_ELEMENT_NODE or child.type == tree.XML_COMMENT_NODE \
                    or child.type == tree.XML_PI_NODE or child.type == tree.XML_ENTITY_REF_NODE:
                children += 1
                if children == 1:
                    only = child
            child = child.next
        if children == 1 and _named(only, "p"):
            out.append(elementFactory(el._doc, only))
            continue
        node = el._c_node
        while node is not NULL:
            if _named(node, "p"):
                out.append(elementFactory(el._doc, node))
            node = next_element(node, el._c_node)
    return out


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
        if not text.isascii():
            return None
    for text in texts:
        if not _ascii_clean(<const unsigned char*> PyUnicode_DATA(text), len(text)):
            return False
    return True


def count_spaces(list texts not None):
    """``sum(t.count(" ") for t in texts)``."""
    cdef str text
    cdef Py_ssize_t total = 0, i, n
    cdef const unsigned char* p
    for text in texts:
        if PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND:
            total += text.count(" ")
            continue
        p = <const unsigned char*> PyUnicode_DATA(text)
        n = len(text)
        for i in range(n):
            total += p[i] == 32
    return total


def image_ancestry(list containers not None, scope, list skipped not None, furniture, href_ok):
    """``extract.html_images``'s ancestor tests, one code per container: -1 when it holds
    one of the ``skipped`` elements (the byline) or is one, is or stands in furniture
    (``furniture`` tag names), is a block inside a ``<figure>``, sits in a link that
    ``href_ok(href)`` refuses or in a list item before reaching ``scope``; else 1 when
    it lies inside ``scope`` (or ``scope`` is None), 0 when not."""
    cdef _Names furniture_set = _Names(furniture)
    cdef set skipped_nodes = set(), holding = set()
    cdef list out = []
    cdef _Element el
    cdef tree.xmlNode* node
    cdef tree.xmlNode* ancestor
    cdef tree.xmlNode* scope_node = NULL
    cdef bint in_scope, is_block, refused
    cdef object href
    if scope is not None:
        scope_node = (<_Element?> scope)._c_node
    for el in skipped:
        skipped_nodes.add(<size_t> el._c_node)
        ancestor = el._c_node.parent
        while _is_element(ancestor):
            holding.add(<size_t> ancestor)
            ancestor = ancestor.parent
    for el in containers:
        node = el._c_node
        if <size_t> node in holding or _in(node, furniture_set) or <size_t> node in skipped_nodes:
            out.append(-1)
            continue
        in_scope = scope_node is NULL
        is_block = not _named(node, "figure")
        refused = False
        ancestor = node.parent
        while _is_element(ancestor):
            if _in(ancestor, furniture_set) or (is_block and _named(ancestor, "figure")) \
                    or <size_t> ancestor in skipped_nodes:
                refused = True
                break
            if _named(ancestor, "a"):
                href = _attribute(ancestor, "href")
                if not href_ok(href):
                    refused = True
                    break
            if _named(ancestor, "li") and not in_scope:
                refused = True
                break
            if ancestor == scope_node:
                in_scope = True
            ancestor = ancestor.parent
        out.append(-1 if refused else (1 if in_scope else 0))
    return out


cdef object _attribute(tree.xmlNode* node, const char* name):
    """``el.get(name)`` for an attribute without a namespace: its value or None."""
    cdef tree.xmlAttr* attr = _find_attr(node, name)
    return _attr_value(attr) if attr is not NULL else None



def clean(text):
    """``extract.assemble.clean_pure``: NFC, white space collapsed to single spaces,
    stripped; ``None`` for nothing left. ASCII text (nearly all) is tested and, when
    needed, collapsed in one C pass."""
    cdef Py_ssize_t n, i, size
    cdef const unsigned char* p
    cdef unsigned char c, previous
    cdef bytearray out
    cdef bint space
    if text is None:
        return None
    if not (<str?> text).isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        return " ".join(text.split()) or None
    n = len(text)
    if n == 0:
        return None
    p = <const unsigned char*> PyUnicode_DATA(text)
    previous = 32  # a leading space is not clean
    for i in range(n):
        c = p[i]
        if c < 32 or c == 127 or (c == 32 and previous == 32):
            break
        previous = c
    else:
        if previous != 32:
            return text
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
