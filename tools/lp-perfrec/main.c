/* lp-perfrec — sample many cold starts of a Lambda bootstrap, phase by
 * phase (init / invoke), and explain where the time goes: hotspots, folded
 * stacks, flame graphs, syscalls, allocations (see docs/lp-perfrec.1). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coldstart.h"
#include "lputil.h"
#include "ndjson.h"
#include "pcount.h"
#include "perfrec.h"
#include "stats.h"

static volatile int stop_sig;

static void
on_signal(int sig)
{
	(void)sig;
	stop_sig = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: lp-perfrec [OPTIONS] TASKROOT|BOOTSTRAP\n"
	    "\n"
	    "Run N cold starts of a Lambda custom runtime through the local Lambda\n"
	    "service, sample them with perf_event_open (cycles, else cpu-clock) and\n"
	    "report, per phase (init = exec to first /next, invoke = event to\n"
	    "response): hotspots, folded stacks, SVG flame graphs, and optionally\n"
	    "syscalls and allocations.  Records (NDJSON) go to stdout.\n"
	    "\n"
	    "  --cold N          cold starts to add up (default 200)\n"
	    "  -F, --freq HZ     sampling frequency (default 20000)\n"
	    "  --out DIR         write hotspots.ndjson, init.folded, invoke.folded,\n"
	    "                    init.svg, invoke.svg, speedscope.json (sampling),\n"
	    "                    syscalls.ndjson, alloc.ndjson into DIR; each .ndjson\n"
	    "                    starts with the run's profile record\n"
	    "  --syscalls        count and time every syscall by name, per phase\n"
	    "  --alloc           count allocations with the LD_PRELOAD shim lp-alloc.so\n"
	    "  --no-sample       no sampling (to measure other modes or their cost)\n"
	    "  --counters        also open lp's per-phase counters (lp-invoke's)\n"
	    "  --user-only       do not sample kernel code\n"
	    "  --top N           hotspots per phase on stdout (default 20; files: 200)\n"
	    "  --func NAME       function name for records (default: basename of TASKROOT)\n"
	    "  --impl NAME       implementation label (default: unknown)\n"
	    "  --memory MB       memory size 128-10240 (default 128)\n"
	    "  --event FILE      event JSON for every invocation (default {})\n"
	    "  --env K=V         extra environment variable for the function (repeatable)\n"
	    "  --timeout S       invocation timeout (default 3)\n"
	    "  --init-timeout S  init timeout (default 10)\n"
	    "  --no-cgroup       no cgroup limits\n"
	    "  --workdir DIR     where per-start task root copies go\n"
	    "  --arch ARCH       x86_64 or arm64 (default: this machine)\n"
	    "  --help            this text\n"
	    "\n"
	    "Environment: LP_ALLOC_SO overrides the shim's path.\n"
	    "Exit: 0 ok, 2 usage or input error (also: no cold start succeeded),\n"
	    "3 environment error (perf_event_open forbidden, shim missing, I/O).\n");
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (f == NULL)
		lp_err(LP_EXIT_USAGE, "--event %s", path);
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = lp_xrealloc(buf, cap);
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		lp_err(LP_EXIT_USAGE, "--event %s", path);
	fclose(f);
	buf[n] = '\0';
	{
		json_error_t je;
		json_t *j = json_loadb(buf, n, 0, &je);
		if (j == NULL)
			lp_errx(LP_EXIT_USAGE, "%s:%d: not JSON: %s", path, je.line, je.text);
		json_decref(j);
	}
	*len = n;
	return buf;
}

static FILE *
out_open(const char *dir, const char *name, char **tmp)
{
	FILE *f;

	*tmp = lp_xasprintf("%s/%s.tmp", dir, name);
	f = fopen(*tmp, "we");
	if (f == NULL)
		lp_err(LP_EXIT_ENV, "%s", *tmp);
	return f;
}

static void
out_close(FILE *f, const char *dir, const char *name, char *tmp)
{
	char *final = lp_xasprintf("%s/%s", dir, name);

	if (fflush(f) == EOF || ferror(f) || fclose(f) == EOF)
		lp_err(LP_EXIT_ENV, "%s", tmp);
	if (rename(tmp, final) != 0)
		lp_err(LP_EXIT_ENV, "rename %s", tmp);
	free(tmp);
	free(final);
}

/* Sorts v in place: the profile record lists the values in ascending
 * order.  NaN when n is 0. */
static double
median(double *v, size_t n)
{
	st_sort(v, n);
	return st_percentile(v, n, 50);
}

