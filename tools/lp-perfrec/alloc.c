/* lp-perfrec: the allocation shim's shared page — create it per cold
 * start, snapshot it at phase boundaries, fold the deltas. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lputil.h"
#include "perfrec.h"

/* $LP_ALLOC_SO, else <exe>/../lib/lp-alloc.so, else the release build's
 * next to an ASan build (build/asan/bin -> build/lib). */
const char *
alloc_shim_path(void)
{
	static char *path;
	const char *env = getenv("LP_ALLOC_SO");
	char *p;

	if (path != NULL)
		return path;
	if (env != NULL && *env) {
		path = lp_xstrdup(env);
		return path;
	}
	p = lp_xasprintf("%s/../lib/lp-alloc.so", lp_exe_dir());
	if (access(p, R_OK) != 0) {
		char *q = lp_xasprintf("%s/../../lib/lp-alloc.so", lp_exe_dir());
		if (access(q, R_OK) == 0) {
			free(p);
			p = q;
		} else {
			free(q);
		}
	}
	path = p;
	return path;
}

/* A static executable has no PT_INTERP: ld.so never runs, LD_PRELOAD is
 * ignored. */
const char *
alloc_static_reason(const char *target)
{
	char *boot = NULL;
	int fd;
	Elf *e = NULL;
	size_t n, i;
	const char *why = "static executable (no PT_INTERP): LD_PRELOAD cannot load the allocation shim";
	unsigned char magic[4];

	boot = lp_xasprintf("%s/bootstrap", target);
	fd = open(boot, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		fd = open(target, O_RDONLY | O_CLOEXEC);
	free(boot);
	if (fd == -1)
		return NULL; /* the cold start reports it */
	if (pread(fd, magic, 4, 0) != 4 || memcmp(magic, ELFMAG, 4) != 0) {
		close(fd);
		return NULL; /* a script: its interpreter is dynamic */
	}
	(void)elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e != NULL && elf_getphdrnum(e, &n) == 0) {
		for (i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) != NULL && ph.p_type == PT_INTERP) {
				why = NULL;
				break;
			}
		}
	} else {
		why = NULL;
	}
	if (e != NULL)
		elf_end(e);
	close(fd);
	return why;
}

int
alloc_shm_create(struct run *r, unsigned long n, char *why, size_t whylen)
{
	int fd;
	void *p;

	snprintf(r->shm_path, sizeof r->shm_path, "/dev/shm/lp-alloc.%d.%lu",
	    (int)getpid(), n);
	fd = open(r->shm_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(why, whylen, "%s: %s", r->shm_path, strerror(errno));
		r->shm_path[0] = '\0';
		return -1;
	}
	if (ftruncate(fd, sizeof(struct lpa_shm)) == -1) {
		snprintf(why, whylen, "ftruncate %s: %s", r->shm_path, strerror(errno));
		close(fd);
		return -1;
	}
	p = mmap(NULL, sizeof(struct lpa_shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(why, whylen, "mmap %s: %s", r->shm_path, strerror(errno));
		return -1;
	}
	r->shm = p;
	r->shm->magic = LPA_MAGIC;
	return 0;
}

void
alloc_snapshot(struct run *r, int phase)
{
	if (r->shm == NULL)
		return;
	r->snap[phase].valid = 1;
	r->snap[phase].v = *r->shm; /* the runtime waits on /next: quiet */
	/* the next phase's peak starts from what is live now */
	__atomic_store_n(&r->shm->peak_live_bytes,
	    __atomic_load_n(&r->shm->live_bytes, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}

void
alloc_fold(struct run *r, struct agg *a)
{
	const struct lpa_shm *prev = NULL;
	int ph, k;

	if (r->shm == NULL)
		return;
	if (r->snap[PH_INIT].valid && r->snap[PH_INIT].v.loaded == 0 &&
	    r->shm->loaded == 0) {
		a->alloc_not_loaded++;
		return;
	}
	for (ph = 0; ph < PH_N; ph++) {
		const struct lpa_shm *s = &r->snap[ph].v;
		if (!r->snap[ph].valid)
			break;
		a->alloc_starts[ph]++;
		for (k = 0; k < LPA_NFN; k++)
			a->alloc_calls[ph][k] += s->calls[k] - (prev ? prev->calls[k] : 0);
		for (k = 0; k < LPA_NCLASS; k++)
			a->alloc_class[ph][k] += s->classes[k] - (prev ? prev->classes[k] : 0);
		a->alloc_failed[ph] += s->failed - (prev ? prev->failed : 0);
		a->alloc_bytes[ph] += s->bytes - (prev ? prev->bytes : 0);
		if (s->peak_live_bytes > a->alloc_peak[ph])
			a->alloc_peak[ph] = s->peak_live_bytes;
		prev = s;
	}
}

void
alloc_shm_destroy(struct run *r)
{
	if (r->shm != NULL)
		(void)munmap(r->shm, sizeof *r->shm);
	r->shm = NULL;
	if (r->shm_path[0] != '\0' && unlink(r->shm_path) != 0 && errno != ENOENT)
		lp_warn("unlink %s", r->shm_path);
	r->shm_path[0] = '\0';
}
