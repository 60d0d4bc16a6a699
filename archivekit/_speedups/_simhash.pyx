# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The simhash of :func:`archivekit.fingerprint.simhash`, same definition, in C.

Charikar simhash over word 3-shingles: the text is joined, case-folded as the pure
function does it (``lower()`` for ASCII, NFC then ``casefold()`` otherwise: Python's own
methods, called once per article), split on what ``str.split()`` takes for white space
(``Py_UNICODE_ISSPACE``), each distinct word hashed with blake2b (24 bytes = three 64-bit
lanes, little-endian), a shingle's hash ``h1(w[i]) ^ h2(w[i+1]) ^ h3(w[i+2])``, and each
of the 64 bits set where more than half the shingles have it.

What is in C: the word scan over the string's own buffer (no word objects; ASCII
paragraphs are lowered, split and hashed in one pass each, without the join), a hash
table of the words seen so far (keyed by the word's code units; a miss hashes the word's
UTF-8 with blake2b, in C, the same bytes as hashlib's: an ASCII word's lowered bytes
straight from the table's key, any other word's str encoded), and the bit vote
(eight byte-wide counters a shingle, through a 256-entry table), shingle by shingle as
the words come.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

import unicodedata

cdef extern from "Python.h":
    ctypedef unsigned int Py_UCS4
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    bint PyUnicode_IS_ASCII(object)
    bint Py_UNICODE_ISSPACE(Py_UCS4)
    object PyUnicode_Substring(object, Py_ssize_t, Py_ssize_t)

# The pure function's cache is cleared at this many words; so is this one (the result
# never depends on the cache). The key arena is also bounded, for pages of huge words.
cdef Py_ssize_t LIMIT = 500_000
cdef size_t ARENA_LIMIT = 64 * 1024 * 1024

cdef struct Entry:
    uint64_t key_hash      # 0 = empty slot
    size_t key_offset      # into the arena
    size_t key_size        # in bytes
    uint32_t kind          # 1, 2 or 4 bytes a code unit
    uint64_t lanes[3]

cdef Entry* _table = NULL
cdef size_t _capacity = 0      # a power of two
cdef Py_ssize_t _count = 0
cdef char* _arena = NULL
cdef size_t _arena_size = 0
cdef size_t _arena_capacity = 0
cdef uint64_t _spread[256]     # byte -> its 8 bits, one a byte of a uint64
cdef uint64_t _empty_lanes[3]  # the lanes of the empty word (padding of short texts)
cdef uint8_t _lower[256]       # ASCII byte -> its lower case
cdef uint8_t _ascii_space[256] # 1 where str.split() splits an ASCII text


cdef inline uint64_t _read_le64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    for i in range(7, -1, -1):
        v = (v << 8) | p[i]
    return v


# BLAKE2b (RFC 7693) with a 24-byte digest, no key: the same bytes as
# hashlib.blake2b(data, digest_size=24), computed here because a new word's hash through
# hashlib (a state copied, updated, digested: three method calls and two objects) cost
# ~20 times the hashing itself. Its first three little-endian words are the lanes.
cdef uint64_t[8] _BLAKE_IV = [
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
    0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL]
cdef uint8_t[12][16] _BLAKE_SIGMA = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]]


cdef inline uint64_t _rotr(uint64_t x, int n) noexcept nogil:
    return (x >> n) | (x << (64 - n))


cdef inline void _g(uint64_t* v, int a, int b, int c, int d, uint64_t x, uint64_t y) noexcept nogil:
    v[a] = v[a] + v[b] + x
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = v[a] + v[b] + y
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 63)


