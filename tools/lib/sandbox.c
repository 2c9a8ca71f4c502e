/* sandbox — see sandbox.h. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lputil.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

void sb_init(struct sb *s)
{
	memset(s, 0, sizeof *s);
	s->pid = -1;
	s->pidfd = -1;
	s->out_fd = -1;
	s->gate_fd = -1;
	s->exec_err_fd = -1;
	s->tree_peak_kb = -1;
	s->cg_peak_fd = -1;
	s->mstat_fd = -1;
}

/* ---- files ---- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)n ? 0 : -1;
}

static long long read_ll(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	long long v;
	int ok = fscanf(f, "%lld", &v) == 1;
	fclose(f);
	return ok ? v : -1;
}

/* "key N" line of a flat-keyed file (memory.events, memory.oom_control). */
static long long read_key(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[256];
	long long v = -1;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0 && (line[kl] == ' ' || line[kl] == '\t')) {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void evict(const char *path, int sync_first)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (sync_first)
		(void)fdatasync(fd); /* dirty pages cannot be dropped */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

static int copy_file(const char *from, const char *to, mode_t mode, int cold, int *nfiles)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		int e = errno;
		close(in);
		errno = e;
		return -1;
	}
	int rc = 0;
	char buf[65536];
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			break;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
			rc = -1;
			break;
		}
		/* fall back to read/write from where we are */
		for (;;) {
			ssize_t r = read(in, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				rc = r < 0 ? -1 : 0;
				break;
			}
			for (ssize_t off = 0; off < r;) {
				ssize_t w = write(out, buf + off, (size_t)(r - off));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					rc = -1;
					break;
				}
				off += w;
			}
			if (rc)
				break;
		}
		break;
	}
	int e = errno;
	if (rc == 0 && cold) {
		if (fdatasync(out) == 0)
			(void)posix_fadvise(out, 0, 0, POSIX_FADV_DONTNEED);
		(void)posix_fadvise(in, 0, 0, POSIX_FADV_DONTNEED);
		(*nfiles)++;
	}
	if (close(out) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	close(in);
	errno = e;
	return rc;
}

static int copy_tree(const char *from, const char *to, int cold, int *nfiles, char *err, size_t errlen)
{
	DIR *d = opendir(from);
	if (!d)
		return fail(err, errlen, "%s: %s", from, strerror(errno));
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *src = lp_xasprintf("%s/%s", from, de->d_name);
		char *dst = lp_xasprintf("%s/%s", to, de->d_name);
		struct stat st;
		if (lstat(src, &st) != 0) {
			rc = fail(err, errlen, "%s: %s", src, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, st.st_mode & 07777) != 0)
				rc = fail(err, errlen, "mkdir %s: %s", dst, strerror(errno));
			else
				rc = copy_tree(src, dst, cold, nfiles, err, errlen);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(src, target, sizeof target - 1);
			if (n < 0)
				rc = fail(err, errlen, "readlink %s: %s", src, strerror(errno));
			else {
				target[n] = '\0';
				if (symlink(target, dst) != 0)
					rc = fail(err, errlen, "symlink %s: %s", dst, strerror(errno));
			}
		} else if (S_ISREG(st.st_mode)) {
			if (copy_file(src, dst, st.st_mode, cold, nfiles) != 0)
				rc = fail(err, errlen, "copy %s -> %s: %s", src, dst, strerror(errno));
		}
		free(src);
		free(dst);
	}
	closedir(d);
	return rc;
}

static int empty_dir(const char *path);

static int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	/* what could not be emptied cannot be removed either */
	if (empty_dir(path) != 0)
		return -1;
	return rmdir(path);
}

/* Remove everything inside path (path stays). */
static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = lp_xasprintf("%s/%s", path, de->d_name);
		if (remove_tree(p) != 0)
			rc = -1;
		free(p);
	}
	closedir(d);
	return rc;
}

/* ---- one mount namespace and task root per run ---- */