enum { O_COLD = 256, O_OUT, O_SYSCALLS, O_ALLOC, O_NOSAMPLE, O_COUNTERS,
	O_USERONLY, O_TOP, O_FUNC, O_IMPL, O_MEMORY, O_EVENT, O_ENV, O_TIMEOUT,
	O_INITTIMEOUT, O_NOCGROUP, O_WORKDIR, O_ARCH, O_HELP };

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cold", required_argument, 0, O_COLD },
		{ "freq", required_argument, 0, 'F' },
		{ "out", required_argument, 0, O_OUT },
		{ "syscalls", no_argument, 0, O_SYSCALLS },
		{ "alloc", no_argument, 0, O_ALLOC },
		{ "no-sample", no_argument, 0, O_NOSAMPLE },
		{ "counters", no_argument, 0, O_COUNTERS },
		{ "user-only", no_argument, 0, O_USERONLY },
		{ "top", required_argument, 0, O_TOP },
		{ "func", required_argument, 0, O_FUNC },
		{ "impl", required_argument, 0, O_IMPL },
		{ "memory", required_argument, 0, O_MEMORY },
		{ "event", required_argument, 0, O_EVENT },
		{ "env", required_argument, 0, O_ENV },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "init-timeout", required_argument, 0, O_INITTIMEOUT },
		{ "no-cgroup", no_argument, 0, O_NOCGROUP },
		{ "workdir", required_argument, 0, O_WORKDIR },
		{ "arch", required_argument, 0, O_ARCH },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	struct opts o;
	struct agg a;
	struct cs_config cfg;
	struct cs_hooks hooks;
	sym_ctx *sc;
	char *event, *workdir, *func_buf = NULL;
	size_t elen;
	int c, rc = LP_EXIT_OK, own_workdir;
	long i, ok = 0, failed = 0;
	double *init_ms, *dur_ms;
	size_t ninit = 0, ndur = 0;
	char ev_name[24] = "", cycles_reason[PS_REASON_MAX] = "";
	json_t *statuses = json_object();
	struct sigaction sa;

	lp_setprogname(argv[0]);
	memset(&o, 0, sizeof o);
	o.cold = 200;
	o.freq = 20000;
	o.sample = 1;
	o.kernel = 1;
	o.memory_mb = 128;
	o.top = 20;
	o.impl = "unknown";
	o.timeout_s = 3;
	o.init_timeout_s = 10;
	o.env = lp_xcalloc((size_t)argc + 1, sizeof *o.env);
	while ((c = getopt_long(argc, argv, "F:h", lo, NULL)) != -1) {
		switch (c) {
		case O_COLD: o.cold = lp_opt_long("--cold", optarg, 1, 1000000); break;
		case 'F': o.freq = (unsigned)lp_opt_long("-F", optarg, 1, 100000); break;
		case O_OUT: o.out = optarg; break;
		case O_SYSCALLS: o.syscalls = 1; break;
		case O_ALLOC: o.alloc = 1; break;
		case O_NOSAMPLE: o.sample = 0; break;
		case O_COUNTERS: o.counters = 1; break;
		case O_USERONLY: o.kernel = 0; break;
		case O_TOP: o.top = lp_opt_long("--top", optarg, 0, 1000000); break;
		case O_FUNC: o.func = optarg; break;
		case O_IMPL: o.impl = optarg; break;
		case O_MEMORY: o.memory_mb = lp_opt_long("--memory", optarg, 128, 10240); break;
		case O_EVENT: o.event_file = optarg; break;
		case O_ENV:
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				lp_usage_error("--env: '%s' is not K=V", optarg);
			o.env[o.nenv++] = optarg;
			break;
		case O_TIMEOUT: o.timeout_s = lp_opt_double("--timeout", optarg, 0.001, 900); break;
		case O_INITTIMEOUT: o.init_timeout_s = lp_opt_double("--init-timeout", optarg, 0.001, 900); break;
		case O_NOCGROUP: o.no_cgroup = 1; break;
		case O_WORKDIR: o.workdir = optarg; break;
		case O_ARCH:
			if (strcmp(optarg, "x86_64") != 0 && strcmp(optarg, "arm64") != 0)
				lp_usage_error("--arch: '%s' is not x86_64 or arm64", optarg);
			o.arch = optarg;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			lp_close_stdout();
			free(o.env);
			json_decref(statuses);
			return 0;
		default:
			lp_usage_error("unknown option (see --help)");
		}
	}
	if (optind != argc - 1)
		lp_usage_error("expected one TASKROOT or BOOTSTRAP (see --help)");
	o.target = argv[optind];
	{
		struct stat st;
		if (stat(o.target, &st) != 0)
			lp_err(LP_EXIT_USAGE, "%s", o.target);
		if (S_ISDIR(st.st_mode)) {
			char *b = lp_xasprintf("%s/bootstrap", o.target);
			int have = access(b, F_OK) == 0;
			free(b);
			if (!have)
				lp_errx(LP_EXIT_USAGE, "%s: no bootstrap in the task root", o.target);
		}
	}
	if (o.func == NULL) {
		const char *t = o.target, *s;
		size_t n = strlen(t);
		while (n > 1 && t[n - 1] == '/')
			n--;
		func_buf = lp_xstrdup(t);
		func_buf[n] = '\0';
		s = strrchr(func_buf, '/');
		o.func = s ? s + 1 : func_buf;
	}
	if (o.arch == NULL)
		o.arch = lp_host_arch();
	if (o.event_file != NULL) {
		event = slurp(o.event_file, &elen);
	} else {
		event = lp_xstrdup("{}");
		elen = 2;
	}
	if (o.out != NULL && mkdir(o.out, 0755) != 0 && errno != EEXIST)
		lp_err(LP_EXIT_ENV, "mkdir %s", o.out);

	agg_init(&a);
	sc = sym_new();
	long tp_enter = -1, tp_exit = -1;
	if (o.syscalls) {
		char why[256];
		tp_enter = pc_tracepoint_id("raw_syscalls", "sys_enter", why, sizeof why);
		if (tp_enter >= 0)
			tp_exit = pc_tracepoint_id("raw_syscalls", "sys_exit", why, sizeof why);
		if (tp_enter < 0 || tp_exit < 0)
			lp_errx(LP_EXIT_ENV, "--syscalls: %s", why);
	}
	const char *shim = NULL;
	if (o.alloc) {
		a.alloc_on = 1;
		a.alloc_reason = alloc_static_reason(o.target);
		if (a.alloc_reason == NULL) {
			shim = alloc_shim_path();
			if (access(shim, R_OK) != 0)
				lp_errx(LP_EXIT_ENV, "--alloc: %s: %s (build it with make, or set LP_ALLOC_SO)",
				    shim, strerror(errno));
		}
	}

	own_workdir = o.workdir == NULL;
	if (o.workdir != NULL) {
		workdir = lp_xstrdup(o.workdir);
	} else {
		const char *t = getenv("TMPDIR");
		workdir = lp_xasprintf("%s/lp-perfrec.XXXXXX", t && *t ? t : "/tmp");
		if (mkdtemp(workdir) == NULL)
			lp_err(LP_EXIT_ENV, "mkdtemp %s", workdir);
	}
	{
		/* the sandbox's copies live under the real path */
		char *rp = realpath(workdir, NULL);
		if (rp != NULL) {
			free(workdir);
			workdir = rp;
		}
	}
	char *src_real = realpath(o.target, NULL);
	if (src_real == NULL)
		lp_err(LP_EXIT_USAGE, "%s", o.target);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	cs_config_defaults(&cfg);
	cfg.run_id = lp_run_id();
	cfg.func = o.func;
	cfg.impl = o.impl;
	cfg.arch = o.arch;
	cfg.src = o.target;
	cfg.workdir = workdir;
	cfg.memory_mb = o.memory_mb;
	cfg.timeout_s = o.timeout_s;
	cfg.init_timeout_s = o.init_timeout_s;
	cfg.post_wait_s = 0.2;
	cfg.use_cgroup = !o.no_cgroup;
	cfg.counters = o.counters;
	cfg.log_fd = -1;
	cfg.stop = &stop_sig;

	init_ms = lp_xcalloc((size_t)o.cold, sizeof *init_ms);
	dur_ms = lp_xcalloc((size_t)o.cold, sizeof *dur_ms);
	const char **env = lp_xcalloc(o.nenv + 3, sizeof *env);
	for (i = 0; i < (long)o.nenv; i++)
		env[i] = o.env[i];
	int bar = isatty(2), try_cycles = 1;
	uint64_t post_ns = 0;
	for (i = 0; i < o.cold && !stop_sig; i++) {
		struct run r;
		char err[1024], shm_env[160], *pre_env = NULL;
		struct cs_result res;
		cs_env *e;

		run_init(&r, &o, tp_enter, tp_exit, try_cycles);
		env[o.nenv] = env[o.nenv + 1] = NULL;
		if (shim != NULL) {
			if (alloc_shm_create(&r, (unsigned long)i, err, sizeof err) == -1)
				lp_errx(LP_EXIT_ENV, "--alloc: %s", err);
			pre_env = lp_xasprintf("LD_PRELOAD=%s", shim);
			snprintf(shm_env, sizeof shm_env, "LP_ALLOC_SHM=%s", r.shm_path);
			env[o.nenv] = pre_env;
			env[o.nenv + 1] = shm_env;
		}
		cfg.extra_env = env;
		hooks.arg = &r;
		hooks.pre_exec = run_pre_exec;
		hooks.init_end = run_init_end;
		hooks.invoke_end = run_invoke_end;
		e = cs_start(&cfg, &hooks, err, sizeof err);
		if (e == NULL) {
			run_finish(&r);
			run_free(&r);
			free(pre_env);
			if (r.why[0])
				lp_warnx("%s", r.why);
			else
				lp_warnx("%s", err);
			rc = LP_EXIT_ENV;
			break;
		}
		if (r.nsamp > 0 && ev_name[0] == '\0') {
			snprintf(ev_name, sizeof ev_name, "%s", r.event);
			snprintf(cycles_reason, sizeof cycles_reason, "%s", r.fallback_reason);
		}
		try_cycles = r.try_cycles;
		(void)cs_invoke(e, event, elen, &res);
		cs_end(e);
		run_finish(&r);
		if (!stop_sig) {
			json_t *cnt = json_object_get(statuses, cs_status_name(res.status));
			json_object_set_new(statuses, cs_status_name(res.status),
			    json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
			if (res.status == CS_OK) {
				ok++;
				if (!isnan(res.init_ms))
					init_ms[ninit++] = res.init_ms;
				if (!isnan(res.duration_ms))
					dur_ms[ndur++] = res.duration_ms;
			} else {
				failed++;
			}
			/* a failed start's samples still show where it went */
			uint64_t t0 = lp_now_ns();
			run_process(&r, &a, sc, workdir, src_real);
			post_ns += lp_now_ns() - t0;
		}
		run_free(&r);
		cs_result_free(&res);
		free(pre_env);
		if (bar)
			fprintf(stderr, "\rlp-perfrec: %ld/%ld cold starts", i + 1, o.cold);
	}
	if (bar)
		fputc('\n', stderr);

	/* the profile record: what was measured, how, and how well */
	json_t *prof = base_record("profile", &o);
	json_object_set_new(prof, "cold_starts", json_integer(o.cold));
	json_object_set_new(prof, "cold_starts_ok", json_integer(ok));
	json_object_set_new(prof, "cold_starts_failed", json_integer(failed));
	json_object_set_new(prof, "status_counts", statuses);
	if (o.sample && ev_name[0]) {
		json_object_set_new(prof, "event", json_string(ev_name));
		json_object_set_new(prof, "freq_hz", json_integer(o.freq));
		json_object_set_new(prof, "kernel", json_boolean(o.kernel));
		if (cycles_reason[0])
			json_object_set_new(prof, "cycles_reason", json_string(cycles_reason));
		for (int ph = 0; ph < PH_N; ph++) {
			char k[48];
			snprintf(k, sizeof k, "samples_%s", ph_name[ph]);
			if (a.init_ends > 0) {
				json_object_set_new(prof, k, json_integer((json_int_t)a.samples[ph]));
			} else {
				/* no phase boundary was ever seen: nothing to attribute */
				json_object_set_new(prof, k, json_null());
				snprintf(k, sizeof k, "samples_%s_reason", ph_name[ph]);
				json_object_set_new(prof, k, json_string(
				    "no cold start reached the end of its init (first /next)"));
			}
		}
		json_object_set_new(prof, "samples_unattributed",
		    json_integer((json_int_t)a.samples_unknown_phase));
		json_object_set_new(prof, "samples_outside", json_integer((json_int_t)a.samples_outside));
		json_object_set_new(prof, "samples_lost", json_integer((json_int_t)a.lost));
	} else {
		const char *why = o.sample ? "no cold start was sampled" : "--no-sample";
		json_object_set_new(prof, "event", json_null());
		json_object_set_new(prof, "event_reason", json_string(why));
	}
	/* decoding, symbolization and aggregation, after each cold start */
	json_object_set_new(prof, "postprocess_ms", nd_real((double)post_ns / 1e6));
	json_object_set_new(prof, "syscalls", json_boolean(o.syscalls));
	if (o.syscalls)
		json_object_set_new(prof, "syscall_events_lost", json_integer((json_int_t)a.sys_lost));
	json_object_set_new(prof, "alloc", json_boolean(o.alloc));
	json_object_set_new(prof, "init_ms_median", nd_real(median(init_ms, ninit)));
	json_object_set_new(prof, "duration_ms_median", nd_real(median(dur_ms, ndur)));
	if (ninit == 0)
		json_object_set_new(prof, "init_ms_median_reason", json_string("no successful cold start"));
	if (ndur == 0)
		json_object_set_new(prof, "duration_ms_median_reason", json_string("no successful cold start"));
	{
		json_t *arr = json_array();
		for (size_t k = 0; k < ninit; k++)
			json_array_append_new(arr, nd_real(init_ms[k]));
		json_object_set_new(prof, "init_ms", arr);
		arr = json_array();
		for (size_t k = 0; k < ndur; k++)
			json_array_append_new(arr, nd_real(dur_ms[k]));
		json_object_set_new(prof, "duration_ms", arr);
	}
	nd_write(stdout, prof);
	if (o.sample)
		write_hotspots(&a, &o, stdout, o.top);
	if (o.syscalls)
		write_syscalls(&a, &o, stdout, ok + failed);
	if (o.alloc)
		write_alloc(&a, &o, stdout);

	if (o.out != NULL) {
		char *tmp;
		FILE *f;
		if (o.sample) {
			f = out_open(o.out, "hotspots.ndjson", &tmp);
			nd_write(f, prof);
			write_hotspots(&a, &o, f, o.top > 200 ? o.top : 200);
			out_close(f, o.out, "hotspots.ndjson", tmp);
			for (int ph = 0; ph < PH_N; ph++) {
				char name[32], title[256], sub[512];
				snprintf(name, sizeof name, "%s.folded", ph_name[ph]);
				f = out_open(o.out, name, &tmp);
				if (fg_write_folded(a.tree[ph], f) == -1)
					lp_err(LP_EXIT_ENV, "%s", tmp);
				out_close(f, o.out, name, tmp);
				snprintf(name, sizeof name, "%s.svg", ph_name[ph]);
				snprintf(title, sizeof title, "%s-%s: %s phase", o.func, o.impl, ph_name[ph]);
				snprintf(sub, sizeof sub, "%llu samples of %s at %u Hz over %ld cold starts (local, %s, %ld MB)",
				    (unsigned long long)a.samples[ph], ev_name[0] ? ev_name : "?", o.freq,
				    ok + failed, o.arch, o.memory_mb);
				f = out_open(o.out, name, &tmp);
				if (fg_write_svg(a.tree[ph], f, title, sub) == -1)
					lp_err(LP_EXIT_ENV, "%s", tmp);
				out_close(f, o.out, name, tmp);
			}
			const fg_tree *trees[PH_N] = { a.tree[PH_INIT], a.tree[PH_INVOKE] };
			char *docname = lp_xasprintf("%s-%s", o.func, o.impl);
			json_t *ss = fg_speedscope(trees, ph_name, PH_N, docname);
			free(docname);
			f = out_open(o.out, "speedscope.json", &tmp);
			if (json_dumpf(ss, f, JSON_COMPACT) != 0)
				lp_err(LP_EXIT_ENV, "%s", tmp);
			json_decref(ss);
			out_close(f, o.out, "speedscope.json", tmp);
		}
		if (o.syscalls) {
			f = out_open(o.out, "syscalls.ndjson", &tmp);
			nd_write(f, prof);
			write_syscalls(&a, &o, f, ok + failed);
			out_close(f, o.out, "syscalls.ndjson", tmp);
		}
		if (o.alloc) {
			f = out_open(o.out, "alloc.ndjson", &tmp);
			nd_write(f, prof);
			write_alloc(&a, &o, f);
			out_close(f, o.out, "alloc.ndjson", tmp);
		}
	}
	json_decref(prof);

	if (rc == LP_EXIT_OK && stop_sig)
		rc = LP_EXIT_ENV;
	if (rc == LP_EXIT_OK && ok == 0) {
		lp_warnx("no cold start succeeded (see status_counts in the profile record)");
		rc = LP_EXIT_USAGE;
	}
	agg_free(&a);
	sym_free(sc);
	free(init_ms);
	free(dur_ms);
	free(env);
	free(o.env);
	free(event);
	free(func_buf);
	free(src_real);
	if (own_workdir && rmdir(workdir) != 0)
		lp_warn("rmdir %s", workdir);
	free(workdir);
	lp_close_stdout();
	return rc;
}