cdef void _blake_compress(uint64_t* h, const uint8_t* block, uint64_t counter,
                          bint last) noexcept nogil:
    cdef uint64_t v[16]
    cdef uint64_t m[16]
    cdef const uint8_t* s
    cdef int i
    for i in range(16):
        m[i] = _read_le64(block + 8 * i)
    for i in range(8):
        v[i] = h[i]
        v[i + 8] = _BLAKE_IV[i]
    v[12] ^= counter  # the byte counter's high word stays 0: no word is 2**64 bytes
    if last:
        v[14] = ~v[14]
    for i in range(12):
        s = _BLAKE_SIGMA[i]
        _g(v, 0, 4, 8, 12, m[s[0]], m[s[1]])
        _g(v, 1, 5, 9, 13, m[s[2]], m[s[3]])
        _g(v, 2, 6, 10, 14, m[s[4]], m[s[5]])
        _g(v, 3, 7, 11, 15, m[s[6]], m[s[7]])
        _g(v, 0, 5, 10, 15, m[s[8]], m[s[9]])
        _g(v, 1, 6, 11, 12, m[s[10]], m[s[11]])
        _g(v, 2, 7, 8, 13, m[s[12]], m[s[13]])
        _g(v, 3, 4, 9, 14, m[s[14]], m[s[15]])
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


cdef void _blake_lanes(const uint8_t* data, size_t size, uint64_t* out) noexcept nogil:
    """The lanes of blake2b(data, digest_size=24)."""
    cdef uint64_t h[8]
    cdef uint8_t block[128]
    cdef uint64_t counter = 0
    cdef int i
    for i in range(8):
        h[i] = _BLAKE_IV[i]
    h[0] ^= 0x01010000ULL ^ 24  # fanout 1, depth 1, no key, 24-byte digest
    while size > 128:
        counter += 128
        _blake_compress(h, data, counter, False)
        data += 128
        size -= 128
    memset(block, 0, 128)
    memcpy(block, data, size)
    counter += size
    _blake_compress(h, block, counter, True)
    out[0] = h[0]
    out[1] = h[1]
    out[2] = h[2]


cdef void _word_lanes(str word, uint64_t* out) except *:
    cdef bytes data = word.encode("utf-8", "surrogatepass")
    _blake_lanes(<const uint8_t*> (<char*> data), len(data), out)


def _lanes_for_tests(bytes data):
    """The three lanes the C blake2b gives ``data`` (tests hold them to hashlib's)."""
    cdef uint64_t out[3]
    _blake_lanes(<const uint8_t*> (<char*> data), len(data), out)
    return out[0], out[1], out[2]


cdef inline uint64_t _mix(uint64_t h) noexcept nogil:
    h ^= h >> 33
    h *= 0xff51afd7ed558ccdULL
    h ^= h >> 33
    return h if h else 1


cdef inline uint64_t _hash_bytes(const uint8_t* p, size_t n, uint32_t kind) noexcept nogil:
    # FNV-1a over the code units' bytes, then a final mix; never 0 (0 marks an empty slot).
    cdef uint64_t h = 0xcbf29ce484222325ULL ^ kind
    cdef size_t i
    for i in range(n):
        h = (h ^ p[i]) * 0x100000001b3ULL
    return _mix(h)


cdef int _reset(size_t capacity) except -1:
    global _table, _capacity, _count, _arena_size
    cdef Entry* table = <Entry*> malloc(capacity * sizeof(Entry))
    if table == NULL:
        raise MemoryError()
    memset(table, 0, capacity * sizeof(Entry))
    free(_table)
    _table = table
    _capacity = capacity
    _count = 0
    _arena_size = 0
    return 0


cdef int _grow() except -1:
    global _table, _capacity
    cdef size_t capacity = _capacity * 2
    cdef Entry* table = <Entry*> malloc(capacity * sizeof(Entry))
    cdef size_t i, slot
    if table == NULL:
        raise MemoryError()
    memset(table, 0, capacity * sizeof(Entry))
    for i in range(_capacity):
        if _table[i].key_hash:
            slot = _table[i].key_hash & (capacity - 1)
            while table[slot].key_hash:
                slot = (slot + 1) & (capacity - 1)
            table[slot] = _table[i]
    free(_table)
    _table = table
    _capacity = capacity
    return 0


cdef int _arena_append(const char* p, size_t n) except -1:
    global _arena, _arena_size, _arena_capacity
    cdef size_t capacity
    cdef char* arena
    if _arena_size + n > _arena_capacity:
        capacity = max(_arena_capacity * 2, _arena_size + n, <size_t> 65536)
        arena = <char*> realloc(_arena, capacity)
        if arena == NULL:
            raise MemoryError()
        _arena = arena
        _arena_capacity = capacity
    memcpy(_arena + _arena_size, p, n)
    _arena_size += n
    return 0