int sb_run_begin(struct sb_run *r, const char *src, const char *workdir, int cold_cache, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	char real[PATH_MAX];
	if (geteuid() != 0) {
		snprintf(r->why, sizeof r->why, "not root: a private /tmp per start needs a mount namespace");
		return 0;
	}
	if (!realpath(workdir, real) || strncmp(real, "/tmp/", 5) == 0 || strcmp(real, "/tmp") == 0) {
		snprintf(r->why, sizeof r->why, "workdir %s is under /tmp (a private /tmp would hide it)", workdir);
		return 0;
	}
	if (cold_cache && realpath(src, real) && (strncmp(real, "/tmp/", 5) == 0 || strcmp(real, "/tmp") == 0)) {
		snprintf(r->why, sizeof r->why, "task root %s is under /tmp and copied per start (--cold-cache)", src);
		return 0;
	}
	r->dir = lp_xasprintf("%s/run.XXXXXX", workdir);
	if (!mkdtemp(r->dir)) {
		int e = errno;
		free(r->dir);
		r->dir = NULL;
		errno = e;
		return fail(err, errlen, "mkdtemp in %s: %s", workdir, strerror(errno));
	}
	r->tmpdir = lp_xasprintf("%s/tmp", r->dir);
	if (mkdir(r->tmpdir, 01777) != 0 || chmod(r->tmpdir, 01777) != 0) {
		fail(err, errlen, "mkdir %s: %s", r->tmpdir, strerror(errno));
		sb_run_end(r);
		return -1;
	}
	char *task = NULL;
	if (!cold_cache) {
		/* One copy per run, read-only from here on: Lambda's task root
		 * (/var/task) is read-only, so a function cannot leave anything
		 * in it for the next cold start.  --cold-cache keeps per-start
		 * copies (each is written and evicted before its start). */
		struct stat st;
		int nfiles = 0;
		task = lp_xasprintf("%s/task", r->dir);
		if (stat(src, &st) != 0 || mkdir(task, 0755) != 0) {
			fail(err, errlen, "%s: %s", stat(src, &st) != 0 ? src : task, strerror(errno));
			goto bad;
		}
		if (S_ISDIR(st.st_mode)) {
			if (copy_tree(src, task, 0, &nfiles, err, errlen) != 0)
				goto bad;
		} else {
			char *b = lp_xasprintf("%s/bootstrap", task);
			int rc = copy_file(src, b, st.st_mode | 0500, 0, &nfiles);
			if (rc != 0)
				fail(err, errlen, "copy %s -> %s: %s", src, b, strerror(errno));
			free(b);
			if (rc != 0)
				goto bad;
		}
	}
	/* This process (and every sandbox it forks) gets its own mount
	 * namespace with the run's directory on /tmp: one unshare per run
	 * instead of one per start (a namespace's creation and teardown cost
	 * about 0.35 ms per cold start). */
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		snprintf(r->why, sizeof r->why, "unshare(CLONE_NEWNS): %s", strerror(errno));
		if (task)
			(void)remove_tree(task);
		free(task);
		return 0;
	}
	if (task && (mount(task, task, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, task, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)) {
		fail(err, errlen, "read-only bind mount of %s: %s", task, strerror(errno));
		(void)umount2(task, MNT_DETACH);
		goto bad;
	}
	r->taskroot = task;
	task = NULL;
	if (mount(r->tmpdir, "/tmp", NULL, MS_BIND, NULL) != 0) {
		fail(err, errlen, "bind mount %s on /tmp: %s", r->tmpdir, strerror(errno));
		sb_run_end(r);
		return -1;
	}
	r->ns = 1;
	return 0;
bad:
	if (task) {
		(void)remove_tree(task);
		free(task);
	}
	sb_run_end(r);
	return -1;
}

void sb_run_end(struct sb_run *r)
{
	if (r->ns)
		(void)umount2("/tmp", MNT_DETACH);
	if (r->taskroot) {
		(void)umount2(r->taskroot, MNT_DETACH);
		free(r->taskroot);
	}
	if (r->dir)
		(void)remove_tree(r->dir);
	free(r->dir);
	free(r->tmpdir);
	memset(r, 0, sizeof *r);
}

/* ---- cgroups ---- */

/* Our own path in the v1 hierarchy holding controller ctl ("memory", "cpu"),
 * or in v2 (ctl NULL, the "0::" line). */
static int own_cgroup(const char *ctl, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -1;
	char line[512];
	int found = -1;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctls = c1 + 1;
		if (!ctl) {
			if (strcmp(line, "0") == 0 && *ctls == '\0') {
				snprintf(out, outlen, "%s", c2 + 1);
				found = 0;
			}
			continue;
		}
		char buf[256];
		snprintf(buf, sizeof buf, "%s", ctls);
		for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (strcmp(t, ctl) == 0) {
				snprintf(out, outlen, "%s", c2 + 1);
				found = 0;
			}
	}
	fclose(f);
	return found;
}

static char *v1_dir(const char *ctl, const char *name, char *why, size_t whylen)
{
	char mnt[64], own[400];
	snprintf(mnt, sizeof mnt, "/sys/fs/cgroup/%s", ctl);
	char *probe = lp_xasprintf("%s/tasks", mnt);
	int have = access(probe, F_OK) == 0;
	free(probe);
	if (!have) {
		snprintf(why, whylen, "no cgroup v1 %s controller at %s", ctl, mnt);
		return NULL;
	}
	if (own_cgroup(ctl, own, sizeof own) != 0)
		snprintf(own, sizeof own, "/");
	char *dir = lp_xasprintf("%s%s%s%s", mnt, own, strcmp(own, "/") ? "/" : "", name);
	if (mkdir(dir, 0755) != 0) {
		snprintf(why, whylen, "mkdir %s: %s", dir, strerror(errno));
		free(dir);
		/* retry at the hierarchy root (our own group may not allow children) */
		dir = lp_xasprintf("%s/%s", mnt, name);
		if (mkdir(dir, 0755) != 0) {
			free(dir);
			return NULL;
		}
	}
	return dir;
}

