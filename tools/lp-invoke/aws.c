/* aws.c — `lp-invoke --platform aws FUNCTION`: measure forced cold starts
 * of a deployed Lambda function through the Lambda REST API, the way
 * lambda-perf does: before each cold invocation change one environment
 * variable (UpdateFunctionConfiguration, keeping the others), wait until
 * GetFunctionConfiguration says LastUpdateStatus Successful (polled with
 * backoff and a deadline), then Invoke with X-Amz-Log-Type: Tail and read
 * Lambda's own REPORT line (Init Duration, Duration, Billed Duration,
 * Memory Size, Max Memory Used, Restore Duration).
 *
 * Records are `invocation` records (docs/schema.md).  `platform` is "aws"
 * only when the endpoint is AWS's own; against any other endpoint (such as
 * `lp-invoke serve` on 127.0.0.1) the numbers were made on that machine,
 * so the record says "local" and names the endpoint. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsapi.h"
#include "b64.h"
#include "deploy.h"
#include "invoke.h"
#include "lputil.h"
#include "lreport.h"
#include "ndjson.h"

#define AWS_NONCE_VAR "LP_COLD_START_NONCE"

static volatile sig_atomic_t aws_stop;

static void
aws_on_signal(int sig)
{
	aws_stop = sig;
}

/* 1 when the endpoint is AWS's own Lambda service. */
static int
aws_is_aws_endpoint(const char *url)
{
	const char *h = strstr(url, "://");
	char host[256];
	size_t n;
	if (h == NULL)
		return 0;
	h += 3;
	n = strcspn(h, ":/");
	if (n == 0 || n >= sizeof host)
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	const char *suf[] = { ".amazonaws.com", ".amazonaws.com.cn", NULL };
	for (int i = 0; suf[i]; i++) {
		size_t sl = strlen(suf[i]);
		if (n > sl && strcmp(host + n - sl, suf[i]) == 0)
			return 1;
	}
	return 0;
}

static void
aws_set_ms(json_t *o, const char *key, double v, const char *reason)
{
	if (isnan(v)) {
		char k[64];
		snprintf(k, sizeof k, "%s_reason", key);
		json_object_set_new(o, key, json_null());
		json_object_set_new(o, k, json_string(reason));
	} else {
		json_object_set_new(o, key, nd_real(v));
	}
}

struct aws_run {
	const struct inv_opts *o;
	struct aws_client cl;
	const char *name;
	const char *func;
	const char *platform;
	char arch[16];
	long memory_mb;
	json_t *vars;          /* the function's variables before the run */
	int log_fd;
	unsigned long seq;
	long cold_done, cold_wanted;
};

/* Update the configuration and wait for LastUpdateStatus Successful. */
static int
aws_update_and_wait(struct aws_run *R, json_t *changes, double *update_ms, int *polls,
    int *conflicts, char *err, size_t errlen)
{
	double t0 = lp_now_ms(), deadline = t0 + 300000; /* 5 min: AWS updates take seconds */
	json_t *out = NULL;
	*conflicts = 0;
	for (;;) {
		if (aws_update_function_configuration(&R->cl, R->name, changes, deadline, &out, err, errlen) == 0)
			break;
		/* an update still in progress (ours or someone's): wait and retry */
		if (strstr(err, "ResourceConflictException") == NULL || lp_now_ms() > deadline)
			return -1;
		(*conflicts)++;
		json_t *ready;
		if (aws_wait_function_ready(&R->cl, R->name, deadline, &ready, NULL, err, errlen) < 0)
			return -1;
		json_decref(ready);
	}
	json_decref(out);
	json_t *ready;
	if (aws_wait_function_ready(&R->cl, R->name, deadline, &ready, polls, err, errlen) < 0)
		return -1;
	json_decref(ready);
	*update_ms = lp_now_ms() - t0;
	return 0;
}

/* The function's error type from a function-error payload. */
static void
aws_payload_error_type(const char *body, size_t len, char *out, size_t outlen)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	const char *t = j ? json_string_value(json_object_get(j, "errorType")) : NULL;
	snprintf(out, outlen, "%s", t ? t : "");
	json_decref(j);
}

/* One Invoke; writes one record.  0 ok (a record was written), -1 the
 * request could not be completed (err). */
