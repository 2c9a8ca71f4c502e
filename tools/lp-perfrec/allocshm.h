/* allocshm — the shared-memory page the allocation shim (shim/lp-alloc.c)
 * counts into and lp-perfrec reads at phase boundaries.
 *
 * lp-perfrec creates a file in /dev/shm, sized and zeroed, and names it in
 * the child's environment (LP_ALLOC_SHM=/dev/shm/lp-alloc.PID.N, plus
 * LD_PRELOAD=.../lp-alloc.so).  Every process of the tree that loads the
 * shim maps the same page (MAP_SHARED) and adds to it with atomics, so
 * forks, threads and exec'd programs are all counted.  Counters only grow,
 * except live_bytes (up and down) and peak_live_bytes, which lp-perfrec
 * resets to live_bytes at a phase boundary (the runtime is then blocked on
 * /next, so nothing races with it). */
#ifndef ALLOCSHM_H
#define ALLOCSHM_H

#include <stdint.h>

#define LPA_MAGIC 0x4c50414c4c4f4331ULL /* "LPALLOC1" */

enum lpa_fn {
	LPA_MALLOC, LPA_CALLOC, LPA_REALLOC, LPA_REALLOCARRAY, LPA_FREE,
	LPA_POSIX_MEMALIGN, LPA_ALIGNED_ALLOC, LPA_MEMALIGN, LPA_VALLOC,
	LPA_PVALLOC, LPA_NFN
};

/* JSON names, in enum order. */
#define LPA_FN_NAMES { "malloc", "calloc", "realloc", "reallocarray", "free", \
	"posix_memalign", "aligned_alloc", "memalign", "valloc", "pvalloc" }

enum lpa_class { LPA_SMALL, LPA_MEDIUM, LPA_LARGE, LPA_NCLASS };
#define LPA_SMALL_MAX 256        /* small: < 256 B */
#define LPA_MEDIUM_MAX 65536     /* medium: < 64 KB, large: the rest */

struct lpa_shm {
	uint64_t magic;
	uint64_t loaded;             /* processes (images) that mapped the page */
	uint64_t calls[LPA_NFN];
	uint64_t failed;             /* allocating calls that returned NULL/error */
	uint64_t bytes;              /* bytes requested by successful allocations */
	uint64_t classes[LPA_NCLASS];/* successful allocations by requested size */
	int64_t live_bytes;          /* usable bytes currently allocated */
	int64_t peak_live_bytes;
	uint64_t bootstrap_allocs;   /* served from the shim's static arena (dlsym) */
};

#endif