/* ---- the cgroup pool ----
 *
 * Making and removing a memory and a CPU cgroup costs about 1 ms per cold
 * start, and a brand-new memory cgroup makes the function's first page
 * faults slower (inside the measured init).  So an environment's cgroups go
 * back to a per-process pool when it ends, and the next environment with the
 * same memory size takes them.  What keeps the records per cold start:
 *   - the memory peak is reset when the cgroup is taken (v1: write 0 to
 *     memory.max_usage_in_bytes; v2: write to memory.peak, which resets it
 *     for the writing fd, kernels >= 6.12) and the level right after the
 *     reset is subtracted (what the previous environment left charged:
 *     a few hundred kB of kernel memory and per-CPU charge stock);
 *   - a cgroup goes back only when it is empty (no task), was not
 *     OOM-killed, and its usage after the environment's files were removed
 *     is under 4 MB (anything bigger, e.g. page cache the function was the
 *     first to read, would count against the next one's limit): else it is
 *     removed as before;
 *   - the CPU quota is written again when taken, which refills the CFS
 *     bandwidth of the period (the previous environment's use of its
 *     quota does not throttle the next one);
 *   - the OOM-kill count is read relative to the count when taken.
 * The pool is emptied (rmdir) by sb_pool_drain, at exit (atexit) and by
 * callers before they re-raise a fatal signal. */
#define POOL_MAX_IDLE 8
#define POOL_MAX_LEFT (4ll << 20)

struct cg_slot {
	char *mem, *cpu;
	int v2;
	long memory_mb;
	struct cg_slot *next;
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cg_slot *pool_head;
static int pool_closed;     /* draining at exit: ends go straight to rmdir */
static pid_t pool_pid;      /* the process whose pool it is (not a child) */
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void rm_cgroup_dir(const char *dir)
{
	/* tasks are gone; a removal that still fails is left to the caller's
	 * cleanup (the kernel keeps a busy cgroup) */
	uint64_t deadline = lp_now_ns() + 2000000000ull;
	while (rmdir(dir) != 0 && errno == EBUSY && lp_now_ns() < deadline)
		(void)poll(NULL, 0, 1); /* a wait with a deadline, for the kernel */
}

void sb_pool_drain(void)
{
	if (pool_pid != getpid())
		return; /* a forked child: the pool is its parent's */
	pthread_mutex_lock(&pool_mu);
	struct cg_slot *l = pool_head;
	pool_head = NULL;
	pool_closed = 1;
	pthread_mutex_unlock(&pool_mu);
	while (l) {
		struct cg_slot *n = l->next;
		if (l->mem)
			rm_cgroup_dir(l->mem);
		if (l->cpu)
			rm_cgroup_dir(l->cpu);
		free(l->mem);
		free(l->cpu);
		free(l);
		l = n;
	}
}

static void pool_atexit(void)
{
	if (atexit(sb_pool_drain) != 0)
		pool_closed = 1; /* no pool without a cleanup */
}

static int pool_take(struct sb *s, long memory_mb, int v2)
{
	pthread_mutex_lock(&pool_mu);
	struct cg_slot **pp = &pool_head, *got = NULL;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->memory_mb == memory_mb && (*pp)->v2 == v2) {
			got = *pp;
			*pp = got->next;
			break;
		}
	pthread_mutex_unlock(&pool_mu);
	if (!got)
		return 0;
	s->cg_mem = got->mem;
	s->cg_cpu = got->cpu;
	s->cg_v2 = got->v2;
	free(got);
	return 1;
}

/* 1 when no task is left in dir (cgroup.procs empty). */
static int cg_empty(const char *dir)
{
	char *p = lp_xasprintf("%s/cgroup.procs", dir);
	FILE *f = fopen(p, "re");
	free(p);
	if (!f)
		return 0;
	int c = fgetc(f);
	fclose(f);
	return c == EOF;
}

static long long cg_usage(const struct sb *s)
{
	char *p = lp_xasprintf(s->cg_v2 ? "%s/memory.current" : "%s/memory.usage_in_bytes", s->cg_mem);
	long long v = read_ll(p);
	free(p);
	return v;
}

static long long oom_count(const struct sb *s)
{
	char *p = lp_xasprintf(s->cg_v2 ? "%s/memory.events" : "%s/memory.oom_control", s->cg_mem);
	long long v = read_key(p, "oom_kill");
	free(p);
	return v;
}

/* Give the environment's cgroups back (1) or leave them to the caller to
 * remove (0). */
