/* invoke-overhead — what lp-invoke adds to a cold start, measured in one run.
 *
 * usage: invoke-overhead BOOTSTRAP [ROUNDS]   (default 300)
 *
 * Variants, interleaved round by round (so drift on a shared machine hits
 * all of them alike), each a complete cold start of the same binary:
 *   floor    fork; the child blocks on a pipe; t0 just before the parent
 *            releases it; it execs BOOTSTRAP with the same Lambda
 *            environment lp-invoke gives (AWS_LAMBDA_RUNTIME_API pointing at
 *            a plain listening socket); accept; read its first request up
 *            to the blank line: t1.  Then SIGKILL and reap.
 *   bare     the engine (tools/lib/coldstart, what lp-invoke runs) without
 *            cgroups or perf counters, with lp-invoke's per-run setup
 *            (cs_run: one mount namespace, a read-only task root; /tmp
 *            emptied per start): local Lambda service on libmicrohttpd, one
 *            event, response, the next /next, kill.
 *   full     the engine as lp-invoke runs by default, with cgroup limits
 *            (cgroups reused from start to start, as in lp-invoke) at 1769 MB (one whole CPU, so the quota does not slow the
 *            function) and the per-phase perf counters.
 *   full128  the same at 128 MB (the default): a CPU quota of 128/1769.
 * init = t1 - t0 (floor) or the record's init_ms (same definition: release
 * just before execve -> first /next's headers received).  cycle = the wall
 * time of the whole cold start (setup to teardown), so cold starts per
 * second = 1 / mean cycle.
 * Output: NDJSON records (bench_coldstart per variant, bench_overhead per
 * engine variant against the floor). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coldstart.h"
#include "lputil.h"
#include "ndjson.h"
#include "stats.h"

enum { V_FLOOR, V_BARE, V_FULL, V_FULL128, NV };
static const char *const vname[NV] = { "floor", "bare", "full", "full128" };

static int lsock;
static unsigned lport;

static double floor_once(const char *bootstrap, const char *dir, double *cycle_us)
{
	uint64_t c0 = lp_now_ns();
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) != 0)
		lp_err(LP_EXIT_ENV, "pipe");
	char api[64], ld[2 * 4096 + 64];
	snprintf(api, sizeof api, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u", lport);
	snprintf(ld, sizeof ld, "LD_LIBRARY_PATH=/lib64:/usr/lib64:%s:%s/lib:/opt/lib", dir, dir);
	char *const envp[] = {
		api, "_HANDLER=bootstrap", "AWS_LAMBDA_FUNCTION_NAME=bench",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1", "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/bench",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/01/01/[$LATEST]00000000000000000000000000000000",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand", "TZ=:UTC", "LANG=en_US.UTF-8",
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin", ld, NULL,
	};
	char *const argv[] = { (char *)bootstrap, NULL };
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0)
		lp_err(LP_EXIT_ENV, "fork");
	if (pid == 0) {
		char c;
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (read(gate[0], &c, 1) != 1)
			_exit(126);
		execve(bootstrap, argv, envp);
		_exit(127);
	}
	close(devnull);
	close(gate[0]);
	uint64_t t0 = lp_now_ns();
	if (write(gate[1], "x", 1) != 1)
		lp_err(LP_EXIT_ENV, "release");
	close(gate[1]);
	struct pollfd p = { .fd = lsock, .events = POLLIN };
	if (poll(&p, 1, 10000) != 1)
		lp_errx(LP_EXIT_ENV, "floor: %s never connected", bootstrap);
	int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	char buf[4096];
	size_t len = 0;
	uint64_t t1 = 0;
	while (len < sizeof buf - 1) {
		ssize_t n = read(c, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			lp_errx(LP_EXIT_ENV, "floor: connection closed before a request");
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n")) {
			t1 = lp_now_ns();
			break;
		}
	}
	kill(pid, SIGKILL);
	close(c);
	waitpid(pid, NULL, 0);
	*cycle_us = (double)(lp_now_ns() - c0) / 1e3;
	return (double)(t1 - t0) / 1e3;
}

static cs_run *run; /* as lp-invoke local: one namespace and task root per run */

