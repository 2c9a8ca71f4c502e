/* lp-invoke --platform local: cold (and warm) starts through the local
 * Lambda service of tools/lib/coldstart. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coldstart.h"
#include "invoke.h"
#include "lputil.h"
#include "ndjson.h"

static volatile int stop_sig;

static void on_signal(int sig) { stop_sig = sig; }

/* An exit from anywhere (a write error on stdout exits 3 from nd_emit)
 * must not leave the environment behind: kill it, remove its copies and
 * cgroups. */
static cs_env *current;
static cs_run *run;
static char *own_workdir_path; /* removed at exit when we made it */
static void cleanup(void)
{
	if (current) {
		if (!stop_sig)
			stop_sig = SIGTERM; /* no waiting for the runtime */
		cs_end(current);
		current = NULL;
	}
	cs_run_end(run); /* the run's /tmp and read-only task root */
	run = NULL;
	cs_cleanup(); /* pooled cgroups */
	if (own_workdir_path) {
		(void)rmdir(own_workdir_path);
		free(own_workdir_path);
		own_workdir_path = NULL;
	}
}

static const char *default_func(const char *target, int is_dir, char *buf, size_t len)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", target);
	size_t n = strlen(tmp);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	if (!is_dir) {
		char *s = strrchr(tmp, '/');
		if (!s)
			snprintf(tmp, sizeof tmp, ".");
		else if (s == tmp)
			tmp[1] = '\0';
		else
			*s = '\0';
	}
	if (strcmp(tmp, ".") == 0 && getcwd(tmp, sizeof tmp) == NULL)
		return "function";
	const char *b = strrchr(tmp, '/');
	const char *name = b && b[1] ? b + 1 : (b ? "function" : tmp);
	size_t n2 = strlen(name) < len ? strlen(name) : len - 1;
	memcpy(buf, name, n2);
	buf[n2] = '\0';
	return buf;
}

