/* lp-alloc.so — LD_PRELOAD allocation counter for lp-perfrec.
 *
 * Interposes malloc, calloc, realloc, reallocarray, free, posix_memalign,
 * aligned_alloc, memalign, valloc and pvalloc; forwards each to the next
 * definition (dlsym RTLD_NEXT) and counts calls, requested bytes, size
 * classes and live/peak usable bytes into the shared page named by
 * LP_ALLOC_SHM (layout in ../allocshm.h).  No page named, or not mappable:
 * it forwards and counts nothing (lp-perfrec sees loaded == 0).
 *
 * Hazards handled:
 *  - dlsym allocates (dlerror state): while this thread resolves the real
 *    functions, requests are served from a static arena; free() and
 *    realloc() recognise arena pointers.
 *  - recursion (an allocator calling malloc inside malloc): a thread-local
 *    depth counts the outermost call only.
 *  - threads and forks: counters are atomics in a MAP_SHARED page. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../allocshm.h"

#define EXPORT __attribute__((visibility("default")))

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void *(*reallocarray_fn)(void *, size_t, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);
typedef void *(*valloc_fn)(size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static reallocarray_fn real_reallocarray;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_fn real_aligned_alloc, real_memalign;
static valloc_fn real_valloc, real_pvalloc;

static __thread int resolving __attribute__((tls_model("initial-exec")));
static __thread int depth __attribute__((tls_model("initial-exec")));

/* Static arena for dlsym's own requests: 16-byte aligned, never freed. */
static unsigned char arena[65536] __attribute__((aligned(16)));
static size_t arena_used;

static struct lpa_shm *shm;
static int shm_state; /* 0 untried, 1 trying, 2 done */

static int
in_arena(const void *p)
{
	return (const unsigned char *)p >= arena &&
	    (const unsigned char *)p < arena + sizeof arena;
}

static void *
arena_alloc(size_t n)
{
	size_t need = (n + 15 + 16) & ~(size_t)15, off;
	unsigned char *p;

	off = __atomic_fetch_add(&arena_used, need, __ATOMIC_RELAXED);
	if (off + need > sizeof arena)
		return NULL;
	p = arena + off;
	memcpy(p, &n, sizeof n); /* size header for realloc */
	if (shm)
		__atomic_fetch_add(&shm->bootstrap_allocs, 1, __ATOMIC_RELAXED);
	return p + 16;
}

static void
resolve(void)
{
	resolving++;
	real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
	real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
	real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
	real_reallocarray = (reallocarray_fn)dlsym(RTLD_NEXT, "reallocarray");
	real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
	real_aligned_alloc = (aligned_fn)dlsym(RTLD_NEXT, "aligned_alloc");
	real_memalign = (aligned_fn)dlsym(RTLD_NEXT, "memalign");
	real_valloc = (valloc_fn)dlsym(RTLD_NEXT, "valloc");
	real_pvalloc = (valloc_fn)dlsym(RTLD_NEXT, "pvalloc");
	real_free = (free_fn)dlsym(RTLD_NEXT, "free");
	resolving--;
}