static int pool_put(struct sb *s)
{
	if (!s->cg_pool_ok || !s->cg_mem || (!s->cg_v2 && !s->cg_cpu))
		return 0;
	if (!cg_empty(s->cg_mem) || (s->cg_cpu && !cg_empty(s->cg_cpu)))
		return 0;
	long long oom = oom_count(s);
	if (oom < 0 || oom > s->cg_oom_base)
		return 0;
	long long u = cg_usage(s);
	if (u < 0 || u > POOL_MAX_LEFT)
		return 0;
	pthread_once(&pool_once, pool_atexit);
	pthread_mutex_lock(&pool_mu);
	int n = 0;
	for (struct cg_slot *l = pool_head; l; l = l->next)
		n++;
	int ok = !pool_closed && n < POOL_MAX_IDLE;
	if (ok) {
		struct cg_slot *sl = lp_xcalloc(1, sizeof *sl);
		sl->mem = s->cg_mem;
		sl->cpu = s->cg_cpu;
		sl->v2 = s->cg_v2;
		sl->memory_mb = s->memory_mb;
		sl->next = pool_head;
		pool_head = sl;
		pool_pid = getpid();
	}
	pthread_mutex_unlock(&pool_mu);
	if (ok) {
		s->cg_mem = s->cg_cpu = NULL;
		if (s->cg_peak_fd >= 0)
			close(s->cg_peak_fd);
		s->cg_peak_fd = -1;
	}
	return ok;
}

/* Make a taken (or new) cgroup ready for this environment: peak reset and
 * its baseline, OOM count baseline.  0, or -1 when the peak cannot be reset
 * (then the cgroup is not pooled: a fresh one is used). */
static int cg_arm(struct sb *s)
{
	s->cg_oom_base = oom_count(s);
	if (s->cg_oom_base < 0)
		s->cg_oom_base = 0;
	if (s->cg_v2) {
		/* memory.peak is resettable per fd since Linux 6.12: the fd that
		 * wrote reads the peak since then */
		char *p = lp_xasprintf("%s/memory.peak", s->cg_mem);
		int fd = open(p, O_RDWR | O_CLOEXEC);
		free(p);
		if (fd < 0)
			return -1;
		if (write(fd, "reset\n", 6) != 6) {
			close(fd);
			return -1;
		}
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		buf[n] = '\0';
		s->cg_peak_fd = fd;
		s->cg_base = strtoll(buf, NULL, 10);
		return 0;
	}
	char *p = lp_xasprintf("%s/memory.max_usage_in_bytes", s->cg_mem);
	int ok = write_file(p, "0") == 0;
	s->cg_base = ok ? read_ll(p) : -1;
	free(p);
	if (!ok || s->cg_base < 0) {
		s->cg_base = 0;
		return -1;
	}
	return 0;
}