static void progress(int on, long done, long total)
{
	if (!on)
		return;
	int width = 30, fill = total ? (int)(done * width / total) : width;
	fprintf(stderr, "\r[%.*s%*s] %ld/%ld invocations", fill,
	    "##############################", width - fill, "", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

int invoke_local(const struct inv_opts *o)
{
	struct stat st;
	if (stat(o->target, &st) != 0)
		lp_err(LP_EXIT_USAGE, "%s", o->target);
	int is_dir = S_ISDIR(st.st_mode);
	if (is_dir) {
		char *b = lp_xasprintf("%s/bootstrap", o->target);
		struct stat bs;
		if (stat(b, &bs) != 0 || !S_ISREG(bs.st_mode))
			lp_errx(LP_EXIT_USAGE, "%s: the task root has no bootstrap file", o->target);
		if (access(b, X_OK) != 0)
			lp_errx(LP_EXIT_USAGE, "%s: not executable", b);
		free(b);
	} else if (!S_ISREG(st.st_mode) || access(o->target, X_OK) != 0) {
		lp_errx(LP_EXIT_USAGE, "%s: not an executable bootstrap file or a task root directory", o->target);
	}
	char fbuf[256];
	const char *func = o->func ? o->func : default_func(o->target, is_dir, fbuf, sizeof fbuf);

	struct inv_events ev;
	inv_events_open(&ev, o->event_file);

	int log_fd = 2;
	if (o->log_file) {
		log_fd = open(o->log_file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0)
			lp_err(LP_EXIT_ENV, "%s", o->log_file);
	}

	char *workdir;
	int own_workdir = !o->workdir;
	if (o->workdir) {
		workdir = lp_xstrdup(o->workdir);
	} else {
		/* Not under /tmp: the function gets a private /tmp mounted over
		 * it, which would hide its task root.  tmpfs (/dev/shm) keeps the
		 * per-start copy and removal off a busy disk; --cold-cache needs
		 * a disk-backed copy (tmpfs pages cannot leave the cache). */
		struct stat ds;
		int shm = !o->cold_cache && stat("/dev/shm", &ds) == 0 && S_ISDIR(ds.st_mode) &&
		    access("/dev/shm", W_OK) == 0;
		workdir = lp_xstrdup(shm ? "/dev/shm/lp-invoke.XXXXXX" : "/var/tmp/lp-invoke.XXXXXX");
		if (!mkdtemp(workdir))
			lp_err(LP_EXIT_ENV, "mkdtemp %s", workdir);
		own_workdir_path = lp_xstrdup(workdir);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a dead runtime must not kill us; EPIPE is checked */
	if (atexit(cleanup) != 0)
		lp_errx(LP_EXIT_ENV, "atexit");

	struct cs_config cfg;
	cs_config_defaults(&cfg);
	cfg.func = func;
	cfg.impl = o->impl;
	cfg.arch = o->arch;
	cfg.src = o->target;
	cfg.workdir = workdir;
	cfg.memory_mb = o->memory_mb;
	cfg.timeout_s = o->timeout_s;
	cfg.init_timeout_s = o->init_timeout_s;
	cfg.post_wait_s = o->timeout_s;
	cfg.use_cgroup = !o->no_cgroup;
	cfg.cold_cache = o->cold_cache;
	cfg.counters = !o->no_counters;
	cfg.extra_env = o->env;
	cfg.region = o->region;
	cfg.handler = o->handler;
	cfg.client_context = o->client_context;
	cfg.cognito_identity = o->cognito_identity;
	cfg.log_fd = log_fd;
	cfg.stop = &stop_sig;

	/* Environments run one after another: one mount namespace and one
	 * read-only task root for the run (every path under /tmp that we need
	 * is open by now: event file, log, stdin). */
	{
		char err[512];
		run = cs_run_begin(&cfg, err, sizeof err);
		if (!run)
			lp_errx(LP_EXIT_ENV, "%s", err);
		cfg.run = run;
	}

	char **evict = lp_xcalloc(1, sizeof *evict);
	size_t nevict = 0;
	long total = o->cold * (1 + o->warm), done = 0, seq = 0;
	int bar = isatty(2) && o->log_file;
	int rc = LP_EXIT_OK, got_any = 0;
	for (long env = 1; env <= o->cold && !stop_sig; env++) {
		char *event;
		size_t elen;
		if (!inv_next_event(&ev, &event, &elen))
			break;
		got_any = 1;
		cfg.evict_extra = (const char *const *)evict;
		char err[512];
		cs_env *e = current = cs_start(&cfg, NULL, err, sizeof err);
		if (!e) {
			free(event);
			lp_warnx("%s", err);
			rc = LP_EXIT_ENV;
			break;
		}
		for (long k = 0; k <= o->warm; k++) {
			if (k > 0 && !inv_next_event(&ev, &event, &elen))
				break;
			struct cs_result r;
			int dead = cs_invoke(e, event, elen, &r);
			free(event);
			event = NULL;
			if (stop_sig) { /* unfinished: not a measurement */
				cs_result_free(&r);
				break;
			}
			json_t *rec = cs_result_json(&cfg, &r);
			json_object_set_new(rec, "seq", json_integer(++seq));
			json_object_set_new(rec, "env", json_integer(env));
			nd_emit(stdout, rec);
			cs_result_free(&r);
			progress(bar, ++done, total);
			if (dead)
				break;
		}
		free(event);
		/* files the bootstrap mapped: evicted before the next cold start */
		for (char *const *m = cs_mapped_files(e); m && *m; m++) {
			int have = 0;
			for (size_t i = 0; i < nevict; i++)
				if (strcmp(evict[i], *m) == 0)
					have = 1;
			if (!have) {
				evict = lp_xreallocarray(evict, nevict + 2, sizeof *evict);
				evict[nevict++] = lp_xstrdup(*m);
				evict[nevict] = NULL;
			}
		}
		current = NULL;
		cs_end(e);
	}
	cs_run_end(run);
	run = NULL;
	if (!got_any && !stop_sig && rc == LP_EXIT_OK && o->cold > 0) {
		lp_warnx("no events on standard input");
		rc = LP_EXIT_USAGE;
	}
	for (size_t i = 0; i < nevict; i++)
		free(evict[i]);
	free(evict);
	inv_events_close(&ev);
	if (own_workdir && rmdir(workdir) != 0)
		lp_warn("rmdir %s", workdir);
	free(own_workdir_path);
	own_workdir_path = NULL;
	free(workdir);
	if (log_fd != 2 && close(log_fd) != 0)
		lp_err(LP_EXIT_ENV, "%s", o->log_file);
	if (stop_sig) {
		cs_cleanup(); /* raise() below skips atexit */
		lp_close_stdout();
		signal(stop_sig, SIG_DFL);
		raise(stop_sig);
	}
	return rc;
}