static void
shm_map(void)
{
	int expect = 0;
	const char *path;
	int fd;
	void *p;

	if (__atomic_load_n(&shm_state, __ATOMIC_ACQUIRE) == 2)
		return;
	if (!__atomic_compare_exchange_n(&shm_state, &expect, 1, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread maps it right now (no allocation involved). */
		while (__atomic_load_n(&shm_state, __ATOMIC_ACQUIRE) != 2)
			;
		return;
	}
	path = getenv("LP_ALLOC_SHM");
	if (path != NULL && (fd = open(path, O_RDWR | O_CLOEXEC)) >= 0) {
		p = mmap(NULL, sizeof(struct lpa_shm), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		close(fd);
		if (p != MAP_FAILED && ((struct lpa_shm *)p)->magic == LPA_MAGIC) {
			__atomic_fetch_add(&((struct lpa_shm *)p)->loaded, 1,
			    __ATOMIC_RELAXED);
			__atomic_store_n(&shm, (struct lpa_shm *)p, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&shm_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void
lpa_init(void)
{
	shm_map();
	if (real_malloc == NULL)
		resolve();
}

static int
ready(void)
{
	if (real_free == NULL && !resolving)
		resolve();
	if (shm_state != 2)
		shm_map();
	return real_free != NULL;
}

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static void
live(int64_t delta)
{
	int64_t now = __atomic_add_fetch(&shm->live_bytes, delta, __ATOMIC_RELAXED);
	int64_t peak = __atomic_load_n(&shm->peak_live_bytes, __ATOMIC_RELAXED);

	while (now > peak && !__atomic_compare_exchange_n(&shm->peak_live_bytes,
	    &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Count one outermost call; p is the new block (NULL: failed). */
static void
count_alloc(enum lpa_fn fn, size_t n, void *p, void *old, size_t old_usable)
{
	if (shm == NULL || depth > 1)
		return;
	add(&shm->calls[fn], 1);
	if (old != NULL)
		live(-(int64_t)old_usable);
	if (p == NULL) {
		if (n != 0)
			add(&shm->failed, 1);
		return;
	}
	add(&shm->bytes, n);
	add(&shm->classes[n < LPA_SMALL_MAX ? LPA_SMALL :
	    n < LPA_MEDIUM_MAX ? LPA_MEDIUM : LPA_LARGE], 1);
	live((int64_t)malloc_usable_size(p));
}

EXPORT void *
malloc(size_t n)
{
	void *p;

	if (resolving || !ready())
		return arena_alloc(n);
	depth++;
	p = real_malloc(n);
	count_alloc(LPA_MALLOC, n, p, NULL, 0);
	depth--;
	return p;
}

EXPORT void *
calloc(size_t nmemb, size_t size)
{
	void *p;
	size_t n;

	if (__builtin_mul_overflow(nmemb, size, &n))
		n = SIZE_MAX;
	if (resolving || !ready()) {
		p = n == SIZE_MAX ? NULL : arena_alloc(n);
		if (p)
			memset(p, 0, n);
		return p;
	}
	depth++;
	p = real_calloc(nmemb, size);
	count_alloc(LPA_CALLOC, n, p, NULL, 0);
	depth--;
	return p;
}

static void *
from_arena_realloc(void *old, size_t n)
{
	size_t oldn;
	void *p;

	memcpy(&oldn, (unsigned char *)old - 16, sizeof oldn);
	p = malloc(n);
	if (p != NULL)
		memcpy(p, old, oldn < n ? oldn : n);
	return p;
}

EXPORT void *
realloc(void *old, size_t n)
{
	void *p;
	size_t ou;

	if (old != NULL && in_arena(old))
		return from_arena_realloc(old, n);
	if (resolving || !ready())
		return arena_alloc(n);
	depth++;
	ou = old != NULL && depth == 1 ? malloc_usable_size(old) : 0;
	p = real_realloc(old, n);
	/* realloc(p, 0) frees and returns NULL: not a failure. */
	if (p == NULL && n != 0 && old != NULL) {
		count_alloc(LPA_REALLOC, n, NULL, NULL, 0); /* old block kept */
	} else {
		count_alloc(LPA_REALLOC, n, p, old, ou);
	}
	depth--;
	return p;
}

EXPORT void *
reallocarray(void *old, size_t nmemb, size_t size)
{
	void *p;
	size_t n, ou;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (old != NULL && in_arena(old))
		return from_arena_realloc(old, n);
	if (resolving || !ready())
		return arena_alloc(n);
	depth++;
	ou = old != NULL && depth == 1 ? malloc_usable_size(old) : 0;
	p = real_reallocarray(old, nmemb, size);
	if (p == NULL && n != 0 && old != NULL)
		count_alloc(LPA_REALLOCARRAY, n, NULL, NULL, 0);
	else
		count_alloc(LPA_REALLOCARRAY, n, p, old, ou);
	depth--;
	return p;
}

EXPORT void
free(void *p)
{
	if (p != NULL && in_arena(p))
		return;
	if (resolving || !ready())
		return; /* cannot happen after the constructor; leak, never crash */
	depth++;
	if (shm != NULL && depth == 1) {
		add(&shm->calls[LPA_FREE], 1);
		if (p != NULL)
			live(-(int64_t)malloc_usable_size(p));
	}
	real_free(p);
	depth--;
}

EXPORT int
posix_memalign(void **out, size_t align, size_t n)
{
	int r;

	if (resolving || !ready())
		return ENOMEM;
	depth++;
	r = real_posix_memalign(out, align, n);
	count_alloc(LPA_POSIX_MEMALIGN, n, r == 0 ? *out : NULL, NULL, 0);
	depth--;
	return r;
}

static void *
aligned(enum lpa_fn fn, aligned_fn *real, size_t align, size_t n)
{
	void *p;

	if (resolving || !ready())
		return NULL;
	depth++;
	p = (*real)(align, n);
	count_alloc(fn, n, p, NULL, 0);
	depth--;
	return p;
}

EXPORT void *
aligned_alloc(size_t align, size_t n)
{
	return aligned(LPA_ALIGNED_ALLOC, &real_aligned_alloc, align, n);
}

EXPORT void *
memalign(size_t align, size_t n)
{
	return aligned(LPA_MEMALIGN, &real_memalign, align, n);
}

static void *
paged(enum lpa_fn fn, valloc_fn *real, size_t n)
{
	void *p;

	if (resolving || !ready())
		return NULL;
	depth++;
	p = (*real)(n);
	count_alloc(fn, n, p, NULL, 0);
	depth--;
	return p;
}

EXPORT void *
valloc(size_t n)
{
	return paged(LPA_VALLOC, &real_valloc, n);
}

EXPORT void *
pvalloc(size_t n)
{
	return paged(LPA_PVALLOC, &real_pvalloc, n);
}