static void cgroup_setup(struct sb *s, const struct sb_config *cfg)
{
	char why[sizeof s->cg_reason] = "";
	/* lp-PID-...: whose it is, also after its directory is gone */
	const char *name = s->root ? strrchr(s->root, '/') : NULL;
	char *cgname = name ? lp_xasprintf("lp-%d-%s", (int)getpid(), name + 1)
	    : lp_xasprintf("lp-%d-%llx", (int)getpid(), (unsigned long long)lp_now_ns());
	unsigned long long bytes = (unsigned long long)cfg->memory_mb * 1048576ull;
	unsigned long long period = 100000, quota = period * (unsigned long long)cfg->memory_mb / 1769;
	if (quota < 1000)
		quota = 1000;

	int v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	if (pool_take(s, cfg->memory_mb, v2)) {
		char *p = lp_xasprintf(v2 ? "%s/cpu.max" : "%s/cpu.cfs_quota_us", v2 ? s->cg_mem : s->cg_cpu);
		char *v = v2 ? lp_xasprintf("%llu %llu", quota, period) : lp_xasprintf("%llu", quota);
		int ok = write_file(p, v) == 0; /* refills the period's CPU time */
		free(p);
		free(v);
		if (ok && cg_arm(s) == 0) {
			s->mem_limited = s->cpu_limited = 1;
			s->cg_pool_ok = 1;
			free(cgname);
			return;
		}
		if (s->cg_peak_fd >= 0)
			close(s->cg_peak_fd);
		s->cg_peak_fd = -1;
		for (char **cg = (char *[]){ s->cg_mem, s->cg_cpu }, **end = cg + 2; cg < end; cg++)
			if (*cg)
				rm_cgroup_dir(*cg);
		free(s->cg_mem);
		free(s->cg_cpu);
		s->cg_mem = s->cg_cpu = NULL;
		s->cg_base = s->cg_oom_base = 0;
	}
	if (v2) {
		/* cgroup v2 at /sys/fs/cgroup: a group under /sys/fs/cgroup/lp */
		s->cg_v2 = 1;
		(void)write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory +cpu");
		(void)mkdir("/sys/fs/cgroup/lp", 0755);
		(void)write_file("/sys/fs/cgroup/lp/cgroup.subtree_control", "+memory +cpu");
		char *dir = lp_xasprintf("/sys/fs/cgroup/lp/%s", cgname);
		if (mkdir(dir, 0755) != 0) {
			snprintf(s->cg_reason, sizeof s->cg_reason, "cgroup v2: mkdir %s: %s", dir, strerror(errno));
			free(dir);
			goto out;
		}
		s->cg_mem = dir;
		char *p = lp_xasprintf("%s/memory.max", dir), *v = lp_xasprintf("%llu", bytes);
		s->mem_limited = write_file(p, v) == 0;
		if (!s->mem_limited)
			snprintf(s->cg_reason, sizeof s->cg_reason, "cgroup v2: write %s: %s", p, strerror(errno));
		free(p);
		free(v);
		p = lp_xasprintf("%s/memory.swap.max", dir);
		(void)write_file(p, "0");
		free(p);
		p = lp_xasprintf("%s/cpu.max", dir);
		v = lp_xasprintf("%llu %llu", quota, period);
		s->cpu_limited = write_file(p, v) == 0;
		if (!s->cpu_limited)
			snprintf(s->cg_reason, sizeof s->cg_reason, "cgroup v2: write %s: %s", p, strerror(errno));
		free(p);
		free(v);
		goto out;
	}
	/* cgroup v1 */
	s->cg_mem = v1_dir("memory", cgname, why, sizeof why);
	if (!s->cg_mem) {
		snprintf(s->cg_reason, sizeof s->cg_reason, "%s", why);
	} else {
		char *p = lp_xasprintf("%s/memory.limit_in_bytes", s->cg_mem), *v = lp_xasprintf("%llu", bytes);
		s->mem_limited = write_file(p, v) == 0;
		if (!s->mem_limited)
			snprintf(s->cg_reason, sizeof s->cg_reason, "write %s: %s", p, strerror(errno));
		free(p);
		p = lp_xasprintf("%s/memory.memsw.limit_in_bytes", s->cg_mem);
		(void)write_file(p, v); /* no swap, when swap accounting exists */
		free(p);
		free(v);
	}
	s->cg_cpu = v1_dir("cpu", cgname, why, sizeof why);
	if (!s->cg_cpu) {
		snprintf(s->cg_reason, sizeof s->cg_reason, "%s", why);
	} else {
		char *p = lp_xasprintf("%s/cpu.cfs_period_us", s->cg_cpu), *v = lp_xasprintf("%llu", period);
		int ok = write_file(p, v) == 0;
		free(p);
		free(v);
		p = lp_xasprintf("%s/cpu.cfs_quota_us", s->cg_cpu);
		v = lp_xasprintf("%llu", quota);
		s->cpu_limited = ok && write_file(p, v) == 0;
		if (!s->cpu_limited)
			snprintf(s->cg_reason, sizeof s->cg_reason, "write %s: %s", p, strerror(errno));
		free(p);
		free(v);
	}
out:
	if (s->cg_mem && s->mem_limited && s->cpu_limited)
		s->cg_pool_ok = cg_arm(s) == 0;
	free(cgname);
}

static void cgroup_kill(struct sb *s)
{
	if (!s->cg_mem)
		return;
	if (s->cg_v2) {
		char *p = lp_xasprintf("%s/cgroup.kill", s->cg_mem);
		int ok = write_file(p, "1") == 0;
		free(p);
		if (ok)
			return;
	}
	char *p = lp_xasprintf("%s/cgroup.procs", s->cg_mem);
	FILE *f = fopen(p, "re");
	free(p);
	if (!f)
		return;
	long pid;
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	fclose(f);
}

/* ---- lifecycle ---- */

