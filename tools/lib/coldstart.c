/* coldstart — see coldstart.h. */
#include "coldstart.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lputil.h"
#include "lsvc.h"
#include "ndjson.h"
#include "sandbox.h"

struct cs_run {
	struct sb_run sb;
};

struct cs_env {
	struct cs_config cfg;
	struct cs_hooks hooks;
	struct sb sb;
	lsvc *svc;
	struct pc_set pc;
	char **envp;
	char **mapped;
	unsigned long seq;
	char arn[256];

	/* init */
	int initialized;
	int init_failed;
	enum cs_status init_status;
	char init_etype[128];
	double init_ms;
	char init_ms_reason[128];
	uint64_t t_spawn, t_init_end;
	struct pc_sample at_init, ready;

	/* process */
	int exec_errno;      /* execve of the bootstrap failed with this */
	int dead;
	uint64_t t_dead;
	struct sb_exit ex;

	/* current invocation */
	int have_result;
	enum lsvc_kind result_kind;
	char *rbody;
	size_t rlen;
	char etype[128];
	uint64_t t_end, t_handed;
	int next_seen;
	struct pc_sample at_end;
	long rss_at_end;
	unsigned long bad_requests;
};

const char *cs_status_name(enum cs_status st)
{
	switch (st) {
	case CS_OK: return "ok";
	case CS_ERROR: return "error";
	case CS_TIMEOUT: return "timeout";
	case CS_INIT_TIMEOUT: return "init_timeout";
	case CS_INIT_ERROR: return "init_error";
	case CS_RUNTIME_EXIT: return "runtime_exit";
	case CS_OOM: return "oom";
	}
	return "unknown";
}

void cs_config_defaults(struct cs_config *c)
{
	memset(c, 0, sizeof *c);
	c->run_id = lp_run_id();
	c->func = "function";
	c->impl = "unknown";
	c->arch = "x86_64";
	c->memory_mb = 128;
	c->timeout_s = 3;
	c->init_timeout_s = 10;
	c->post_wait_s = 1;
	c->use_cgroup = 1;
	c->counters = 1;
	c->region = "us-east-1";
	c->handler = "bootstrap";
	c->log_fd = -1;
}

/* ---- logging (function output and START/END/REPORT) ---- */