cdef Entry* _find(const char* key, size_t size, uint32_t kind, uint64_t h, bint lowered) noexcept:
    """The entry of this word, or NULL. ``lowered``: ``key`` is ASCII still to be lowered
    (the arena holds words as the table knows them: lowered)."""
    cdef size_t slot = h & (_capacity - 1)
    cdef Entry* entry
    cdef const char* stored
    cdef size_t j
    while _table[slot].key_hash:
        entry = &_table[slot]
        if entry.key_hash == h and entry.key_size == size and entry.kind == kind:
            stored = _arena + entry.key_offset
            if not lowered:
                if memcmp(stored, key, size) == 0:
                    return entry
            else:
                j = 0
                while j < size and stored[j] == <char> _lower[<uint8_t> key[j]]:
                    j += 1
                if j == size:
                    return entry
        slot = (slot + 1) & (_capacity - 1)
    return NULL


cdef const uint64_t* _insert(const char* key, size_t size, uint32_t kind, uint64_t h,
                             bint lowered, str word) except NULL:
    """A new word: its blake2b lanes kept under ``key``: with ``lowered``, of the ASCII key
    lowered (its own UTF-8; ``word`` unused), else of ``word`` (the word's str)."""
    global _count
    cdef size_t slot, j
    cdef Entry* entry
    # Make room first (clearing moves nothing the caller holds: lanes are copied).
    if _count >= LIMIT or _arena_size + size > ARENA_LIMIT:
        _reset(_capacity)
    elif (_count + 1) * 2 > <Py_ssize_t> _capacity:
        _grow()
    slot = h & (_capacity - 1)
    while _table[slot].key_hash:
        slot = (slot + 1) & (_capacity - 1)
    entry = &_table[slot]
    entry.key_offset = _arena_size
    _arena_append(key, size)
    if lowered:
        for j in range(size):
            _arena[entry.key_offset + j] = <char> _lower[<uint8_t> key[j]]
        _blake_lanes(<const uint8_t*> _arena + entry.key_offset, size, entry.lanes)
    else:
        _word_lanes(word, entry.lanes)
    entry.key_size = size
    entry.kind = kind
    entry.key_hash = h
    _count += 1
    return entry.lanes


cdef inline Py_UCS4 _read(const char* data, uint32_t kind, Py_ssize_t i) noexcept nogil:
    if kind == 1:
        return (<const uint8_t*> data)[i]
    if kind == 2:
        return (<const unsigned short*> data)[i]
    return (<const uint32_t*> data)[i]


cdef struct Vote:
    uint64_t last[6]       # the lanes of the two words before (3 each, older first)
    Py_ssize_t words
    Py_ssize_t shingles
    uint64_t acc[8]        # eight byte-wide counters each: bit b's in byte b & 7 of acc[b >> 3]
    int run
    Py_ssize_t counts[64]


cdef inline void _shingle(Vote* v, uint64_t shingle) noexcept:
    cdef int b
    for b in range(8):
        v.acc[b] += _spread[(shingle >> (8 * b)) & 0xFF]
    v.shingles += 1
    v.run += 1
    if v.run == 255:  # a byte counter holds 255 votes
        _flush(v)


cdef void _flush(Vote* v) noexcept:
    cdef int b
    for b in range(64):
        v.counts[b] += (v.acc[b >> 3] >> (8 * (b & 7))) & 0xFF
    memset(v.acc, 0, sizeof(v.acc))
    v.run = 0


cdef inline void _word(Vote* v, const uint64_t* lanes) noexcept:
    """The next word: the shingle it ends (``h1(w[i]) ^ h2(w[i+1]) ^ h3(w[i+2])``)."""
    if v.words >= 2:
        _shingle(v, v.last[0] ^ v.last[4] ^ lanes[2])
    v.last[0] = v.last[3]
    v.last[1] = v.last[4]
    v.last[2] = v.last[5]
    v.last[3] = lanes[0]
    v.last[4] = lanes[1]
    v.last[5] = lanes[2]
    v.words += 1