int sb_prepare(struct sb *s, const struct sb_config *cfg, char *err, size_t errlen)
{
	s->memory_mb = cfg->memory_mb;
	const struct sb_run *run = cfg->run && cfg->run->ns ? cfg->run : NULL;
	if (run) {
		/* the run's /tmp, emptied: a fresh empty /tmp for this start */
		s->run_tmp = 1;
		s->tmpdir = lp_xstrdup(run->tmpdir);
		if (empty_dir(s->tmpdir) != 0)
			return fail(err, errlen, "empty %s: %s", s->tmpdir, strerror(errno));
		if (chmod(s->tmpdir, 01777) != 0 || chown(s->tmpdir, 0, 0) != 0)
			return fail(err, errlen, "chmod %s: %s", s->tmpdir, strerror(errno));
		if (run->taskroot) {
			/* the run's read-only task root (as /var/task on Lambda) */
			s->taskroot = lp_xstrdup(run->taskroot);
			s->bootstrap = lp_xasprintf("%s/bootstrap", s->taskroot);
			if (cfg->use_cgroup)
				cgroup_setup(s, cfg);
			else
				snprintf(s->cg_reason, sizeof s->cg_reason, "cgroups not requested");
			return 0;
		}
	}
	if (mkdir(cfg->workdir, 0700) != 0 && errno != EEXIST)
		return fail(err, errlen, "mkdir %s: %s", cfg->workdir, strerror(errno));
	s->root = lp_xasprintf("%s/start.XXXXXX", cfg->workdir);
	if (!mkdtemp(s->root)) {
		int e = errno;
		free(s->root);
		s->root = NULL;
		errno = e;
		return fail(err, errlen, "mkdtemp in %s: %s", cfg->workdir, strerror(errno));
	}
	s->taskroot = lp_xasprintf("%s/task", s->root);
	s->bootstrap = lp_xasprintf("%s/bootstrap", s->taskroot);
	if (!s->tmpdir) {
		s->tmpdir = lp_xasprintf("%s/tmp", s->root);
		if (mkdir(s->tmpdir, 01777) != 0 || chmod(s->tmpdir, 01777) != 0)
			return fail(err, errlen, "mkdir %s: %s", s->tmpdir, strerror(errno));
	}
	struct stat st;
	if (stat(cfg->src, &st) != 0)
		return fail(err, errlen, "%s: %s", cfg->src, strerror(errno));
	int nfiles = 0;
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(s->taskroot, 0755) != 0)
			return fail(err, errlen, "mkdir %s: %s", s->taskroot, strerror(errno));
		if (copy_tree(cfg->src, s->taskroot, cfg->cold_cache, &nfiles, err, errlen) != 0)
			return -1;
	} else {
		if (mkdir(s->taskroot, 0755) != 0)
			return fail(err, errlen, "mkdir %s: %s", s->taskroot, strerror(errno));
		if (copy_file(cfg->src, s->bootstrap, st.st_mode | 0500, cfg->cold_cache, &nfiles) != 0)
			return fail(err, errlen, "copy %s -> %s: %s", cfg->src, s->bootstrap, strerror(errno));
	}
	if (cfg->cold_cache) {
		for (const char *const *f = cfg->evict_extra; f && *f; f++) {
			evict(*f, 0);
			nfiles++;
		}
		s->cache_cold = 1;
		s->evicted_files = nfiles;
	}
	if (cfg->use_cgroup)
		cgroup_setup(s, cfg);
	else
		snprintf(s->cg_reason, sizeof s->cg_reason, "cgroups not requested");
	return 0;
}

/* What the child tells the parent before it waits for the release. */
struct child_status {
	char tmp;               /* 'm': /tmp is a private mount, 'n': TMPDIR */
	int join_errno[2];      /* joining the memory / cpu cgroup: 0 or errno */
};