static void log_write(cs_env *e, const char *buf, size_t n)
{
	if (e->cfg.log_fd < 0)
		return;
	while (n) {
		ssize_t w = write(e->cfg.log_fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the log is best effort; records are what matter */
		buf += w;
		n -= (size_t)w;
	}
}

static void log_printf(cs_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_printf(cs_env *e, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_write(e, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void drain_output(cs_env *e)
{
	char buf[65536];
	while (e->sb.out_fd >= 0) {
		ssize_t r = read(e->sb.out_fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		log_write(e, buf, (size_t)r);
	}
}

/* ---- the Runtime API callback ---- */

static void on_svc(void *arg, const struct lsvc_event *ev)
{
	cs_env *e = arg;
	switch (ev->kind) {
	case LSVC_NEXT:
		if (!e->initialized && !e->init_failed) {
			e->initialized = 1;
			e->t_init_end = ev->t_ns;
			pc_read(&e->pc, &e->at_init);
			e->ready = e->at_init;
			if (e->hooks.init_end)
				e->hooks.init_end(e->hooks.arg, e->sb.pid, ev->t_ns);
			if (e->cfg.cold_cache && !e->mapped)
				e->mapped = sb_mapped_files(&e->sb);
		} else {
			e->next_seen = 1;
			pc_read(&e->pc, &e->ready);
		}
		break;
	case LSVC_RESPONSE:
	case LSVC_ERROR:
	case LSVC_TOO_LARGE:
		pc_read(&e->pc, &e->at_end);
		e->rss_at_end = sb_rss_peak_kb(&e->sb);
		e->have_result = 1;
		e->result_kind = ev->kind;
		e->t_end = ev->t_ns;
		e->next_seen = 0;
		free(e->rbody);
		e->rbody = NULL;
		e->rlen = 0;
		if (ev->body && ev->kind != LSVC_TOO_LARGE) {
			e->rbody = lp_xmalloc(ev->body_len + 1);
			memcpy(e->rbody, ev->body, ev->body_len);
			e->rbody[ev->body_len] = '\0';
			e->rlen = ev->body_len;
		}
		snprintf(e->etype, sizeof e->etype, "%s",
		    ev->kind == LSVC_TOO_LARGE ? "Function.ResponseSizeTooLarge" :
		    ev->kind == LSVC_ERROR ? (ev->error_type && *ev->error_type ? ev->error_type : "Unhandled") : "");
		if (e->hooks.invoke_end)
			e->hooks.invoke_end(e->hooks.arg, e->sb.pid, e->seq, ev->t_ns);
		break;
	case LSVC_INIT_ERROR:
		if (!e->init_failed) {
			e->init_failed = 1;
			e->init_status = CS_INIT_ERROR;
			snprintf(e->init_etype, sizeof e->init_etype, "%s",
			    ev->error_type && *ev->error_type ? ev->error_type : "Unhandled");
			e->init_ms = (double)(ev->t_ns - e->t_spawn) / 1e6;
			e->t_init_end = ev->t_ns;
			pc_read(&e->pc, &e->at_init);
		}
		break;
	case LSVC_BAD:
		e->bad_requests++;
		break;
	}
}

/* ---- the loop ---- */

enum until { U_INIT, U_RESULT, U_NEXT, U_EXIT };

static int satisfied(cs_env *e, enum until u)
{
	switch (u) {
	case U_INIT: return e->initialized || e->init_failed;
	case U_RESULT: return e->have_result;
	case U_NEXT: return e->next_seen || lsvc_next_parked(e->svc);
	case U_EXIT: return 0; /* only the process's death ends this wait */
	}
	return 1;
}

/* Run until the condition holds (1), the process died (0, e->dead) or the
 * deadline passed (-1). */
static int run_until(cs_env *e, enum until u, uint64_t deadline_ns)
{
	for (;;) {
		if (satisfied(e, u))
			return 1;
		if (e->dead)
			return 0;
		uint64_t now = lp_now_ns();
		if (now >= deadline_ns || (e->cfg.stop && *e->cfg.stop))
			return -1;
		int tmo = (int)((deadline_ns - now + 999999) / 1000000);
		int mt = lsvc_timeout_ms(e->svc);
		if (mt >= 0 && mt < tmo)
			tmo = mt;
		struct pollfd p[4] = {
			{ .fd = lsvc_fd(e->svc), .events = POLLIN },
			{ .fd = e->sb.pidfd, .events = POLLIN },
			{ .fd = e->sb.out_fd, .events = POLLIN },
			/* not polled: waking up when the bootstrap execs would
			 * take CPU from its init; a failed execve shows as its
			 * exit (status 127), read then */
			{ .fd = -1, .events = POLLIN },
		};
		int n = poll(p, 4, tmo);
		if (n < 0 && errno != EINTR)
			lp_err(LP_EXIT_ENV, "poll");
		if (n <= 0) {
			lsvc_run(e->svc); /* MHD timeouts */
			continue;
		}
		if (p[0].revents)
			lsvc_run(e->svc);
		if (p[2].revents)
			drain_output(e);
		if (p[1].revents && !satisfied(e, u)) {
			/* The process is gone: take what it managed to send first. */
			lsvc_run(e->svc);
			if (satisfied(e, u))
				return 1;
			e->t_dead = lp_now_ns();
			drain_output(e);
			if (e->sb.exec_err_fd >= 0)
				e->exec_errno = sb_exec_check(&e->sb);
			sb_reap(&e->sb, &e->ex);
			e->dead = 1;
			return 0;
		}
	}
}

static uint64_t deadline_after(double s) { return lp_now_ns() + (uint64_t)(s * 1e9); }

static void kill_env(cs_env *e)
{
	if (e->dead)
		return;
	sb_kill(&e->sb);
	e->t_dead = lp_now_ns();
	sb_reap(&e->sb, &e->ex);
	drain_output(e);
	e->dead = 1;
}

/* ---- environment ---- */

static void env_set(char ***envp, size_t *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = 0; i < *n; i++)
		if (strncmp((*envp)[i], kv, kl) == 0 && (*envp)[i][kl] == '=') {
			free((*envp)[i]);
			(*envp)[i] = lp_xstrdup(kv);
			return;
		}
	*envp = lp_xreallocarray(*envp, *n + 2, sizeof **envp);
	(*envp)[(*n)++] = lp_xstrdup(kv);
	(*envp)[*n] = NULL;
}

static void build_env(cs_env *e)
{
	const struct cs_config *c = &e->cfg;
	size_t n = 0;
	e->envp = lp_xcalloc(1, sizeof *e->envp);
	char date[16], hex[33], id[37];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y/%m/%d", &tm);
	lsvc_new_request_id(id);
	size_t k = 0;
	for (const char *p = id; *p && k < 32; p++)
		if (*p != '-')
			hex[k++] = *p;
	hex[k] = '\0';
	char *v[] = {
		lp_xasprintf("AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u", lsvc_port(e->svc)),
		lp_xasprintf("_HANDLER=%s", c->handler),
		lp_xasprintf("LAMBDA_TASK_ROOT=%s", e->sb.taskroot),
		lp_xasprintf("AWS_LAMBDA_FUNCTION_NAME=%s", c->func),
		lp_xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%ld", c->memory_mb),
		lp_xasprintf("AWS_LAMBDA_FUNCTION_VERSION=$LATEST"),
		lp_xasprintf("AWS_REGION=%s", c->region),
		lp_xasprintf("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", c->func),
		lp_xasprintf("AWS_LAMBDA_LOG_STREAM_NAME=%s/[$LATEST]%s", date, hex),
		lp_xasprintf("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand"),
		lp_xasprintf("TZ=:UTC"),
		lp_xasprintf("LANG=en_US.UTF-8"),
		lp_xasprintf("PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
		lp_xasprintf("LD_LIBRARY_PATH=/lib64:/usr/lib64:%s:%s/lib:/opt/lib", e->sb.taskroot, e->sb.taskroot),
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		env_set(&e->envp, &n, v[i]);
		free(v[i]);
	}
	for (const char *const *x = c->extra_env; x && *x; x++)
		env_set(&e->envp, &n, *x);
}

static void fail_init(cs_env *e, enum cs_status st, const char *etype, const char *reason)
{
	e->init_failed = 1;
	e->init_status = st;
	snprintf(e->init_etype, sizeof e->init_etype, "%s", etype);
	if (reason) {
		e->init_ms = NAN;
		snprintf(e->init_ms_reason, sizeof e->init_ms_reason, "%s", reason);
	}
}

cs_env *cs_start(const struct cs_config *cfg, const struct cs_hooks *hooks, char *err, size_t errlen)
{
	cs_env *e = lp_xcalloc(1, sizeof *e);
	e->cfg = *cfg;
	if (hooks)
		e->hooks = *hooks;
	e->init_ms = NAN;
	e->rss_at_end = -1;
	sb_init(&e->sb);
	pc_none(&e->pc, "counters disabled by caller");
	e->svc = lsvc_start(on_svc, e, err, errlen);
	if (!e->svc) {
		free(e);
		return NULL;
	}
	snprintf(e->arn, sizeof e->arn, "arn:aws:lambda:%s:000000000000:function:%s", cfg->region, cfg->func);
	struct sb_config sc = {
		.src = cfg->src, .workdir = cfg->workdir, .memory_mb = cfg->memory_mb,
		.use_cgroup = cfg->use_cgroup, .cold_cache = cfg->cold_cache,
		.evict_extra = cfg->evict_extra, .run = cfg->run ? &cfg->run->sb : NULL,
	};
	if (sb_prepare(&e->sb, &sc, err, errlen) != 0)
		goto fail;
	build_env(e);
	if (sb_fork(&e->sb, e->envp, err, errlen) != 0)
		goto fail;
	if (cfg->counters)
		pc_open(&e->pc, e->sb.pid);
	if (e->hooks.pre_exec && e->hooks.pre_exec(e->hooks.arg, e->sb.pid) != 0) {
		snprintf(err, errlen, "the caller's pre-exec hook refused to start %s", cfg->src);
		goto fail;
	}
	pc_zero(&e->pc, &e->at_init);
	e->ready = e->at_init;
	if (sb_release(&e->sb, &e->t_spawn, err, errlen) != 0)
		goto fail;
	/* init_timeout from the release, the instant init_ms starts at: no
	 * second clock read while the bootstrap starts */
	int r = run_until(e, U_INIT, e->t_spawn + (uint64_t)(cfg->init_timeout_s * 1e9));
	if (r == 1 && e->init_failed) {
		/* Lambda discards an environment whose init failed; the runtime
		 * gets a moment to read our 202 and exit on its own. */
		if (run_until(e, U_EXIT, deadline_after(1.0)) != 0)
			kill_env(e);
	} else if (r == 0) {
		e->init_ms = (double)(e->t_dead - e->t_spawn) / 1e6;
		pc_read(&e->pc, &e->at_init);
		if (e->exec_errno) {
			/* Lambda: Runtime.InvalidEntrypoint */
			fail_init(e, CS_RUNTIME_EXIT, "Runtime.InvalidEntrypoint", NULL);
			log_printf(e, "lp: execve %s: %s\n", e->sb.bootstrap, strerror(e->exec_errno));
		} else if (e->ex.oom_killed)
			fail_init(e, CS_OOM, "Runtime.OutOfMemory", NULL);
		else
			fail_init(e, CS_RUNTIME_EXIT, "Runtime.ExitError", NULL);
	} else if (r == -1) {
		pc_read(&e->pc, &e->at_init);
		kill_env(e);
		char why[128];
		snprintf(why, sizeof why, "init did not finish within %.3g s (init_timeout)", cfg->init_timeout_s);
		fail_init(e, CS_INIT_TIMEOUT, "Sandbox.Timedout", why);
	} else {
		e->init_ms = (double)(e->t_init_end - e->t_spawn) / 1e6;
	}
	return e;
fail:
	e->sb.pid > 0 ? sb_kill(&e->sb) : (void)0;
	sb_destroy(&e->sb);
	pc_close(&e->pc);
	lsvc_stop(e->svc);
	for (char **p = e->envp; p && *p; p++)
		free(*p);
	free(e->envp);
	free(e);
	return NULL;
}

pid_t cs_pid(const cs_env *e) { return e->sb.pid; }
char *const *cs_mapped_files(const cs_env *e) { return e->mapped; }

static void memory_into(cs_env *e, struct cs_result *r)
{
	const char *src = NULL;
	char why[160] = "";
	long long peak = sb_memory_peak(&e->sb, &src, why, sizeof why);
	if (peak >= 0) {
		r->max_memory_used_mb = (peak + 1048575) / 1048576;
		r->memory_source = src;
	} else {
		r->max_memory_used_mb = -1;
		snprintf(r->max_memory_used_mb_reason, sizeof r->max_memory_used_mb_reason, "%s", why);
	}
	r->rss_peak_kb = e->dead ? e->ex.maxrss_kb : sb_rss_peak_kb(&e->sb);
	if (r->rss_peak_kb < 0 && e->rss_at_end >= 0)
		r->rss_peak_kb = e->rss_at_end;
	r->cpu_limited = e->sb.cpu_limited;
	r->memory_limited = e->sb.mem_limited;
	snprintf(r->limits_reason, sizeof r->limits_reason, "%s",
	    (r->cpu_limited && r->memory_limited) ? "" : e->sb.cg_reason);
	r->cache_cold = e->sb.cache_cold;
	r->evicted_files = e->sb.evicted_files;
	r->bad_requests = e->bad_requests;
	r->private_tmp = e->sb.private_tmp;
}

static void base_result(cs_env *e, struct cs_result *r)
{
	memset(r, 0, sizeof *r);
	r->seq = ++e->seq;
	r->cold = r->seq == 1;
	r->exit_code = -1;
	r->init_ms = NAN;
	r->duration_ms = NAN;
	r->t_spawn_ns = e->t_spawn;
	r->t_init_end_ns = e->t_init_end;
	if (r->cold) {
		r->init_ms = e->init_ms;
		snprintf(r->init_ms_reason, sizeof r->init_ms_reason, "%s", e->init_ms_reason);
		struct pc_sample z;
		pc_zero(&e->pc, &z);
		pc_delta(&z, &e->at_init, &r->counters_init);
	} else {
		snprintf(r->init_ms_reason, sizeof r->init_ms_reason, "warm start");
		pc_sample_null(&r->counters_init, "warm start");
	}
}

static void exit_status(cs_env *e, struct cs_result *r)
{
	if (e->ex.oom_killed) {
		r->status = CS_OOM;
		snprintf(r->error_type, sizeof r->error_type, "Runtime.OutOfMemory");
	} else {
		r->status = CS_RUNTIME_EXIT;
		snprintf(r->error_type, sizeof r->error_type, "Runtime.ExitError");
	}
	r->exit_code = e->ex.exited ? e->ex.code : -1;
	r->signal = e->ex.signal;
}

static void report(cs_env *e, const struct cs_result *r)
{
	char mem[32];
	if (r->max_memory_used_mb >= 0)
		snprintf(mem, sizeof mem, "%lld MB", r->max_memory_used_mb);
	else
		snprintf(mem, sizeof mem, "- MB");
	char dur[64] = "", bill[64] = "";
	if (!isnan(r->duration_ms)) {
		snprintf(dur, sizeof dur, "%.2f ms", r->duration_ms);
		snprintf(bill, sizeof bill, "%.0f ms", ceil(r->duration_ms));
	} else {
		snprintf(dur, sizeof dur, "- ms");
		snprintf(bill, sizeof bill, "- ms");
	}
	char init[64] = "";
	if (r->cold && !isnan(r->init_ms))
		snprintf(init, sizeof init, "Init Duration: %.2f ms\t", r->init_ms);
	char status[200] = "";
	if (r->status != CS_OK)
		snprintf(status, sizeof status, "Status: %s\t%s%s%s", cs_status_name(r->status),
		    r->error_type[0] ? "Error Type: " : "", r->error_type, r->error_type[0] ? "\t" : "");
	log_printf(e, "END RequestId: %s\n", r->request_id);
	log_printf(e, "REPORT RequestId: %s\tDuration: %s\tBilled Duration: %s\tMemory Size: %ld MB\tMax Memory Used: %s\t%s%s\n",
	    r->request_id, dur, bill, e->cfg.memory_mb, mem, init, status);
}

int cs_invoke(cs_env *e, const char *event, size_t len, struct cs_result *r)
{
	base_result(e, r);
	lsvc_new_request_id(r->request_id);
	pc_sample_null(&r->counters_invoke, "no event handed out");
	if (e->init_failed || (!e->initialized && e->dead)) {
		r->status = e->init_status;
		snprintf(r->error_type, sizeof r->error_type, "%s", e->init_etype);
		if (r->status == CS_RUNTIME_EXIT || r->status == CS_OOM) {
			r->exit_code = e->ex.exited ? e->ex.code : -1;
			r->signal = e->ex.signal;
		}
		snprintf(r->duration_ms_reason, sizeof r->duration_ms_reason,
		    "init failed (%s): no event handed out", cs_status_name(r->status));
		memory_into(e, r);
		if (r->cold) {
			/* Lambda's INIT_REPORT for a failed init */
			char d[48] = "-";
			if (!isnan(r->init_ms))
				snprintf(d, sizeof d, "%.2f", r->init_ms);
			log_printf(e, "INIT_REPORT Init Duration: %s ms\tPhase: init\tStatus: %s\tError Type: %s\n",
			    d, cs_status_name(r->status), r->error_type);
		}
		return 1;
	}
	if (e->dead) {
		exit_status(e, r);
		snprintf(r->duration_ms_reason, sizeof r->duration_ms_reason, "the runtime had exited before the event");
		memory_into(e, r);
		report(e, r);
		return 1;
	}
	char trace[96];
	lsvc_new_trace_id(trace);
	e->have_result = 0;
	e->t_handed = 0;
	int64_t deadline_ms = lp_wall_ms() + (int64_t)(e->cfg.timeout_s * 1000);
	struct lsvc_invocation inv = {
		.request_id = r->request_id, .payload = event, .payload_len = len,
		.deadline_wall_ms = deadline_ms, .function_arn = e->arn, .trace_id = trace,
		.client_context = e->cfg.client_context, .cognito_identity = e->cfg.cognito_identity,
	};
	drain_output(e);
	log_printf(e, "START RequestId: %s Version: $LATEST\n", r->request_id);
	uint64_t t_deliver = lp_now_ns();
	lsvc_deliver(e->svc, &inv, &e->t_handed);
	int rr = run_until(e, U_RESULT, t_deliver + (uint64_t)(e->cfg.timeout_s * 1e9));
	uint64_t t0 = e->t_handed ? e->t_handed : t_deliver;
	if (rr == 1) {
		r->duration_ms = (double)(e->t_end - t0) / 1e6;
		if (e->result_kind == LSVC_RESPONSE) {
			r->status = CS_OK;
		} else {
			r->status = CS_ERROR;
			snprintf(r->error_type, sizeof r->error_type, "%s", e->etype);
		}
		pc_delta(&e->ready, &e->at_end, &r->counters_invoke);
		r->response = e->rbody;
		r->response_len = e->rlen;
		e->rbody = NULL;
		e->rlen = 0;
		drain_output(e);
	} else if (rr == 0) {
		r->duration_ms = (double)(e->t_dead - t0) / 1e6;
		struct pc_sample now;
		pc_read(&e->pc, &now);
		pc_delta(&e->ready, &now, &r->counters_invoke);
		exit_status(e, r);
		lsvc_clear(e->svc);
	} else {
		struct pc_sample now;
		pc_read(&e->pc, &now);
		pc_delta(&e->ready, &now, &r->counters_invoke);
		r->rss_peak_kb = sb_rss_peak_kb(&e->sb);
		kill_env(e);
		r->duration_ms = (double)(e->t_dead - t0) / 1e6;
		r->status = CS_TIMEOUT;
		snprintf(r->error_type, sizeof r->error_type, "%s",
		    e->cfg.stop && *e->cfg.stop ? "lp.Interrupted" : "Sandbox.Timedout");
		lsvc_clear(e->svc);
		log_printf(e, "Task timed out after %.2f seconds\n", e->cfg.timeout_s);
		if (e->hooks.invoke_end)
			e->hooks.invoke_end(e->hooks.arg, e->sb.pid, e->seq, e->t_dead);
	}
	if (rr == 0 && e->hooks.invoke_end)
		e->hooks.invoke_end(e->hooks.arg, e->sb.pid, e->seq, e->t_dead);
	r->t_handed_ns = t0;
	r->t_end_ns = rr == 1 ? e->t_end : e->t_dead;
	memory_into(e, r);
	report(e, r);
	return e->dead ? 1 : 0;
}

void cs_end(cs_env *e)
{
	if (!e)
		return;
	if (!e->dead && e->initialized && !e->init_failed)
		run_until(e, U_NEXT, deadline_after(e->cfg.post_wait_s));
	kill_env(e);
	drain_output(e);
	pc_close(&e->pc);
	sb_destroy(&e->sb);
	lsvc_stop(e->svc);
	for (char **p = e->envp; p && *p; p++)
		free(*p);
	free(e->envp);
	sb_free_list(e->mapped);
	free(e->rbody);
	free(e);
}

void cs_cleanup(void) { sb_pool_drain(); }

cs_run *cs_run_begin(const struct cs_config *cfg, char *err, size_t errlen)
{
	cs_run *r = lp_xcalloc(1, sizeof *r);
	if (mkdir(cfg->workdir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", cfg->workdir, strerror(errno));
		free(r);
		return NULL;
	}
	if (sb_run_begin(&r->sb, cfg->src, cfg->workdir, cfg->cold_cache, err, errlen) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

int cs_run_shared(const cs_run *r, const char **why)
{
	if (why)
		*why = r && !r->sb.ns ? r->sb.why : NULL;
	return r && r->sb.ns;
}

void cs_run_end(cs_run *r)
{
	if (!r)
		return;
	sb_run_end(&r->sb);
	free(r);
}

void cs_result_free(struct cs_result *r)
{
	free(r->response);
	r->response = NULL;
}

static void set_ms(json_t *o, const char *key, double v, const char *reason)
{
	if (isnan(v)) {
		char k[64];
		json_object_set_new(o, key, json_null());
		snprintf(k, sizeof k, "%s_reason", key);
		json_object_set_new(o, k, json_string(reason && *reason ? reason : "not measured"));
	} else {
		json_object_set_new(o, key, nd_real(v));
	}
}

json_t *cs_result_json(const struct cs_config *c, const struct cs_result *r)
{
	json_t *o = json_object();
	if (!o)
		lp_errx(LP_EXIT_ENV, "out of memory");
	json_object_set_new(o, "type", json_string("invocation"));
	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "run_id", json_string(c->run_id));
	json_object_set_new(o, "func", json_string(c->func));
	json_object_set_new(o, "impl", json_string(c->impl));
	json_object_set_new(o, "platform", json_string("local"));
	json_object_set_new(o, "arch", json_string(c->arch));
	json_object_set_new(o, "memory_mb", json_integer(c->memory_mb));
	json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
	json_object_set_new(o, "env_seq", json_integer((json_int_t)r->seq));
	json_object_set_new(o, "request_id", json_string(r->request_id));
	json_object_set_new(o, "start", json_string(r->cold ? "cold" : "warm"));
	json_object_set_new(o, "cache", json_string(r->cache_cold ? "cold" : "warm"));
	json_object_set_new(o, "status", json_string(cs_status_name(r->status)));
	if (r->error_type[0])
		json_object_set_new(o, "error_type", json_string(r->error_type));
	if (r->status == CS_RUNTIME_EXIT || r->status == CS_OOM) {
		json_object_set_new(o, "exit_code", r->exit_code >= 0 ? json_integer(r->exit_code) : json_null());
		if (r->signal > 0) {
			const char *abbr = sigabbrev_np(r->signal);
			char name[32];
			snprintf(name, sizeof name, "SIG%s", abbr ? abbr : "UNKNOWN");
			json_object_set_new(o, "signal", json_string(name));
		} else {
			json_object_set_new(o, "signal", json_null());
		}
	}
	set_ms(o, "init_ms", r->init_ms, r->init_ms_reason);
	set_ms(o, "duration_ms", r->duration_ms, r->duration_ms_reason);
	set_ms(o, "billed_ms", isnan(r->duration_ms) ? NAN : ceil(r->duration_ms), r->duration_ms_reason);
	if (r->max_memory_used_mb >= 0) {
		json_object_set_new(o, "max_memory_used_mb", json_integer(r->max_memory_used_mb));
		json_object_set_new(o, "memory_source", json_string(r->memory_source));
	} else {
		json_object_set_new(o, "max_memory_used_mb", json_null());
		json_object_set_new(o, "max_memory_used_mb_reason", json_string(r->max_memory_used_mb_reason));
		json_object_set_new(o, "memory_source", json_null());
	}
	if (r->rss_peak_kb >= 0) {
		json_object_set_new(o, "rss_peak_kb", json_integer(r->rss_peak_kb));
	} else {
		json_object_set_new(o, "rss_peak_kb", json_null());
		json_object_set_new(o, "rss_peak_kb_reason", json_string("process gone before its peak RSS could be read"));
	}
	json_object_set_new(o, "cpu_limited", json_boolean(r->cpu_limited));
	json_object_set_new(o, "memory_limited", json_boolean(r->memory_limited));
	if (!(r->cpu_limited && r->memory_limited))
		json_object_set_new(o, "limits_reason", json_string(r->limits_reason[0] ? r->limits_reason : "unknown"));
	if (r->cache_cold)
		json_object_set_new(o, "evicted_files", json_integer(r->evicted_files));
	json_object_set_new(o, "tmp", json_string(r->private_tmp ? "private_mount" : "TMPDIR"));
	json_object_set_new(o, "bad_requests", json_integer((json_int_t)r->bad_requests));
	json_object_set_new(o, "response_bytes", json_integer((json_int_t)r->response_len));
	json_t *ctr = json_object();
	json_object_set_new(ctr, "init", pc_json(&r->counters_init));
	json_object_set_new(ctr, "invoke", pc_json(&r->counters_invoke));
	json_object_set_new(o, "counters", ctr);
	return o;
}