static double engine_once(const char *bootstrap, const char *workdir, int variant, double *cycle_us)
{
	uint64_t c0 = lp_now_ns();
	struct cs_config cfg;
	cs_config_defaults(&cfg);
	cfg.func = "bench";
	cfg.src = bootstrap;
	cfg.workdir = workdir;
	cfg.use_cgroup = variant != V_BARE;
	cfg.counters = variant != V_BARE;
	cfg.memory_mb = variant == V_FULL128 ? 128 : 1769;
	cfg.run = run;
	char err[512];
	cs_env *e = cs_start(&cfg, NULL, err, sizeof err);
	if (!e)
		lp_errx(LP_EXIT_ENV, "%s", err);
	struct cs_result r;
	static const char ev[] = "{\"hello\":\"world\"}";
	cs_invoke(e, ev, sizeof ev - 1, &r);
	if (r.status != CS_OK)
		lp_errx(LP_EXIT_ENV, "%s: status %s", bootstrap, cs_status_name(r.status));
	double init = r.init_ms * 1e3;
	cs_result_free(&r);
	cs_end(e);
	*cycle_us = (double)(lp_now_ns() - c0) / 1e3;
	return init;
}

static void median_ci(double *v, size_t n, double *m, double *lo, double *hi)
{
	st_sort(v, n);
	*m = st_percentile(v, n, 50);
	double cov;
	size_t a, b;
	if (st_median_ci(v, n, 0.95, lo, hi, &cov, &a, &b) != 0)
		*lo = *hi = NAN;
}