int sb_fork(struct sb *s, char *const envp[], char *err, size_t errlen)
{
	int gate[2], xerr[2], out[2], mstat[2];
	if (pipe2(gate, O_CLOEXEC) != 0)
		return fail(err, errlen, "pipe: %s", strerror(errno));
	if (pipe2(xerr, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(mstat, O_CLOEXEC) != 0)
		return fail(err, errlen, "pipe: %s", strerror(errno));
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return fail(err, errlen, "/dev/null: %s", strerror(errno));

	/* Two environments prepared before fork: the child only picks one. */
	size_t n = 0;
	while (envp[n])
		n++;
	char **env_tmp = lp_xcalloc(n + 2, sizeof *env_tmp);
	memcpy(env_tmp, envp, n * sizeof *env_tmp);
	char *tmpvar = lp_xasprintf("TMPDIR=%s", s->tmpdir);
	env_tmp[n] = tmpvar;
	char *const argv[] = { s->bootstrap, NULL };
	/* A private /tmp hides whatever lives under /tmp, the task root too. */
	char real[PATH_MAX];
	int try_mount = !s->run_tmp && geteuid() == 0 && realpath(s->root, real) &&
	    strncmp(real, "/tmp/", 5) != 0;
	int run_tmp = s->run_tmp;
	/* The child joins its cgroups itself: on cgroup v1 a migration waits
	 * for an RCU grace period (cgroup_threadgroup_rwsem), up to several
	 * ms on a busy machine, and the parent opens the perf counters
	 * meanwhile instead of waiting. */
	char *procs[2] = {
		s->cg_mem ? lp_xasprintf("%s/cgroup.procs", s->cg_mem) : NULL,
		s->cg_cpu ? lp_xasprintf("%s/cgroup.procs", s->cg_cpu) : NULL,
	};

	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		free(env_tmp);
		free(tmpvar);
		free(procs[0]);
		free(procs[1]);
		errno = e;
		return fail(err, errlen, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* child: async-signal-safe calls only */
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		char ok = run_tmp ? 'm' : 'n'; /* run_tmp: our /tmp is already private */
		if (try_mount && unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount(s->tmpdir, "/tmp", NULL, MS_BIND, NULL) == 0)
			ok = 'm';
		struct child_status cst = { .tmp = ok };
		for (int k = 0; k < 2; k++) {
			if (!procs[k])
				continue;
			int fd = open(procs[k], O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, "0", 1) != 1)
				cst.join_errno[k] = errno ? errno : EIO;
			if (fd >= 0)
				close(fd);
		}
		if (write(mstat[1], &cst, sizeof cst) != (ssize_t)sizeof cst)
			_exit(126);
		if (dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(126);
		if (chdir(s->taskroot) != 0)
			_exit(126);
		char c;
		ssize_t r;
		do
			r = read(gate[0], &c, 1);
		while (r < 0 && errno == EINTR);
		if (r != 1)
			_exit(126); /* parent gave up before release */
		execve(s->bootstrap, argv, ok == 'm' ? envp : env_tmp);
		int e = errno;
		if (write(xerr[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	free(env_tmp);
	free(tmpvar);
	close(devnull);
	close(gate[0]);
	close(xerr[1]);
	close(out[1]);
	close(mstat[1]);
	s->pid = pid;
	s->gate_fd = gate[1];
	s->exec_err_fd = xerr[0];
	s->out_fd = out[0];
	if (fcntl(s->out_fd, F_SETFL, O_NONBLOCK) != 0)
		return fail(err, errlen, "fcntl: %s", strerror(errno));
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd < 0)
		return fail(err, errlen, "pidfd_open: %s", strerror(errno));
	free(procs[0]);
	free(procs[1]);
	s->mstat_fd = mstat[0];
	s->ready = 0;
	return 0;
}

int sb_fork_wait(struct sb *s, char *err, size_t errlen)
{
	if (s->ready)
		return 0;
	struct child_status cst;
	ssize_t r;
	do
		r = read(s->mstat_fd, &cst, sizeof cst);
	while (r < 0 && errno == EINTR);
	close(s->mstat_fd);
	s->mstat_fd = -1;
	if (r != (ssize_t)sizeof cst)
		return fail(err, errlen, "sandbox child died before exec");
	s->ready = 1;
	s->private_tmp = cst.tmp == 'm';
	if (cst.join_errno[0]) {
		snprintf(s->cg_reason, sizeof s->cg_reason, "write %s/cgroup.procs: %s", s->cg_mem, strerror(cst.join_errno[0]));
		s->mem_limited = 0;
		if (s->cg_v2)
			s->cpu_limited = 0;
		s->cg_pool_ok = 0;
		/* not ours to reuse or read: removed as an unused group */
		if (s->cg_peak_fd >= 0)
			close(s->cg_peak_fd);
		s->cg_peak_fd = -1;
		(void)rmdir(s->cg_mem);
		free(s->cg_mem);
		s->cg_mem = NULL;
	}
	if (cst.join_errno[1]) {
		snprintf(s->cg_reason, sizeof s->cg_reason, "write %s/cgroup.procs: %s", s->cg_cpu, strerror(cst.join_errno[1]));
		s->cpu_limited = 0;
		s->cg_pool_ok = 0;
	}
	return 0;
}

int sb_release(struct sb *s, uint64_t *t_ns, char *err, size_t errlen)
{
	if (sb_fork_wait(s, err, errlen) != 0)
		return -1;
	char c = 'x';
	*t_ns = lp_now_ns();
	ssize_t w = write(s->gate_fd, &c, 1);
	close(s->gate_fd);
	s->gate_fd = -1;
	s->released = 1;
	if (w != 1)
		return fail(err, errlen, "release sandbox child: %s", strerror(errno));
	/* Whether execve worked is learnt later (sb_exec_check), so the
	 * caller's wait for the first request is not delayed by ours. */
	return 0;
}

int sb_exec_check(struct sb *s)
{
	if (s->exec_err_fd < 0)
		return 0;
	int e = 0;
	ssize_t r;
	do
		r = read(s->exec_err_fd, &e, sizeof e);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof e)
		e = 0; /* EOF: execve succeeded (the pipe was close-on-exec) */
	close(s->exec_err_fd);
	s->exec_err_fd = -1;
	return e;
}

void sb_kill(struct sb *s)
{
	if (s->pid > 0 && !s->reaped) {
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
	}
	cgroup_kill(s);
}

int sb_reap(struct sb *s, struct sb_exit *ex)
{
	memset(ex, 0, sizeof *ex);
	ex->maxrss_kb = -1;
	if (s->pid <= 0 || s->reaped)
		return -1;
	int st;
	struct rusage ru;
	pid_t r;
	do
		r = wait4(s->pid, &st, 0, &ru);
	while (r < 0 && errno == EINTR);
	if (r != s->pid)
		return -1;
	s->reaped = 1;
	/* Descendants in our process group do not outlive the environment. */
	kill(-s->pid, SIGKILL);
	if (WIFEXITED(st)) {
		ex->exited = 1;
		ex->code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		ex->signal = WTERMSIG(st);
		ex->code = -1;
	}
	ex->maxrss_kb = ru.ru_maxrss;
	if (ru.ru_maxrss > s->tree_peak_kb)
		s->tree_peak_kb = ru.ru_maxrss;
	ex->oom_killed = sb_oom_killed(s);
	return 0;
}

int sb_oom_killed(struct sb *s)
{
	if (!s->cg_mem)
		return 0;
	return oom_count(s) > s->cg_oom_base;
}

static long vmhwm_kb(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	long long v = read_key(path, "VmHWM:");
	return v >= 0 ? (long)v : -1;
}

long sb_rss_peak_kb(struct sb *s)
{
	if (s->pid <= 0 || s->reaped)
		return -1;
	return vmhwm_kb(s->pid);
}

static long tree_hwm_kb(pid_t pid, int depth)
{
	long total = vmhwm_kb(pid);
	if (total < 0 || depth > 16)
		return total;
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return total;
	long c;
	while (fscanf(f, "%ld", &c) == 1) {
		long k = tree_hwm_kb((pid_t)c, depth + 1);
		if (k > 0)
			total += k;
	}
	fclose(f);
	return total;
}

long long sb_memory_peak(struct sb *s, const char **source, char *why, size_t whylen)
{
	long long cg = -1;
	if (s->cg_mem) {
		if (s->cg_peak_fd >= 0) {
			char buf[32];
			ssize_t n = pread(s->cg_peak_fd, buf, sizeof buf - 1, 0);
			if (n > 0) {
				buf[n] = '\0';
				cg = strtoll(buf, NULL, 10);
			}
		} else {
			char *p = lp_xasprintf(s->cg_v2 ? "%s/memory.peak" : "%s/memory.max_usage_in_bytes", s->cg_mem);
			cg = read_ll(p);
			free(p);
		}
		/* what a reused cgroup held when it was taken is not ours */
		if (cg >= 0)
			cg = cg > s->cg_base ? cg - s->cg_base : 0;
	}
	if (s->pid > 0 && !s->reaped) {
		long kb = tree_hwm_kb(s->pid, 0);
		if (kb > s->tree_peak_kb)
			s->tree_peak_kb = kb;
	}
	long long tree = s->tree_peak_kb >= 0 ? (long long)s->tree_peak_kb * 1024 : -1;
	if (cg >= 0 && cg >= tree) {
		*source = "cgroup";
		return cg;
	}
	if (tree >= 0) {
		*source = "proc";
		return tree;
	}
	*source = NULL;
	snprintf(why, whylen, "%s", s->cg_mem ? "cgroup peak unreadable and process gone" :
	    "no memory cgroup and the process is gone (no /proc peak RSS)");
	return -1;
}

char **sb_mapped_files(struct sb *s)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)s->pid);
	FILE *f = fopen(path, "re");
	size_t n = 0;
	char **list = lp_xcalloc(1, sizeof *list);
	if (!f)
		return list;
	char line[PATH_MAX + 128];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *slash = strchr(line, '/');
		if (!slash || strstr(slash, " (deleted)"))
			continue;
		int dup = 0;
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i], slash) == 0)
				dup = 1;
		if (dup)
			continue;
		list = lp_xreallocarray(list, n + 2, sizeof *list);
		list[n++] = lp_xstrdup(slash);
		list[n] = NULL;
	}
	fclose(f);
	return list;
}