static int
aws_invoke_one(struct aws_run *R, const char *event, size_t len, int forced, double update_ms,
    int polls, int conflicts, char *err, size_t errlen)
{
	struct aws_response r;
	const char *hdr[] = { "X-Amz-Invocation-Type: RequestResponse", "X-Amz-Log-Type: Tail",
		"Content-Type: application/json", NULL };
	char *path = lp_xasprintf("/2015-03-31/functions/%s/invocations", R->name);
	double t0 = lp_now_ms();
	int rc = aws_request(&R->cl, "POST", path, hdr, event, len, 0, &r, err, errlen);
	double rtt = lp_now_ms() - t0;
	free(path);
	if (rc < 0) {
		aws_response_free(&r);
		return -1;
	}
	if (r.status != 200) {
		char d[512];
		snprintf(err, errlen, "Invoke %s: %s", R->name, aws_describe(&r, d, sizeof d));
		aws_response_free(&r);
		return -1;
	}
	R->seq++;
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("invocation"));
	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "run_id", json_string(lp_run_id()));
	json_object_set_new(o, "func", json_string(R->func));
	json_object_set_new(o, "impl", json_string(R->o->impl));
	json_object_set_new(o, "platform", json_string(R->platform));
	json_object_set_new(o, "arch", json_string(R->arch));
	json_object_set_new(o, "memory_mb", json_integer(R->memory_mb));
	json_object_set_new(o, "seq", json_integer((json_int_t)R->seq));
	json_object_set_new(o, "via", json_string("lambda_api"));
	json_object_set_new(o, "endpoint", json_string(R->cl.endpoint));
	json_object_set_new(o, "function_name", json_string(R->name));
	json_object_set_new(o, "request_id", r.request_id ? json_string(r.request_id) : json_null());
	json_object_set_new(o, "forced_cold", json_boolean(forced));

	/* the log tail and its REPORT line */
	struct lr_report rep;
	char why[300] = "";
	int have_rep = 0;
	if (r.log_result == NULL) {
		snprintf(why, sizeof why, "the response has no X-Amz-Log-Result header");
	} else {
		size_t ln;
		unsigned char *log = b64_decode(r.log_result, strlen(r.log_result), &ln);
		if (log == NULL) {
			snprintf(why, sizeof why, "X-Amz-Log-Result is not valid base64");
		} else {
			if (R->log_fd >= 0 && ln && write(R->log_fd, log, ln) < 0)
				lp_warn("log");
			char perr[200];
			if (lr_parse_log((const char *)log, ln, r.request_id, &rep, perr, sizeof perr) == 0 ||
			    (r.request_id && lr_parse_log((const char *)log, ln, NULL, &rep, perr, sizeof perr) == 0))
				have_rep = 1;
			else
				snprintf(why, sizeof why, "REPORT: %s", perr);
			free(log);
		}
	}
	if (have_rep) {
		json_object_set_new(o, "start", json_string(rep.has_init ? "cold" : "warm"));
		json_object_set_new(o, "start_source", json_string("report"));
	} else {
		json_object_set_new(o, "start", json_null());
		json_object_set_new(o, "start_reason", json_string(why));
	}
	const char *status = "ok";
	char etype[128] = "";
	if (r.function_error) {
		status = "error";
		aws_payload_error_type(r.body, r.body_len, etype, sizeof etype);
		if (!etype[0])
			snprintf(etype, sizeof etype, "%s", r.function_error);
		json_object_set_new(o, "function_error", json_string(r.function_error));
	}
	json_object_set_new(o, "status", json_string(status));
	if (etype[0])
		json_object_set_new(o, "error_type", json_string(etype));
	if (have_rep) {
		aws_set_ms(o, "init_ms", rep.init_ms, rep.has_init ? "REPORT wrote Init Duration as '-'" :
		    "warm start: the REPORT line has no Init Duration");
		aws_set_ms(o, "restore_ms", rep.restore_ms, "no Restore Duration in the REPORT line (not a SnapStart restore)");
		aws_set_ms(o, "duration_ms", rep.duration_ms, "REPORT wrote Duration as '-'");
		aws_set_ms(o, "billed_ms", rep.billed_duration_ms, "REPORT wrote Billed Duration as '-'");
		if (rep.memory_size_mb > 0)
			json_object_set_new(o, "memory_mb", json_integer(rep.memory_size_mb));
		if (rep.max_memory_used_mb >= 0) {
			json_object_set_new(o, "max_memory_used_mb", json_integer(rep.max_memory_used_mb));
			json_object_set_new(o, "memory_source", json_string("report"));
		} else {
			json_object_set_new(o, "max_memory_used_mb", json_null());
			json_object_set_new(o, "max_memory_used_mb_reason", json_string("REPORT wrote Max Memory Used as '-'"));
			json_object_set_new(o, "memory_source", json_null());
		}
		if (rep.status[0])
			json_object_set_new(o, "report_status", json_string(rep.status));
	} else {
		aws_set_ms(o, "init_ms", NAN, why);
		aws_set_ms(o, "restore_ms", NAN, why);
		aws_set_ms(o, "duration_ms", NAN, why);
		aws_set_ms(o, "billed_ms", NAN, why);
		json_object_set_new(o, "max_memory_used_mb", json_null());
		json_object_set_new(o, "max_memory_used_mb_reason", json_string(why));
		json_object_set_new(o, "memory_source", json_null());
	}
	json_object_set_new(o, "rtt_ms", nd_real(rtt));
	aws_set_ms(o, "update_ms", forced ? update_ms : NAN, "no configuration update before this invocation");
	json_object_set_new(o, "update_polls", forced ? json_integer(polls) : json_null());
	json_object_set_new(o, "update_conflicts", json_integer(conflicts));
	json_object_set_new(o, "attempts", json_integer(r.attempts));
	json_object_set_new(o, "retries", json_integer(r.attempts - 1));
	json_object_set_new(o, "throttled", json_integer(r.throttled));
	json_object_set_new(o, "server_errors", json_integer(r.server_errors));
	json_object_set_new(o, "response_bytes", json_integer((json_int_t)r.body_len));
	json_object_set_new(o, "rss_peak_kb", json_null());
	json_object_set_new(o, "rss_peak_kb_reason", json_string("Lambda reports Max Memory Used only"));
	json_object_set_new(o, "counters", json_null());
	json_object_set_new(o, "counters_reason", json_string("the Lambda API exposes no hardware or software counters"));
	nd_emit(stdout, o);
	if (have_rep && rep.has_init)
		R->cold_done++;
	aws_response_free(&r);
	return 0;
}