cdef uint64_t _result(Vote* v) noexcept:
    cdef uint64_t out = 0
    cdef int b
    if v.words == 0:
        return 0
    # Short texts are padded with empty words to three, as in the pure code.
    if v.words == 1:
        _shingle(v, v.last[3] ^ _empty_lanes[1] ^ _empty_lanes[2])
    elif v.words == 2:
        _shingle(v, v.last[0] ^ v.last[4] ^ _empty_lanes[2])
    _flush(v)
    for b in range(64):
        if 2 * v.counts[b] > v.shingles:
            out |= (<uint64_t> 1) << b
    return out


cdef int _scan_text(Vote* v, str text) except -1:
    """Every word of ``text`` (already case-folded), split as str.split() does."""
    cdef uint32_t kind = PyUnicode_KIND(text)
    cdef const char* data = <const char*> PyUnicode_DATA(text)
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t i = 0, start
    cdef const char* key
    cdef size_t size
    cdef uint64_t h
    cdef Entry* entry
    while True:
        while i < length and Py_UNICODE_ISSPACE(_read(data, kind, i)):
            i += 1
        if i >= length:
            return 0
        start = i
        while i < length and not Py_UNICODE_ISSPACE(_read(data, kind, i)):
            i += 1
        key = data + start * kind
        size = (i - start) * kind
        h = _hash_bytes(<const uint8_t*> key, size, kind)
        entry = _find(key, size, kind, h, False)
        if entry is not NULL:
            _word(v, entry.lanes)
        else:
            _word(v, _insert(key, size, kind, h, False, PyUnicode_Substring(text, start, i)))


cdef int _scan_ascii(Vote* v, str text) except -1:
    """The same for an ASCII paragraph not yet lowered: one pass lowers, splits and hashes
    (the hash of the lowered bytes, as _hash_bytes gives it)."""
    cdef const uint8_t* data = <const uint8_t*> PyUnicode_DATA(text)
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t i = 0, start
    cdef uint64_t h
    cdef Entry* entry
    while True:
        while i < length and _ascii_space[data[i]]:
            i += 1
        if i >= length:
            return 0
        start = i
        h = 0xcbf29ce484222325ULL ^ 1
        while i < length and not _ascii_space[data[i]]:
            h = (h ^ _lower[data[i]]) * 0x100000001b3ULL
            i += 1
        h = _mix(h)
        entry = _find(<const char*> data + start, i - start, 1, h, True)
        if entry is not NULL:
            _word(v, entry.lanes)
        else:
            _word(v, _insert(<const char*> data + start, i - start, 1, h, True, None))


cdef bint _all_ascii(list paragraphs):
    for item in paragraphs:
        if type(item) is not str or not PyUnicode_IS_ASCII(item):
            return False
    return True


def simhash(paragraphs, int bits=64):
    """64-bit simhash of the text (word 3-shingles, case-folded); 0 for no text."""
    if bits != 64:
        raise ValueError("only 64-bit simhashes are supported")
    cdef Vote vote
    memset(&vote, 0, sizeof(vote))
    if type(paragraphs) is list and _all_ascii(paragraphs):
        # " ".join then split: the words of each paragraph in turn, lowered as they go.
        for paragraph in paragraphs:
            _scan_ascii(&vote, paragraph)
    else:
        text = " ".join(paragraphs)
        text = text.lower() if text.isascii() else unicodedata.normalize("NFC", text).casefold()
        _scan_text(&vote, text)
    return _result(&vote)


def cache_size():
    """How many words the C cache holds (for tests)."""
    return _count


def set_cache_limit(words, arena_bytes=64 * 1024 * 1024):
    """Bound the cache (for tests: results never depend on it); returns the old bounds."""
    global LIMIT, ARENA_LIMIT
    old = (LIMIT, ARENA_LIMIT)
    if words < 1 or arena_bytes < 1:
        raise ValueError("cache limits must be positive")
    LIMIT, ARENA_LIMIT = words, arena_bytes
    _reset(_capacity)
    return old


def _init():
    cdef int byte, bit
    for byte in range(256):
        _spread[byte] = 0
        for bit in range(8):
            if byte & (1 << bit):
                _spread[byte] |= (<uint64_t> 1) << (8 * bit)
        _lower[byte] = byte + 32 if 65 <= byte <= 90 else byte
        _ascii_space[byte] = byte < 128 and Py_UNICODE_ISSPACE(byte)
    _word_lanes("", _empty_lanes)
    _reset(4096)


_init()
