# The walk both compiled modules share (cimported; inline, so each module gets its copy).
from lxml.includes cimport tree


cdef inline tree.xmlNode* next_element(tree.xmlNode* node, tree.xmlNode* top) noexcept:
    """The element after ``node`` in document order within ``top``'s subtree, or NULL."""
    cdef tree.xmlNode* child
    if node.type == tree.XML_ELEMENT_NODE:
        child = node.children
        while child is not NULL:
            if child.type == tree.XML_ELEMENT_NODE:
                return child
            child = child.next
    while node is not top:
        child = node.next
        while child is not NULL:
            if child.type == tree.XML_ELEMENT_NODE:
                return child
            child = child.next
        node = node.parent
        if node is NULL:
            return NULL
    return NULL