int
invoke_aws(const struct inv_opts *o)
{
	struct aws_run R;
	char err[1024];
	struct inv_events ev;

	memset(&R, 0, sizeof R);
	R.o = o;
	R.name = o->target;
	R.log_fd = -1;
	if (!aws_valid_function_name(R.name))
		lp_usage_error("--platform aws: '%s' is not a Lambda function name ([A-Za-z0-9_-]{1,64})", R.name);
	R.func = o->func ? o->func : R.name;
	if (o->nenv)
		lp_usage_error("--env is not used with --platform aws (the function's own configuration applies)");
	inv_events_open(&ev, o->event_file);
	const char *region = o->region;
	if (aws_client_init(&R.cl, region, o->endpoint, err, sizeof err) < 0)
		lp_errx(strncmp(err, "bad ", 4) == 0 ? LP_EXIT_USAGE : LP_EXIT_ENV, "%s", err);
	R.platform = aws_is_aws_endpoint(R.cl.endpoint) ? "aws" : "local";
	if (o->log_file) {
		R.log_fd = open(o->log_file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (R.log_fd < 0)
			lp_err(LP_EXIT_ENV, "%s", o->log_file);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = aws_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* the function as it is */
	json_t *cfg;
	if (aws_get_function_configuration(&R.cl, R.name, lp_now_ms() + 120000, &cfg, err, sizeof err) < 0) {
		aws_client_free(&R.cl);
		lp_errx(strstr(err, "ResourceNotFoundException") ? LP_EXIT_USAGE : LP_EXIT_ENV, "%s", err);
	}
	const char *farch = json_string_value(json_array_get(json_object_get(cfg, "Architectures"), 0));
	snprintf(R.arch, sizeof R.arch, "%s", farch ? farch : "x86_64");
	/* --memory changes the function's memory for the run; without it the
	 * function keeps its own */
	json_t *msz = json_object_get(cfg, "MemorySize");
	R.memory_mb = o->memory_set || !json_is_integer(msz) ? o->memory_mb : (long)json_integer_value(msz);
	json_t *vars = json_object_get(json_object_get(cfg, "Environment"), "Variables");
	R.vars = vars ? json_deep_copy(vars) : json_object();
	json_object_del(R.vars, AWS_NONCE_VAR);
	const char *runtime = json_string_value(json_object_get(cfg, "Runtime"));
	if (runtime && strncmp(runtime, "provided", 8) != 0)
		lp_warnx("%s runs %s, not a custom runtime (provided.al2023): measuring it anyway", R.name, runtime);
	json_decref(cfg);

	/* --arch: the architecture is part of the code (UpdateFunctionCode) */
	int rc = LP_EXIT_OK;
	if (o->arch && strcmp(o->arch, R.arch) != 0) {
		if (o->zip == NULL) {
			lp_warnx("%s is %s; --arch %s needs its code: give --zip FILE (a %s bootstrap)",
			    R.name, R.arch, o->arch, o->arch);
			rc = LP_EXIT_USAGE;
			goto out;
		}
		if (deploy_put_code(&R.cl, R.name, o->zip, o->arch, lp_now_ms() + 600000, err, sizeof err) < 0) {
			lp_warnx("%s", err);
			rc = LP_EXIT_ENV;
			goto out;
		}
		snprintf(R.arch, sizeof R.arch, "%s", o->arch);
	}

	long warm = o->warm;
	R.cold_wanted = o->cold;
	for (long i = 1; i <= o->cold && !aws_stop; i++) {
		char *event;
		size_t elen;
		if (!inv_next_event(&ev, &event, &elen))
			break;
		/* lambda-perf's forced cold start: one changed variable */
		json_t *v = json_deep_copy(R.vars);
		char nonce[96];
		snprintf(nonce, sizeof nonce, "%s-%ld", lp_run_id(), i);
		json_object_set_new(v, AWS_NONCE_VAR, json_string(nonce));
		json_t *changes = json_pack("{s:{s:o}}", "Environment", "Variables", v);
		if (o->memory_set)
			json_object_set_new(changes, "MemorySize", json_integer(R.memory_mb));
		double update_ms = NAN;
		int polls = 0, conflicts = 0;
		int ur = aws_update_and_wait(&R, changes, &update_ms, &polls, &conflicts, err, sizeof err);
		json_decref(changes);
		if (ur < 0 || aws_stop) {
			free(event);
			if (ur < 0)
				lp_warnx("%s", err);
			rc = LP_EXIT_ENV;
			break;
		}
		int ir = aws_invoke_one(&R, event, elen, 1, update_ms, polls, conflicts, err, sizeof err);
		free(event);
		if (ir < 0) {
			lp_warnx("%s", err);
			rc = LP_EXIT_ENV;
			break;
		}
		for (long k = 0; k < warm && !aws_stop; k++) {
			if (!inv_next_event(&ev, &event, &elen))
				break;
			ir = aws_invoke_one(&R, event, elen, 0, NAN, 0, 0, err, sizeof err);
			free(event);
			if (ir < 0) {
				lp_warnx("%s", err);
				rc = LP_EXIT_ENV;
				break;
			}
		}
		if (rc != LP_EXIT_OK)
			break;
	}
	if (aws_stop && rc == LP_EXIT_OK)
		rc = LP_EXIT_ENV;
	if (R.cold_done < R.cold_wanted)
		lp_warnx("%s: got %ld of %ld cold starts (%lu invocation%s recorded; %lu throttled, "
		    "%lu server errors, %lu transport errors retried)%s", R.name, R.cold_done, R.cold_wanted,
		    R.seq, R.seq == 1 ? "" : "s", R.cl.throttled, R.cl.server_errors, R.cl.transport_errors,
		    aws_stop ? ": interrupted" : "");
out:
	json_decref(R.vars);
	aws_client_free(&R.cl);
	if (R.log_fd >= 0 && close(R.log_fd) != 0)
		lp_err(LP_EXIT_ENV, "%s", o->log_file);
	inv_events_close(&ev);
	return rc;
}