int main(int argc, char **argv)
{
	lp_setprogname(argv[0]);
	if (argc < 2)
		lp_usage_error("usage: invoke-overhead BOOTSTRAP [ROUNDS]");
	long rounds = 300;
	if (argc > 2 && lp_parse_long(argv[2], 10, 1000000, &rounds) != 0)
		lp_usage_error("ROUNDS: a number >= 10");
	const char *bootstrap = argv[1];
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", bootstrap);
	char *sl = strrchr(dir, '/');
	if (sl)
		*sl = '\0';
	signal(SIGPIPE, SIG_IGN);
	lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&a, sizeof a) != 0 || listen(lsock, 16) != 0 ||
	    getsockname(lsock, (struct sockaddr *)&a, &al) != 0)
		lp_err(LP_EXIT_ENV, "listen");
	lport = ntohs(a.sin_port);
	char workdir[] = "/dev/shm/lp-bench.XXXXXX"; /* as lp-invoke without --cold-cache */
	if (!mkdtemp(workdir))
		lp_err(LP_EXIT_ENV, "mkdtemp");

	{
		struct cs_config rc;
		cs_config_defaults(&rc);
		rc.src = bootstrap;
		rc.workdir = workdir;
		char err[512];
		run = cs_run_begin(&rc, err, sizeof err);
		if (!run)
			lp_errx(LP_EXIT_ENV, "%s", err);
		const char *why;
		if (!cs_run_shared(run, &why))
			lp_warnx("no run-wide namespace: %s", why);
	}
	double *init[NV], *cyc[NV];
	for (int v = 0; v < NV; v++) {
		init[v] = lp_xcalloc((size_t)rounds, sizeof(double));
		cyc[v] = lp_xcalloc((size_t)rounds, sizeof(double));
	}
	double *pair[NV];
	for (int v = 0; v < NV; v++)
		pair[v] = lp_xcalloc((size_t)rounds, sizeof(double));
	for (long i = -10; i < rounds; i++) { /* 10 rounds of warm-up */
		for (int k = 0; k < NV; k++) {
			int v = (int)((k + (i < 0 ? 0 : i)) % NV); /* rotate the order */
			double in, cy;
			if (v == V_FLOOR)
				in = floor_once(bootstrap, dir, &cy);
			else
				in = engine_once(bootstrap, workdir, v, &cy);
			if (i >= 0) {
				init[v][i] = in;
				cyc[v][i] = cy;
			}
		}
		if (i >= 0)
			for (int v = 1; v < NV; v++)
				pair[v][i] = init[v][i] - init[V_FLOOR][i];
	}
	double rate[NV], rate_var[NV];
	double med[NV];
	for (int v = 0; v < NV; v++) {
		st_acc acc = { 0 };
		for (long i = 0; i < rounds; i++)
			st_acc_add(&acc, cyc[v][i]);
		double lo, hi, m;
		median_ci(init[v], (size_t)rounds, &m, &lo, &hi);
		med[v] = m;
		rate[v] = 1e6 / acc.mean;
		double se = st_acc_sd(&acc) / sqrt((double)rounds);
		rate_var[v] = se * se; /* of the mean cycle */
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "type", "bench_coldstart", "variant", vname[v],
		    "bootstrap", bootstrap, "rounds", (json_int_t)rounds);
		json_object_set_new(o, "init_median_us", nd_real(m));
		json_object_set_new(o, "init_ci95_lo_us", nd_real(lo));
		json_object_set_new(o, "init_ci95_hi_us", nd_real(hi));
		json_object_set_new(o, "init_p90_us", nd_real(st_percentile(init[v], (size_t)rounds, 90)));
		json_object_set_new(o, "cycle_mean_us", nd_real(acc.mean));
		json_object_set_new(o, "cold_starts_per_s", nd_real(rate[v]));
		nd_emit(stdout, o);
		if (v == V_FLOOR)
			continue;
		double pm, plo, phi;
		median_ci(pair[v], (size_t)rounds, &pm, &plo, &phi);
		st_acc fa = { 0 }, va = { 0 };
		for (long i = 0; i < rounds; i++) {
			st_acc_add(&fa, cyc[V_FLOOR][i]);
			st_acc_add(&va, cyc[v][i]);
		}
		/* rate ratio = floor mean cycle / variant mean cycle (Fieller) */
		double sf = st_acc_sd(&fa) / sqrt((double)rounds), sv = st_acc_sd(&va) / sqrt((double)rounds);
		double rlo = NAN, rhi = NAN;
		if (st_fieller(va.mean, sv * sv, fa.mean, sf * sf, (double)(2 * rounds - 2), 0.95, &rlo, &rhi) != 0)
			rlo = rhi = NAN;
		json_t *d = json_pack("{s:s, s:s, s:I}", "type", "bench_overhead", "variant", vname[v], "rounds", (json_int_t)rounds);
		json_object_set_new(d, "init_median_diff_us", nd_real(pm));
		json_object_set_new(d, "init_diff_ci95_lo_us", nd_real(plo));
		json_object_set_new(d, "init_diff_ci95_hi_us", nd_real(phi));
		json_object_set_new(d, "init_median_ratio", nd_real(med[v] / med[V_FLOOR]));
		json_object_set_new(d, "rate_ratio", nd_real(fa.mean / va.mean));
		json_object_set_new(d, "rate_ratio_ci95_lo", nd_real(rlo));
		json_object_set_new(d, "rate_ratio_ci95_hi", nd_real(rhi));
		json_object_set_new(d, "within_25us_at_p50", json_boolean(pm <= 25));
		json_object_set_new(d, "rate_at_least_80pct", json_boolean(fa.mean / va.mean >= 0.8));
		nd_emit(stdout, d);
	}
	(void)rate_var;
	for (int v = 0; v < NV; v++) {
		free(init[v]);
		free(cyc[v]);
		free(pair[v]);
	}
	cs_run_end(run);
	cs_cleanup();
	if (rmdir(workdir) != 0)
		lp_warn("rmdir %s", workdir);
	lp_close_stdout();
	return 0;
}
