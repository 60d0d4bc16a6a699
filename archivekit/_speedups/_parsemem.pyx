# cython: language_level=3
"""A free list for libxml2's small blocks while archivekit parses and frees its own pages.

Freeing a page's tree hands glibc thousands of small blocks (nodes, attributes, text):
past its per-thread cache of 7 a size they go to the fast bins, which the next large
request (the next page's bytes, its parse buffers) first merges back, one by one, and the
next parse then carves every node out of the merged space again. Kept on a free list of
their own and handed back to the next parse as they are, the same blocks cost neither
(``check`` ~12% less CPU a page; docs/building.md).

libxml2 takes its allocator through ``xmlMemSetup``, once for the process. The functions
installed here keep blocks only inside a *scope* (:func:`begin` .. :func:`end`, per
thread): archivekit opens one around its own parse and the tree's free, and any other
libxml2 use in the process (another library's lxml parses, another thread's) goes
straight to glibc as before. Every block stays a block of glibc's ``malloc``: one on the
list is, to glibc, still in use, so a block freed by ``free`` or by these functions,
in or out of a scope, installed before or after it was allocated, is always freed right.
A block is filed under the size class ``malloc_usable_size`` gives it (rounded down)
and handed out for requests of that class (rounded up), so it is always big enough.
The list holds at most ``BUDGET`` bytes a thread and is freed when the thread ends.
"""

from libc.stdint cimport uintptr_t

cdef extern from *:
    """
    #include <stdlib.h>
    #include <string.h>
    #include <malloc.h>
    #include <pthread.h>

    #define AK_CLASSES 128                /* glibc chunk sizes 16..2048 by 16 */
    #define AK_BUDGET ((size_t)4 << 20)   /* bytes kept a thread */

    typedef void (*ak_free_f)(void *);
    typedef void *(*ak_malloc_f)(size_t);
    typedef void *(*ak_realloc_f)(void *, size_t);
    typedef char *(*ak_strdup_f)(const char *);
    typedef int (*ak_setup_f)(ak_free_f, ak_malloc_f, ak_realloc_f, ak_strdup_f);
    typedef int (*ak_get_f)(ak_free_f *, ak_malloc_f *, ak_realloc_f *, ak_strdup_f *);

    typedef struct {
        void *head[AK_CLASSES];
        size_t bytes;
        int depth;
    } ak_list;

    /* This thread's list, made by its first scope. Initial-exec: one load from the thread
       pointer on every malloc and free (no __tls_get_addr); 8 bytes of the static TLS
       that glibc keeps for modules loaded later (where it has none left, this module
       does not import and archivekit parses without the list). */
    static __thread ak_list *ak_mine __attribute__((tls_model("initial-exec")));
    static pthread_key_t ak_key;
    static int ak_installed = 0;

    static void ak_drain(ak_list *list) {
        for (int k = 0; k < AK_CLASSES; k++) {
            void *p = list->head[k];
            while (p) { void *next = *(void **)p; free(p); p = next; }
            list->head[k] = NULL;
        }
        list->bytes = 0;
    }

    static void ak_thread_end(void *list) {
        ak_mine = NULL;  /* later frees on this thread go to glibc */
        ak_drain((ak_list *)list);
        free(list);
    }

    static void ak_free(void *p) {
        ak_list *list = ak_mine;
        if (p != NULL && list != NULL && list->depth > 0) {
            size_t k = (malloc_usable_size(p) + 8) >> 4;
            size_t size = k << 4;
            if (k < AK_CLASSES && list->bytes + size <= AK_BUDGET) {
                *(void **)p = list->head[k];
                list->head[k] = p;
                list->bytes += size;
                return;
            }
        }
        free(p);
    }

    static void *ak_malloc(size_t n) {
        ak_list *list = ak_mine;
        if (list != NULL && list->depth > 0) {
            size_t k = (n + 8 + 15) >> 4;
            if (k < AK_CLASSES && list->head[k] != NULL) {
                void *p = list->head[k];
                list->head[k] = *(void **)p;
                list->bytes -= k << 4;
                return p;
            }
        }
        return malloc(n);
    }

    static void *ak_realloc(void *p, size_t n) { return realloc(p, n); }

    static char *ak_strdup(const char *s) {
        size_t n = strlen(s) + 1;
        char *copy = (char *)ak_malloc(n);
        if (copy != NULL) memcpy(copy, s, n);
        return copy;
    }

    /* 1: installed; 0: libxml2 had another allocator than glibc's (left as it was). */
    static int ak_install(uintptr_t setup_addr, uintptr_t get_addr) {
        ak_free_f f; ak_malloc_f m; ak_realloc_f r; ak_strdup_f s;
        if (ak_installed) return 1;
        if (((ak_get_f)get_addr)(&f, &m, &r, &s) != 0) return 0;
        if (f != free || m != malloc || r != realloc) return 0;
        if (pthread_key_create(&ak_key, ak_thread_end) != 0) return 0;
        if (((ak_setup_f)setup_addr)(ak_free, ak_malloc, ak_realloc, ak_strdup) != 0) return 0;
        ak_installed = 1;
        return 1;
    }

    /* 0, or -1 when this thread's list cannot be made (the scope then keeps nothing). */
    static int ak_begin(void) {
        ak_list *list = ak_mine;
        if (list == NULL) {
            if (!ak_installed) return 0;
            list = (ak_list *)calloc(1, sizeof(ak_list));
            if (list == NULL) return -1;
            if (pthread_setspecific(ak_key, list) != 0) { free(list); return -1; }
            ak_mine = list;
        }
        list->depth++;
        return 0;
    }
    static void ak_end(void) { if (ak_mine != NULL && ak_mine->depth > 0) ak_mine->depth--; }
    static size_t ak_bytes(void) { return ak_mine != NULL ? ak_mine->bytes : 0; }
    static void ak_release(void) { if (ak_mine != NULL && ak_mine->depth == 0) ak_drain(ak_mine); }
    """
    int ak_install(uintptr_t setup_addr, uintptr_t get_addr) nogil
    int ak_begin() nogil
    void ak_end() nogil
    size_t ak_bytes() nogil
    void ak_release() nogil


def install(uintptr_t setup_addr, uintptr_t get_addr) -> bool:
    """Install the functions through libxml2's ``xmlMemSetup`` (at ``setup_addr``) when
    ``xmlMemGet`` (at ``get_addr``) shows glibc's own; False leaves libxml2 as it was."""
    return ak_install(setup_addr, get_addr) == 1


def begin() -> None:
    """Open a scope on this thread: libxml2's small blocks freed in it are kept."""
    ak_begin()


def end() -> None:
    """Close the scope :func:`begin` opened (the kept blocks wait for the next one)."""
    ak_end()


def kept_bytes() -> int:
    """Bytes on this thread's free list."""
    return ak_bytes()


def release() -> None:
    """Give this thread's kept blocks back to glibc (outside a scope)."""
    ak_release()


cdef class Scope:
    """``with scope:`` is :func:`begin` .. :func:`end` (re-entrant, per thread)."""

    def __enter__(self):
        ak_begin()
        return self

    def __exit__(self, exc_type, exc, tb):
        ak_end()
        return False