void sb_free_list(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

void sb_destroy(struct sb *s)
{
	if (s->gate_fd >= 0)
		close(s->gate_fd); /* unreleased child exits 126 */
	if (s->pid > 0 && !s->reaped) {
		struct sb_exit ex;
		sb_kill(s);
		sb_reap(s, &ex);
	}
	cgroup_kill(s);
	if (s->exec_err_fd >= 0)
		close(s->exec_err_fd);
	if (s->mstat_fd >= 0)
		close(s->mstat_fd);
	if (s->out_fd >= 0)
		close(s->out_fd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	/* the files first: what the function wrote to /tmp is charged to its
	 * cgroup until removed */
	if (s->root)
		(void)remove_tree(s->root);
	if (s->run_tmp)
		(void)empty_dir(s->tmpdir);
	/* Killed descendants (orphans of the bootstrap, reaped by init) may
	 * still be exiting: the cgroup is busy until they are gone. */
	if (!pool_put(s)) {
		uint64_t deadline = lp_now_ns() + 2000000000ull;
		for (char **cg = (char *[]){ s->cg_mem, s->cg_cpu }, **end = cg + 2; cg < end; cg++) {
			if (!*cg)
				continue;
			while (rmdir(*cg) != 0 && errno == EBUSY && lp_now_ns() < deadline) {
				cgroup_kill(s);
				(void)poll(NULL, 0, 1); /* a wait with a deadline, for the kernel */
			}
		}
	}
	if (s->cg_peak_fd >= 0)
		close(s->cg_peak_fd);
	free(s->cg_mem);
	free(s->cg_cpu);
	free(s->root);
	free(s->taskroot);
	free(s->tmpdir);
	free(s->bootstrap);
	sb_init(s);
}
