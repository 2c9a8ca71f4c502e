/* serve.c — `lp-invoke serve`: a local AWS Lambda control-plane API
 * (2015-03-31) on 127.0.0.1 for real clients (the AWS CLI, lp-invoke
 * --platform aws), running functions with the local engine (coldstart.h):
 * one execution environment = one bootstrap process with its own Runtime
 * API, several at once, up to --max-concurrency.
 *
 * Routes: Invoke, GetFunctionConfiguration, GetFunction,
 * UpdateFunctionConfiguration, CreateFunction, UpdateFunctionCode.
 * Requests must carry a SigV4 Authorization header of the right shape (the
 * signature itself is not verified).  Errors use Lambda's JSON shape
 * ({"Type":"User","message":...} + x-amzn-ErrorType).
 *
 * Threads: libmicrohttpd runs one thread per connection; an Invoke drives
 * its environment from that thread (Event invocations from a thread of
 * their own).  One mutex guards the function table and the environment
 * pool; environments start and run outside it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "coldstart.h"
#include "dzip.h"
#include "invoke.h"
#include "awsapi.h"
#include "lputil.h"
#include "lsvc.h"
#include "sha256.h"
#include "ndjson.h"

#define SRV_ACCOUNT "000000000000" /* the local server's account id */
#define SRV_MAX_BODY (70L * 1024 * 1024) /* a 50 MB zip, base64 in JSON */
#define SRV_MAX_EVENT_ASYNC 262144L      /* Lambda: 256 KB for Event */
#define SRV_TAIL 4096                    /* Lambda: the last 4 KB of the log */

struct srv_fn {
	char *name, *arn;
	char *code;          /* task root directory */
	char *role, *handler, *runtime, *description;
	long memory_mb;
	double timeout_s;
	char arch[8];
	json_t *vars;        /* Environment.Variables */
	char last_modified[40];
	char revision[37];
	long long code_size;
	char code_sha[48];   /* CodeSha256: base64 of the zip's SHA-256 */
	unsigned gen;        /* bumped by every change: older environments retire */
	int updating;        /* LastUpdateStatus InProgress */
	unsigned code_gen;
};

struct srv_env {
	unsigned long id;
	struct srv_fn *fn;
	unsigned gen;
	int busy;
	cs_env *e;
	struct cs_config cfg;
	char **extra_env;
	char *workdir;
	int log_fd;          /* memfd: function output + START/END/REPORT */
	int invoked;         /* 0 until the first invocation (the log holds init) */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct srv_fn **fns;
	size_t nfn;
	struct srv_env **envs;
	size_t nenv;
	unsigned long next_env_id;
	int busy;            /* environments running an invocation */
	long max_conc;
	int background;      /* Event invocations and retirements in flight */
	const char *region;
	char *workdir;
	int own_workdir;
	int use_cgroup;
	const char *run_id;
	char host_arch[8];
	volatile int stop;
	pthread_mutex_t out_mu;
} S = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	.out_mu = PTHREAD_MUTEX_INITIALIZER };

struct srv_req {
	char *body;
	size_t len;
	int too_large;
	double t0;
};

static void
srv_emit(json_t *rec)
{
	pthread_mutex_lock(&S.out_mu);
	nd_emit(stdout, rec);
	pthread_mutex_unlock(&S.out_mu);
}

static void
srv_now_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* Lambda's LastModified: 2024-01-01T00:00:00.000+0000 */
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ld+0000", ts.tv_nsec / 1000000);
}

/* ---- responses ---- */

static enum MHD_Result
srv_send(struct MHD_Connection *c, unsigned status, const char *body, size_t len,
    const char *ctype, const char *const *headers)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	char rid[37];
	if (r == NULL)
		return MHD_NO;
	int have_rid = 0;
	for (const char *const *h = headers; h && h[0]; h += 2)
		have_rid |= strcmp(h[0], "x-amzn-RequestId") == 0;
	if (!have_rid) {
		lsvc_new_request_id(rid);
		MHD_add_response_header(r, "x-amzn-RequestId", rid);
	}
	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	for (const char *const *h = headers; h && h[0]; h += 2)
		MHD_add_response_header(r, h[0], h[1]);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
srv_json(struct MHD_Connection *c, unsigned status, json_t *body, const char *const *headers)
{
	char *txt = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (txt == NULL)
		return MHD_NO;
	enum MHD_Result r = srv_send(c, status, txt, strlen(txt), "application/json", headers);
	free(txt);
	return r;
}

/* Lambda's error shape: x-amzn-ErrorType + {"Type":"User","message":...} */
static enum MHD_Result
srv_error(struct MHD_Connection *c, unsigned status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum MHD_Result
srv_error(struct MHD_Connection *c, unsigned status, const char *type, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *b = json_pack("{s:s, s:s}", "Type", status >= 500 ? "Service" : "User", "message", msg);
	if (status == 429)
		json_object_set_new(b, "Reason", json_string("ConcurrentInvocationLimitExceeded"));
	const char *h[] = { "x-amzn-ErrorType", type, NULL, NULL };
	return srv_json(c, status, b, h);
}

/* ---- the function table ---- */

static struct srv_fn *
srv_find(const char *name)
{
	for (size_t i = 0; i < S.nfn; i++)
		if (strcmp(S.fns[i]->name, name) == 0)
			return S.fns[i];
	return NULL;
}

static json_t *
srv_fn_json(const struct srv_fn *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:f, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:{s:i}, s:s}",
	    "FunctionName", f->name, "FunctionArn", f->arn, "Runtime", f->runtime,
	    "Role", f->role, "Handler", f->handler, "CodeSize", (json_int_t)f->code_size,
	    "Description", f->description, "Timeout", f->timeout_s,
	    "MemorySize", (json_int_t)f->memory_mb, "LastModified", f->last_modified,
	    "Version", "$LATEST", "State", "Active",
	    "LastUpdateStatus", f->updating ? "InProgress" : "Successful",
	    "PackageType", "Zip", "RevisionId", f->revision,
	    "Architectures", f->arch, "EphemeralStorage", "Size", 512,
	    "TracingConfig", "PassThrough");
	json_object_set_new(o, "CodeSha256", json_string(f->code_sha));
	/* Timeout is a whole number of seconds in Lambda's API */
	json_object_set_new(o, "Timeout", json_integer((json_int_t)f->timeout_s));
	json_object_set_new(o, "TracingConfig", json_pack("{s:s}", "Mode", "PassThrough"));
	if (f->updating)
		json_object_set_new(o, "LastUpdateStatusReason", json_string("The function is being updated."));
	json_object_set_new(o, "Environment", json_pack("{s:O}", "Variables", f->vars));
	return o;
}

static void
srv_touch(struct srv_fn *f)
{
	char rid[37];
	srv_now_iso(f->last_modified, sizeof f->last_modified);
	lsvc_new_request_id(rid);
	memcpy(f->revision, rid, sizeof f->revision);
}

static void
srv_code_sha(const void *data, size_t len, char out[48])
{
	unsigned char d[32];
	sha256(data, len, d);
	char *b = b64_encode(d, sizeof d);
	snprintf(out, 48, "%s", b);
	free(b);
}

static long long
srv_tree_size(const char *dir)
{
	/* CodeSize of a --function task root: its bootstrap's size (there is
	 * no zip); CreateFunction and UpdateFunctionCode use the zip's size */
	long long total = 0;
	struct stat st;
	char *p = lp_xasprintf("%s/bootstrap", dir);
	if (stat(p, &st) == 0)
		total = st.st_size;
	free(p);
	return total;
}

static struct srv_fn *
srv_add_fn(const char *name, const char *code)
{
	struct srv_fn *f = lp_xcalloc(1, sizeof *f);
	f->name = lp_xstrdup(name);
	f->arn = lp_xasprintf("arn:aws:lambda:%s:%s:function:%s", S.region, SRV_ACCOUNT, name);
	f->code = lp_xstrdup(code);
	f->role = lp_xasprintf("arn:aws:iam::%s:role/lp-local", SRV_ACCOUNT);
	f->handler = lp_xstrdup("bootstrap");
	f->runtime = lp_xstrdup("provided.al2023");
	f->description = lp_xstrdup("");
	f->memory_mb = 128;
	f->timeout_s = 3;
	snprintf(f->arch, sizeof f->arch, "%s", S.host_arch);
	f->vars = json_object();
	f->code_size = srv_tree_size(code);
	/* no zip: the CodeSha256 of a --function task root is its bootstrap's */
	char *bs = lp_xasprintf("%s/bootstrap", code), e[200];
	size_t bl;
	unsigned char *bb = dz_read_file(bs, &bl, e, sizeof e);
	if (bb == NULL)
		bb = dz_read_file(code, &bl, e, sizeof e);
	if (bb)
		srv_code_sha(bb, bl, f->code_sha);
	free(bb);
	free(bs);
	srv_touch(f);
	S.fns = lp_xreallocarray(S.fns, S.nfn + 1, sizeof *S.fns);
	S.fns[S.nfn++] = f;
	return f;
}

static void
srv_free_fn(struct srv_fn *f)
{
	free(f->name);
	free(f->arn);
	free(f->code);
	free(f->role);
	free(f->handler);
	free(f->runtime);
	free(f->description);
	json_decref(f->vars);
	free(f);
}

/* ---- environments ---- */

static void
srv_env_free(struct srv_env *v)
{
	if (v->e)
		cs_end(v->e);
	if (v->log_fd >= 0)
		close(v->log_fd);
	for (char **p = v->extra_env; p && *p; p++)
		free(*p);
	free(v->extra_env);
	free((char *)v->cfg.func);
	free((char *)v->cfg.src);
	free((char *)v->cfg.handler);
	free((char *)v->cfg.arch);
	free(v->workdir);
	free(v);
}

/* Take an idle environment of f's current generation, or reserve a new
 * one.  Caller holds S.mu.  NULL: at the concurrency limit. */
static struct srv_env *
srv_acquire(struct srv_fn *f, int *fresh)
{
	for (size_t i = 0; i < S.nenv; i++) {
		struct srv_env *v = S.envs[i];
		if (!v->busy && v->fn == f && v->gen == f->gen) {
			v->busy = 1;
			S.busy++;
			*fresh = 0;
			return v;
		}
	}
	if (S.busy >= S.max_conc)
		return NULL;
	struct srv_env *v = lp_xcalloc(1, sizeof *v);
	v->id = ++S.next_env_id;
	v->fn = f;
	v->gen = f->gen;
	v->busy = 1;
	v->log_fd = -1;
	/* a snapshot of the configuration this environment runs with */
	cs_config_defaults(&v->cfg);
	v->cfg.run_id = S.run_id;
	v->cfg.func = lp_xstrdup(f->name);
	v->cfg.impl = "unknown";
	v->cfg.arch = lp_xstrdup(f->arch);
	v->cfg.src = lp_xstrdup(f->code);
	v->cfg.handler = lp_xstrdup(f->handler);
	v->cfg.memory_mb = f->memory_mb;
	v->cfg.timeout_s = f->timeout_s;
	v->cfg.region = S.region;
	v->cfg.use_cgroup = S.use_cgroup;
	v->cfg.counters = 0;
	v->cfg.stop = &S.stop;
	v->workdir = lp_xasprintf("%s/env-%lu", S.workdir, v->id);
	v->cfg.workdir = v->workdir;
	size_t nv = json_object_size(f->vars), k = 0;
	v->extra_env = lp_xcalloc(nv + 1, sizeof *v->extra_env);
	const char *key;
	json_t *val;
	json_object_foreach(f->vars, key, val)
		v->extra_env[k++] = lp_xasprintf("%s=%s", key, json_string_value(val));
	v->cfg.extra_env = (const char *const *)v->extra_env;
	S.envs = lp_xreallocarray(S.envs, S.nenv + 1, sizeof *S.envs);
	S.envs[S.nenv++] = v;
	S.busy++;
	*fresh = 1;
	return v;
}

/* Remove v from the pool (caller holds S.mu). */
static void
srv_unlink(struct srv_env *v)
{
	for (size_t i = 0; i < S.nenv; i++)
		if (S.envs[i] == v) {
			memmove(S.envs + i, S.envs + i + 1, (S.nenv - i - 1) * sizeof *S.envs);
			S.nenv--;
			return;
		}
}

/* Give v back: idle, or retired when it is finished or stale. */
static void
srv_release(struct srv_env *v, int finished)
{
	pthread_mutex_lock(&S.mu);
	S.busy--;
	v->busy = 0;
	int retire = finished || v->e == NULL || v->gen != v->fn->gen || S.stop;
	if (retire)
		srv_unlink(v);
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	if (retire)
		srv_env_free(v);
}

struct srv_outcome {
	struct cs_result r;
	int started;          /* 0: the environment could not be built */
	char err[512];
	char *log;            /* this invocation's log slice */
	size_t log_len;
	unsigned long env_id;
};

static void
srv_read_log(struct srv_env *v, off_t from, struct srv_outcome *o)
{
	off_t end = lseek(v->log_fd, 0, SEEK_END);
	if (end < from)
		end = from;
	o->log_len = (size_t)(end - from);
	o->log = lp_xmalloc(o->log_len + 1);
	ssize_t n = pread(v->log_fd, o->log, o->log_len, from);
	o->log_len = n > 0 ? (size_t)n : 0;
	o->log[o->log_len] = '\0';
}

/* Run one invocation on v (busy, owned by this thread). */
static void
srv_run(struct srv_env *v, int fresh, const char *event, size_t len, struct srv_outcome *o)
{
	off_t from = 0;
	memset(o, 0, sizeof *o);
	o->env_id = v->id;
	if (fresh) {
		v->log_fd = memfd_create("lp-serve-log", MFD_CLOEXEC);
		if (v->log_fd < 0) {
			snprintf(o->err, sizeof o->err, "memfd_create: %s", strerror(errno));
			return;
		}
		v->cfg.log_fd = v->log_fd;
		v->e = cs_start(&v->cfg, NULL, o->err, sizeof o->err);
		if (v->e == NULL)
			return;
	} else {
		from = lseek(v->log_fd, 0, SEEK_END);
	}
	o->started = 1;
	int rc = cs_invoke(v->e, event, len, &o->r);
	v->invoked = 1;
	srv_read_log(v, from, o);
	json_t *rec = cs_result_json(&v->cfg, &o->r);
	json_object_set_new(rec, "env_id", json_integer((json_int_t)v->id));
	json_object_set_new(rec, "source", json_string("lp-invoke serve"));
	srv_emit(rec);
	if (rc != 0) {
		/* finished: the environment is retired by srv_release */
		cs_end(v->e);
		v->e = NULL;
	}
}

/* The function-error payload Lambda returns when the runtime gave none. */
static char *
srv_error_payload(const struct cs_result *r, const struct srv_fn *f)
{
	json_t *o;
	if (r->status == CS_TIMEOUT)
		o = json_pack("{s:s, s:s}", "errorType", "Sandbox.Timedout", "errorMessage",
		    "Task timed out");
	else
		o = json_pack("{s:s, s:s}", "errorType",
		    r->error_type[0] ? r->error_type : "Runtime.Unknown", "errorMessage", "");
	char msg[300];
	switch (r->status) {
	case CS_TIMEOUT:
		snprintf(msg, sizeof msg, "RequestId: %s Error: Task timed out after %.2f seconds",
		    r->request_id, f->timeout_s);
		break;
	case CS_RUNTIME_EXIT:
		if (r->signal > 0)
			snprintf(msg, sizeof msg, "RequestId: %s Error: Runtime exited with error: signal: %s",
			    r->request_id, strsignal(r->signal));
		else
			snprintf(msg, sizeof msg, "RequestId: %s Error: Runtime exited with error: exit status %d",
			    r->request_id, r->exit_code);
		break;
	case CS_OOM:
		snprintf(msg, sizeof msg, "RequestId: %s Error: Runtime exited with error: signal: killed",
		    r->request_id);
		break;
	case CS_INIT_TIMEOUT:
		snprintf(msg, sizeof msg, "RequestId: %s Error: Init timed out", r->request_id);
		break;
	case CS_INIT_ERROR:
		snprintf(msg, sizeof msg, "RequestId: %s Error: the runtime reported an init error", r->request_id);
		break;
	default:
		snprintf(msg, sizeof msg, "RequestId: %s Error: %s", r->request_id,
		    r->error_type[0] ? r->error_type : "unhandled");
	}
	json_object_set_new(o, "errorMessage", json_string(msg));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* ---- Event invocations (202, run in the background) ---- */

struct srv_async {
	struct srv_env *v;
	int fresh;
	char *event;
	size_t len;
};

static void *
srv_async_main(void *arg)
{
	struct srv_async *a = arg;
	struct srv_outcome o;
	srv_run(a->v, a->fresh, a->event, a->len, &o);
	srv_release(a->v, !o.started || a->v->e == NULL);
	cs_result_free(&o.r);
	free(o.log);
	free(a->event);
	free(a);
	pthread_mutex_lock(&S.mu);
	S.background--;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	return NULL;
}

/* ---- retirement after an update (LastUpdateStatus InProgress) ---- */

struct srv_retire {
	struct srv_fn *f;
	struct srv_env **old;
	size_t n;
	unsigned gen;
};

static void *
srv_retire_main(void *arg)
{
	struct srv_retire *t = arg;
	for (size_t i = 0; i < t->n; i++)
		srv_env_free(t->old[i]);
	pthread_mutex_lock(&S.mu);
	if (t->f->gen == t->gen)
		t->f->updating = 0;
	S.background--;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	free(t->old);
	free(t);
	return NULL;
}

/* A change to f is done (caller holds S.mu): bump the generation so every
 * warm environment retires, as Lambda does, and retire the idle ones in
 * the background while LastUpdateStatus says InProgress. */
static void
srv_changed(struct srv_fn *f)
{
	struct srv_retire *t = lp_xcalloc(1, sizeof *t);
	pthread_t th;
	pthread_attr_t at;

	f->gen++;
	srv_touch(f);
	f->updating = 1;
	t->f = f;
	t->gen = f->gen;
	for (size_t i = 0; i < S.nenv;) {
		struct srv_env *v = S.envs[i];
		if (v->fn == f && !v->busy) {
			t->old = lp_xreallocarray(t->old, t->n + 1, sizeof *t->old);
			t->old[t->n++] = v;
			srv_unlink(v);
		} else {
			i++;
		}
	}
	S.background++;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, srv_retire_main, t) != 0) {
		/* cannot hand it off: retire here, under the lock */
		for (size_t i = 0; i < t->n; i++)
			srv_env_free(t->old[i]);
		f->updating = 0;
		S.background--;
		free(t->old);
		free(t);
	}
	pthread_attr_destroy(&at);
}

/* ---- request checks ---- */

/* A SigV4 Authorization header of the right shape:
 *   AWS4-HMAC-SHA256 Credential=KEY/YYYYMMDD/REGION/lambda/aws4_request,
 *   SignedHeaders=a;b, Signature=<64 hex>
 * 0 ok, else the HTTP status with type/msg set.  Never echoes the key. */
static unsigned
srv_check_auth(struct MHD_Connection *c, const char **type, char *msg, size_t msglen)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *d = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Date");
	const char *p;

	if (a == NULL) {
		*type = "MissingAuthenticationTokenException";
		snprintf(msg, msglen, "Missing Authentication Token");
		return 403;
	}
	*type = "IncompleteSignatureException";
	if (strncmp(a, "AWS4-HMAC-SHA256 ", 17) != 0) {
		snprintf(msg, msglen, "Authorization header requires the AWS4-HMAC-SHA256 algorithm");
		return 403;
	}
	p = strstr(a, "Credential=");
	const char *sh = strstr(a, "SignedHeaders="), *sig = strstr(a, "Signature=");
	if (p == NULL || sh == NULL || sig == NULL) {
		snprintf(msg, msglen, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters");
		return 403;
	}
	/* Credential=KEY/DATE/REGION/SERVICE/aws4_request */
	const char *cs = p + 11, *ce = strpbrk(cs, ", ");
	if (ce == NULL)
		ce = cs + strlen(cs);
	char scope[256];
	size_t sl = (size_t)(ce - cs);
	if (sl >= sizeof scope) {
		snprintf(msg, msglen, "Credential is too long");
		return 403;
	}
	memcpy(scope, cs, sl);
	scope[sl] = '\0';
	char *parts[6] = { 0 };
	int np = 0;
	for (char *s = scope, *save = NULL, *t; np < 6 && (t = strtok_r(s, "/", &save)); s = NULL)
		parts[np++] = t;
	if (np != 5 || strlen(parts[1]) != 8 || strspn(parts[1], "0123456789") != 8 ||
	    strcmp(parts[4], "aws4_request") != 0) {
		snprintf(msg, msglen, "Credential should be KEY/YYYYMMDD/REGION/SERVICE/aws4_request");
		explicit_bzero(scope, sizeof scope);
		return 403;
	}
	*type = "InvalidSignatureException";
	if (strcmp(parts[3], "lambda") != 0) {
		snprintf(msg, msglen, "Credential should be scoped to correct service: 'lambda'.");
		explicit_bzero(scope, sizeof scope);
		return 403;
	}
	if (strcmp(parts[2], S.region) != 0) {
		snprintf(msg, msglen, "Credential should be scoped to a valid region, not '%.40s'. ", parts[2]);
		explicit_bzero(scope, sizeof scope);
		return 403;
	}
	explicit_bzero(scope, sizeof scope);
	const char *hx = sig + 10;
	if (strspn(hx, "0123456789abcdef") != 64) {
		*type = "IncompleteSignatureException";
		snprintf(msg, msglen, "Signature should be 64 lowercase hex digits");
		return 403;
	}
	if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z') {
		*type = "IncompleteSignatureException";
		snprintf(msg, msglen, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
		return 403;
	}
	return 0;
}

/* "/2015-03-31/functions/NAME[/rest]" -> name (decoded ARN forms too). */
static int
srv_route(const char *url, char *name, size_t namelen, const char **rest)
{
	const char *pre = "/2015-03-31/functions";
	size_t pl = strlen(pre);
	if (strncmp(url, pre, pl) != 0)
		return -1;
	url += pl;
	if (*url == '\0' || strcmp(url, "/") == 0) {
		name[0] = '\0';
		*rest = "";
		return 0;
	}
	if (*url != '/')
		return -1;
	url++;
	const char *sl = strchr(url, '/');
	size_t n = sl ? (size_t)(sl - url) : strlen(url);
	if (n == 0 || n >= namelen)
		return -1;
	memcpy(name, url, n);
	name[n] = '\0';
	*rest = sl ? sl : "";
	/* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] */
	char *fnp = strstr(name, "function:");
	if (fnp) {
		memmove(name, fnp + 9, strlen(fnp + 9) + 1);
		char *q = strchr(name, ':');
		if (q && strcmp(q + 1, "$LATEST") == 0)
			*q = '\0';
	}
	return 0;
}

static enum MHD_Result
srv_not_found(struct MHD_Connection *c, const char *name)
{
	return srv_error(c, 404, "ResourceNotFoundException",
	    "Function not found: arn:aws:lambda:%s:%s:function:%.64s", S.region, SRV_ACCOUNT, name);
}

static void
srv_log_api(const char *op, const char *fn, unsigned status, const char *etype, double t0)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:o}", "type", "api_request", "run_id", S.run_id,
	    "operation", op, "status", (int)status, "ms", nd_real(lp_now_ms() - t0));
	json_object_set_new(o, "function", fn && *fn ? json_string(fn) : json_null());
	if (etype)
		json_object_set_new(o, "error_type", json_string(etype));
	srv_emit(o);
}

/* ---- operations ---- */

static enum MHD_Result
op_invoke(struct MHD_Connection *c, const char *name, struct srv_req *q, unsigned *st, const char **et)
{
	const char *itype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
	const char *ltype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
	const char *qual = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Qualifier");
	int is_event = 0, tail = 0;

	if (itype == NULL || strcmp(itype, "RequestResponse") == 0)
		;
	else if (strcmp(itype, "Event") == 0)
		is_event = 1;
	else if (strcmp(itype, "DryRun") != 0) {
		*st = 400, *et = "InvalidParameterValueException";
		return srv_error(c, 400, *et, "Invalid X-Amz-Invocation-Type: %.40s", itype);
	}
	if (ltype && strcmp(ltype, "Tail") == 0)
		tail = !is_event;
	else if (ltype && strcmp(ltype, "None") != 0) {
		*st = 400, *et = "InvalidParameterValueException";
		return srv_error(c, 400, *et, "Invalid X-Amz-Log-Type: %.40s", ltype);
	}
	if (q->too_large || q->len > LSVC_MAX_PAYLOAD) {
		*st = 413, *et = "RequestTooLargeException";
		return srv_error(c, 413, *et, "Request must be smaller than %d bytes for the InvokeFunction operation",
		    LSVC_MAX_PAYLOAD);
	}
	if (is_event && q->len > SRV_MAX_EVENT_ASYNC) {
		*st = 413, *et = "RequestTooLargeException";
		return srv_error(c, 413, *et, "Request must be smaller than %ld bytes for the InvokeFunction operation "
		    "with InvocationType Event", SRV_MAX_EVENT_ASYNC);
	}
	if (q->len > 0) {
		json_error_t je;
		json_t *j = json_loadb(q->body, q->len, JSON_DECODE_ANY, &je);
		if (j == NULL) {
			*st = 400, *et = "InvalidRequestContentException";
			return srv_error(c, 400, *et, "Could not parse request body into json: %s at offset %d",
			    je.text, je.position);
		}
		json_decref(j);
	}
	pthread_mutex_lock(&S.mu);
	struct srv_fn *f = srv_find(name);
	if (f == NULL || (qual && strcmp(qual, "$LATEST") != 0)) {
		pthread_mutex_unlock(&S.mu);
		*st = 404, *et = "ResourceNotFoundException";
		return srv_not_found(c, name);
	}
	if (itype && strcmp(itype, "DryRun") == 0) {
		pthread_mutex_unlock(&S.mu);
		*st = 204;
		return srv_send(c, 204, "", 0, NULL, NULL);
	}
	int fresh;
	struct srv_env *v = srv_acquire(f, &fresh);
	unsigned long timeout_ms = (unsigned long)(f->timeout_s * 1000);
	double fn_timeout = f->timeout_s;
	pthread_mutex_unlock(&S.mu);
	(void)timeout_ms;
	if (v == NULL) {
		*st = 429, *et = "TooManyRequestsException";
		return srv_error(c, 429, *et, "Rate Exceeded.");
	}
	const char *event = q->len ? q->body : "{}";
	size_t elen = q->len ? q->len : 2;
	if (is_event) {
		struct srv_async *a = lp_xcalloc(1, sizeof *a);
		pthread_t th;
		pthread_attr_t at;
		a->v = v;
		a->fresh = fresh;
		a->event = lp_xmalloc(elen + 1);
		memcpy(a->event, event, elen);
		a->event[elen] = '\0';
		a->len = elen;
		pthread_mutex_lock(&S.mu);
		S.background++;
		pthread_mutex_unlock(&S.mu);
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		int pe = pthread_create(&th, &at, srv_async_main, a);
		pthread_attr_destroy(&at);
		if (pe != 0) {
			pthread_mutex_lock(&S.mu);
			S.background--;
			pthread_mutex_unlock(&S.mu);
			srv_release(v, 0);
			free(a->event);
			free(a);
			*st = 500, *et = "ServiceException";
			return srv_error(c, 500, *et, "cannot start a thread: %s", strerror(pe));
		}
		*st = 202;
		return srv_send(c, 202, "", 0, NULL, NULL);
	}
	struct srv_outcome o;
	srv_run(v, fresh, event, elen, &o);
	int finished = !o.started || v->e == NULL;
	srv_release(v, finished);
	if (!o.started) {
		*st = 502, *et = "ServiceException";
		free(o.log);
		return srv_error(c, 502, *et, "lp-invoke serve could not start an execution environment: %s", o.err);
	}
	/* as on Lambda, the response's request id is the invocation's */
	const char *hdr[10] = { "X-Amz-Executed-Version", "$LATEST", "x-amzn-RequestId", o.r.request_id };
	int nh = 4;
	char *b64 = NULL;
	if (tail) {
		size_t off = o.log_len > SRV_TAIL ? o.log_len - SRV_TAIL : 0;
		b64 = b64_encode(o.log + off, o.log_len - off);
		hdr[nh++] = "X-Amz-Log-Result";
		hdr[nh++] = b64;
	}
	enum MHD_Result ret;
	*st = 200;
	if (o.r.status == CS_OK) {
		ret = srv_send(c, 200, o.r.response ? o.r.response : "", o.r.response_len,
		    "application/json", hdr);
	} else {
		char *payload = NULL;
		hdr[nh++] = "X-Amz-Function-Error";
		hdr[nh++] = "Unhandled";
		if (o.r.status == CS_ERROR && o.r.response && o.r.response_len)
			ret = srv_send(c, 200, o.r.response, o.r.response_len, "application/json", hdr);
		else {
			struct srv_fn tmp = { .timeout_s = fn_timeout };
			payload = srv_error_payload(&o.r, &tmp);
			ret = srv_send(c, 200, payload, strlen(payload), "application/json", hdr);
		}
		*et = "Unhandled";
		free(payload);
	}
	free(b64);
	free(o.log);
	cs_result_free(&o.r);
	return ret;
}

/* Validate and apply configuration fields shared by Create and
 * UpdateFunctionConfiguration.  0 ok, else HTTP status with msg. */
static unsigned
srv_apply_config(struct srv_fn *f, json_t *b, int creating, const char **type, char *msg, size_t ml)
{
	json_t *v;
	*type = "InvalidParameterValueException";
	if ((v = json_object_get(b, "MemorySize")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 128 || json_integer_value(v) > 10240) {
			*type = "ValidationException";
			snprintf(msg, ml, "1 validation error detected: Value '%lld' at 'memorySize' failed to satisfy "
			    "constraint: Member must have value between 128 and 10240",
			    json_is_integer(v) ? (long long)json_integer_value(v) : -1LL);
			return 400;
		}
	}
	if ((v = json_object_get(b, "Timeout")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 900) {
			*type = "ValidationException";
			snprintf(msg, ml, "1 validation error detected: Value at 'timeout' failed to satisfy "
			    "constraint: Member must have value between 1 and 900");
			return 400;
		}
	}
	json_t *envj = json_object_get(b, "Environment"), *vars = NULL;
	if (envj) {
		vars = json_object_get(envj, "Variables");
		if (!json_is_object(envj) || (vars && !json_is_object(vars))) {
			snprintf(msg, ml, "Environment.Variables must be a map of strings");
			return 400;
		}
		const char *k;
		json_t *x;
		size_t total = 0;
		json_object_foreach(vars, k, x) {
			total += strlen(k) + (json_is_string(x) ? json_string_length(x) : 0);
			if (!json_is_string(x) || !*k || strchr(k, '=')) {
				snprintf(msg, ml, "Environment variable %.64s must be a string with a name without '='", k);
				return 400;
			}
			/* Lambda reserves these */
			if (strncmp(k, "AWS_", 4) == 0 && strcmp(k, "AWS_LAMBDA_EXEC_WRAPPER") != 0) {
				snprintf(msg, ml, "Lambda was unable to configure your environment variables because "
				    "the environment variables you have provided contains reserved keys that are "
				    "currently not supported for modification. Reserved keys used in this request: %.64s", k);
				return 400;
			}
		}
		if (total > 4096) {
			snprintf(msg, ml, "Lambda was unable to configure your environment variables because the "
			    "environment variables you have provided exceeded the 4KB limit. String measured: %zu bytes", total);
			return 400;
		}
	}
	const char *rt = json_string_value(json_object_get(b, "Runtime"));
	if (json_object_get(b, "Runtime") && (rt == NULL ||
	    (strcmp(rt, "provided.al2023") && strcmp(rt, "provided.al2") && strcmp(rt, "provided")))) {
		snprintf(msg, ml, "lp-invoke serve runs custom runtimes only (provided.al2023, provided.al2), not %.40s",
		    rt ? rt : "(not a string)");
		return 400;
	}
	const char *role = json_string_value(json_object_get(b, "Role"));
	if (creating && role == NULL) {
		*type = "ValidationException";
		snprintf(msg, ml, "1 validation error detected: Value null at 'role' failed to satisfy constraint: "
		    "Member must not be null");
		return 400;
	}
	if (role && strncmp(role, "arn:aws:iam::", 13) != 0) {
		*type = "ValidationException";
		snprintf(msg, ml, "1 validation error detected: Value '%.100s' at 'role' failed to satisfy "
		    "constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+", role);
		return 400;
	}
	/* all valid: apply */
	if ((v = json_object_get(b, "MemorySize")))
		f->memory_mb = (long)json_integer_value(v);
	if ((v = json_object_get(b, "Timeout")))
		f->timeout_s = (double)json_integer_value(v);
	if (vars) {
		json_decref(f->vars);
		f->vars = json_deep_copy(vars);
	} else if (envj) {
		json_decref(f->vars);
		f->vars = json_object();
	}
	if (rt) {
		free(f->runtime);
		f->runtime = lp_xstrdup(rt);
	}
	if (role) {
		free(f->role);
		f->role = lp_xstrdup(role);
	}
	const char *h = json_string_value(json_object_get(b, "Handler"));
	if (h) {
		free(f->handler);
		f->handler = lp_xstrdup(h);
	}
	const char *d = json_string_value(json_object_get(b, "Description"));
	if (d) {
		free(f->description);
		f->description = lp_xstrdup(d);
	}
	return 0;
}

static json_t *
srv_body_json(struct MHD_Connection *c, struct srv_req *q, enum MHD_Result *ret, unsigned *st, const char **et)
{
	json_error_t je;
	json_t *b = q->len ? json_loadb(q->body, q->len, 0, &je) : NULL;
	if (b == NULL || !json_is_object(b)) {
		json_decref(b);
		*st = 400, *et = "InvalidRequestContentException";
		*ret = srv_error(c, 400, *et, "Could not parse request body into json: %s",
		    q->len ? je.text : "empty body");
		return NULL;
	}
	return b;
}

/* Decode Code.ZipFile / ZipFile (base64) and unpack it into a fresh
 * directory.  Returns the directory or NULL with msg. */
static char *
srv_unpack(const char *name, json_t *zipj, long long *size, char sha[48], char *msg, size_t ml)
{
	const char *z = json_string_value(zipj);
	size_t n;
	unsigned char *bytes;
	static unsigned long seq;
	char err[400];

	if (z == NULL) {
		snprintf(msg, ml, "ZipFile is required (S3 code locations and images are not supported by lp-invoke serve)");
		return NULL;
	}
	if ((bytes = b64_decode(z, strlen(z), &n)) == NULL) {
		snprintf(msg, ml, "ZipFile is not valid base64");
		return NULL;
	}
	pthread_mutex_lock(&S.mu);
	unsigned long k = ++seq;
	pthread_mutex_unlock(&S.mu);
	char *dir = lp_xasprintf("%s/code-%s-%lu", S.workdir, name, k);
	if (dz_extract(bytes, n, dir, err, sizeof err) < 0) {
		snprintf(msg, ml, "Could not unzip uploaded file: %s", err);
		free(bytes);
		free(dir);
		return NULL;
	}
	srv_code_sha(bytes, n, sha);
	free(bytes);
	char *bs = lp_xasprintf("%s/bootstrap", dir);
	struct stat st;
	int okb = stat(bs, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	*size = okb ? (long long)n : 0;
	free(bs);
	if (!okb) {
		snprintf(msg, ml, "the zip has no executable 'bootstrap' at its root (provided.al2023 needs one)");
		free(dir);
		return NULL;
	}
	return dir;
}

static unsigned
srv_check_arch(json_t *b, char *arch, size_t archlen, const char **type, char *msg, size_t ml)
{
	json_t *a = json_object_get(b, "Architectures");
	if (a == NULL)
		return 0;
	const char *s = json_string_value(json_array_get(a, 0));
	if (!json_is_array(a) || json_array_size(a) != 1 || s == NULL ||
	    (strcmp(s, "x86_64") && strcmp(s, "arm64"))) {
		*type = "ValidationException";
		snprintf(msg, ml, "1 validation error detected: Value at 'architectures' failed to satisfy "
		    "constraint: Member must have length 1 and be x86_64 or arm64");
		return 400;
	}
	if (strcmp(s, S.host_arch) != 0) {
		*type = "InvalidParameterValueException";
		snprintf(msg, ml, "lp-invoke serve runs %s functions on this %s machine only; %s cannot run here",
		    S.host_arch, S.host_arch, s);
		return 400;
	}
	snprintf(arch, archlen, "%s", s);
	return 0;
}

static enum MHD_Result
op_create(struct MHD_Connection *c, struct srv_req *q, char *fname, size_t fl, unsigned *st, const char **et)
{
	enum MHD_Result ret;
	json_t *b = srv_body_json(c, q, &ret, st, et);
	char msg[600], arch[8] = "";
	unsigned s;
	if (b == NULL)
		return ret;
	const char *name = json_string_value(json_object_get(b, "FunctionName"));
	if (name == NULL || !aws_valid_function_name(name)) {
		json_decref(b);
		*st = 400, *et = "ValidationException";
		return srv_error(c, 400, *et, "1 validation error detected: Value at 'functionName' failed to satisfy "
		    "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ (1-64 characters)");
	}
	snprintf(fname, fl, "%s", name);
	name = fname; /* b is released on every path below */
	if ((s = srv_check_arch(b, arch, sizeof arch, et, msg, sizeof msg)) != 0) {
		json_decref(b);
		*st = s;
		return srv_error(c, s, *et, "%s", msg);
	}
	pthread_mutex_lock(&S.mu);
	int exists = srv_find(name) != NULL;
	pthread_mutex_unlock(&S.mu);
	if (exists) {
		json_decref(b);
		*st = 409, *et = "ResourceConflictException";
		return srv_error(c, 409, *et, "Function already exist: %s", name);
	}
	/* validate the configuration on a scratch function before unpacking */
	struct srv_fn scratch = { 0 };
	scratch.vars = json_object();
	scratch.role = lp_xstrdup(""), scratch.handler = lp_xstrdup(""), scratch.runtime = lp_xstrdup("");
	scratch.description = lp_xstrdup("");
	s = srv_apply_config(&scratch, b, 1, et, msg, sizeof msg);
	if (s == 0 && json_object_get(b, "Runtime") == NULL) {
		*et = "InvalidParameterValueException";
		snprintf(msg, sizeof msg, "Runtime is required for a Zip package (provided.al2023)");
		s = 400;
	}
	if (s != 0) {
		json_decref(scratch.vars);
		free(scratch.role), free(scratch.handler), free(scratch.runtime), free(scratch.description);
		json_decref(b);
		*st = s;
		return srv_error(c, s, *et, "%s", msg);
	}
	long long size = 0;
	char sha[48] = "";
	char *dir = srv_unpack(name, json_object_get(json_object_get(b, "Code"), "ZipFile"), &size, sha, msg, sizeof msg);
	if (dir == NULL) {
		json_decref(scratch.vars);
		free(scratch.role), free(scratch.handler), free(scratch.runtime), free(scratch.description);
		json_decref(b);
		*st = 400, *et = "InvalidParameterValueException";
		return srv_error(c, 400, *et, "%s", msg);
	}
	pthread_mutex_lock(&S.mu);
	if (srv_find(name)) { /* lost a race with another create */
		pthread_mutex_unlock(&S.mu);
		json_decref(scratch.vars);
		free(scratch.role), free(scratch.handler), free(scratch.runtime), free(scratch.description);
		json_decref(b);
		free(dir);
		*st = 409, *et = "ResourceConflictException";
		return srv_error(c, 409, *et, "Function already exist: %s", name);
	}
	struct srv_fn *f = srv_add_fn(name, dir);
	free(dir);
	srv_apply_config(f, b, 1, et, msg, sizeof msg);
	f->code_size = size;
	memcpy(f->code_sha, sha, sizeof f->code_sha);
	if (arch[0])
		snprintf(f->arch, sizeof f->arch, "%s", arch);
	json_t *out = srv_fn_json(f);
	pthread_mutex_unlock(&S.mu);
	json_decref(scratch.vars);
	free(scratch.role), free(scratch.handler), free(scratch.runtime), free(scratch.description);
	json_decref(b);
	*st = 201;
	*et = NULL;
	return srv_json(c, 201, out, NULL);
}

static enum MHD_Result
op_update_code(struct MHD_Connection *c, const char *name, struct srv_req *q, unsigned *st, const char **et)
{
	enum MHD_Result ret;
	json_t *b = srv_body_json(c, q, &ret, st, et);
	char msg[600], arch[8] = "";
	unsigned s;
	if (b == NULL)
		return ret;
	if ((s = srv_check_arch(b, arch, sizeof arch, et, msg, sizeof msg)) != 0) {
		json_decref(b);
		*st = s;
		return srv_error(c, s, *et, "%s", msg);
	}
	pthread_mutex_lock(&S.mu);
	struct srv_fn *f = srv_find(name);
	int busy = f && f->updating;
	pthread_mutex_unlock(&S.mu);
	if (f == NULL) {
		json_decref(b);
		*st = 404, *et = "ResourceNotFoundException";
		return srv_not_found(c, name);
	}
	if (busy) {
		json_decref(b);
		*st = 409, *et = "ResourceConflictException";
		return srv_error(c, 409, *et, "The operation cannot be performed at this time. An update is in "
		    "progress for resource: %s", f->arn);
	}
	long long size = 0;
	char sha[48] = "";
	char *dir = srv_unpack(name, json_object_get(b, "ZipFile"), &size, sha, msg, sizeof msg);
	json_decref(b);
	if (dir == NULL) {
		*st = 400, *et = "InvalidParameterValueException";
		return srv_error(c, 400, *et, "%s", msg);
	}
	pthread_mutex_lock(&S.mu);
	free(f->code);
	f->code = dir;
	f->code_size = size;
	memcpy(f->code_sha, sha, sizeof f->code_sha);
	if (arch[0])
		snprintf(f->arch, sizeof f->arch, "%s", arch);
	srv_changed(f);
	json_t *out = srv_fn_json(f);
	pthread_mutex_unlock(&S.mu);
	*st = 200;
	return srv_json(c, 200, out, NULL);
}

static enum MHD_Result
op_update_config(struct MHD_Connection *c, const char *name, struct srv_req *q, unsigned *st, const char **et)
{
	enum MHD_Result ret;
	json_t *b = srv_body_json(c, q, &ret, st, et);
	char msg[600];
	if (b == NULL)
		return ret;
	pthread_mutex_lock(&S.mu);
	struct srv_fn *f = srv_find(name);
	if (f == NULL) {
		pthread_mutex_unlock(&S.mu);
		json_decref(b);
		*st = 404, *et = "ResourceNotFoundException";
		return srv_not_found(c, name);
	}
	if (f->updating) {
		char *arn = lp_xstrdup(f->arn);
		pthread_mutex_unlock(&S.mu);
		json_decref(b);
		*st = 409, *et = "ResourceConflictException";
		ret = srv_error(c, 409, *et, "The operation cannot be performed at this time. An update is in "
		    "progress for resource: %s", arn);
		free(arn);
		return ret;
	}
	unsigned s = srv_apply_config(f, b, 0, et, msg, sizeof msg);
	if (s != 0) {
		pthread_mutex_unlock(&S.mu);
		json_decref(b);
		*st = s;
		return srv_error(c, s, *et, "%s", msg);
	}
	srv_changed(f);
	json_t *out = srv_fn_json(f);
	pthread_mutex_unlock(&S.mu);
	json_decref(b);
	*st = 200;
	*et = NULL;
	return srv_json(c, 200, out, NULL);
}

static enum MHD_Result
op_get(struct MHD_Connection *c, const char *name, int whole, unsigned *st, const char **et)
{
	pthread_mutex_lock(&S.mu);
	struct srv_fn *f = srv_find(name);
	json_t *out = f ? srv_fn_json(f) : NULL;
	pthread_mutex_unlock(&S.mu);
	if (out == NULL) {
		*st = 404, *et = "ResourceNotFoundException";
		return srv_not_found(c, name);
	}
	if (whole)
		out = json_pack("{s:o, s:{s:s}}", "Configuration", out, "Code", "RepositoryType", "lp-local");
	*st = 200;
	return srv_json(c, 200, out, NULL);
}

/* ---- libmicrohttpd glue ---- */

static enum MHD_Result
srv_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct srv_req *q = *con_cls;
	(void)cls, (void)version;

	if (q == NULL) {
		q = lp_xcalloc(1, sizeof *q);
		q->t0 = lp_now_ms();
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_large) {
			if (q->len + *upload_size > (size_t)SRV_MAX_BODY) {
				q->too_large = 1; /* keep reading, answer 413 at the end */
			} else {
				q->body = lp_xrealloc(q->body, q->len + *upload_size + 1);
				memcpy(q->body + q->len, upload_data, *upload_size);
				q->len += *upload_size;
				q->body[q->len] = '\0';
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}

	char name[160] = "", msg[400];
	const char *rest = "", *et = NULL, *op = "Unknown";
	unsigned st = 0;
	enum MHD_Result ret;

	if (srv_route(url, name, sizeof name, &rest) < 0) {
		st = 404, et = "UnknownOperationException";
		ret = srv_error(c, 404, et, "No route for %.8s %.200s", method, url);
		goto out;
	}
	if ((st = srv_check_auth(c, &et, msg, sizeof msg)) != 0) {
		op = "Unauthorized";
		ret = srv_error(c, st, et, "%s", msg);
		goto out;
	}
	et = NULL;
	if (q->too_large && strcmp(rest, "/invocations") != 0) {
		st = 413, et = "RequestEntityTooLargeException";
		ret = srv_error(c, 413, et, "Request must be smaller than %ld bytes", SRV_MAX_BODY);
		goto out;
	}
	if (name[0] == '\0' && strcmp(method, "POST") == 0) {
		op = "CreateFunction";
		ret = op_create(c, q, name, sizeof name, &st, &et);
	} else if (name[0] && strcmp(rest, "/invocations") == 0 && strcmp(method, "POST") == 0) {
		op = "Invoke";
		ret = op_invoke(c, name, q, &st, &et);
	} else if (name[0] && strcmp(rest, "/configuration") == 0 && strcmp(method, "GET") == 0) {
		op = "GetFunctionConfiguration";
		ret = op_get(c, name, 0, &st, &et);
	} else if (name[0] && strcmp(rest, "") == 0 && strcmp(method, "GET") == 0) {
		op = "GetFunction";
		ret = op_get(c, name, 1, &st, &et);
	} else if (name[0] && strcmp(rest, "/configuration") == 0 && strcmp(method, "PUT") == 0) {
		op = "UpdateFunctionConfiguration";
		ret = op_update_config(c, name, q, &st, &et);
	} else if (name[0] && strcmp(rest, "/code") == 0 && strcmp(method, "PUT") == 0) {
		op = "UpdateFunctionCode";
		ret = op_update_code(c, name, q, &st, &et);
	} else {
		st = 404, et = "UnknownOperationException";
		ret = srv_error(c, 404, et, "lp-invoke serve does not implement %.8s %.200s", method, url);
	}
out:
	srv_log_api(op, name, st, et, q->t0);
	return ret;
}

static void
srv_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
	struct srv_req *q = *con_cls;
	(void)cls, (void)c, (void)tc;
	if (q) {
		free(q->body);
		free(q);
	}
	*con_cls = NULL;
}

static int
srv_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(p);
	return 0;
}

static void
serve_usage(FILE *f)
{
	fprintf(f,
	    "usage: lp-invoke serve [OPTIONS]\n"
	    "\n"
	    "A local AWS Lambda API (2015-03-31) on 127.0.0.1 for real clients (the AWS\n"
	    "CLI with --endpoint-url, lp-invoke --platform aws --endpoint).  Functions run\n"
	    "with the local Lambda service, one bootstrap process per environment.\n"
	    "Routes: Invoke, GetFunctionConfiguration, GetFunction,\n"
	    "UpdateFunctionConfiguration, CreateFunction, UpdateFunctionCode.\n"
	    "\n"
	    "  --port N             port on 127.0.0.1 (default 0: any free port)\n"
	    "  --port-file FILE     write the port there once listening\n"
	    "  --function NAME=DIR  serve a function from a task root (or bootstrap file);\n"
	    "                       repeatable (functions can also be made with CreateFunction)\n"
	    "  --max-concurrency N  environments running at once (default 10); beyond: 429\n"
	    "  --region R           the region requests must be signed for (default\n"
	    "                       $AWS_REGION, else us-east-1)\n"
	    "  --workdir DIR        where code and environments go (default: a fresh dir)\n"
	    "  --no-cgroup          no memory/CPU limits for environments\n"
	    "  --help               this text\n"
	    "\n"
	    "Stdout: a `serve` record (url, port), then one `api_request` record per\n"
	    "request and one `invocation` record (platform \"local\") per invocation.\n"
	    "Stops cleanly on SIGTERM or SIGINT.  Exit: 0 stopped, 2 usage, 3 environment.\n");
}

int
invoke_serve(int argc, char **argv)
{
	enum { O_PORT = 256, O_PORT_FILE, O_FUNCTION, O_MAXC, O_REGION, O_WORKDIR, O_NO_CGROUP, O_HELP };
	static const struct option lo[] = {
		{ "port", required_argument, 0, O_PORT },
		{ "port-file", required_argument, 0, O_PORT_FILE },
		{ "function", required_argument, 0, O_FUNCTION },
		{ "max-concurrency", required_argument, 0, O_MAXC },
		{ "region", required_argument, 0, O_REGION },
		{ "workdir", required_argument, 0, O_WORKDIR },
		{ "no-cgroup", no_argument, 0, O_NO_CGROUP },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	long port = 0;
	const char *port_file = NULL, *workdir = NULL;
	char **fnspec = lp_xcalloc((size_t)argc + 1, sizeof *fnspec);
	size_t nspec = 0;
	int c;

	S.max_conc = 10;
	S.use_cgroup = 1;
	S.region = getenv("AWS_REGION") && *getenv("AWS_REGION") ? getenv("AWS_REGION") : "us-east-1";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_PORT:
			port = lp_opt_long("--port", optarg, 0, 65535);
			break;
		case O_PORT_FILE: port_file = optarg; break;
		case O_FUNCTION: {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || eq[1] == '\0')
				lp_usage_error("--function: '%s' is not NAME=TASKROOT", optarg);
			fnspec[nspec++] = optarg;
			break;
		}
		case O_MAXC:
			S.max_conc = lp_opt_long("--max-concurrency", optarg, 1, 1000);
			break;
		case O_REGION: S.region = optarg; break;
		case O_WORKDIR: workdir = optarg; break;
		case O_NO_CGROUP: S.use_cgroup = 0; break;
		case O_HELP:
			serve_usage(stdout);
			free(fnspec);
			lp_close_stdout();
			return LP_EXIT_OK;
		default:
			free(fnspec);
			lp_usage_error("unknown option");
		}
	}
	if (optind != argc) {
		free(fnspec);
		lp_usage_error("serve takes no operands (got '%s')", argv[optind]);
	}
	snprintf(S.host_arch, sizeof S.host_arch, "%.7s", lp_host_arch());
	S.run_id = lp_run_id();
	if (workdir) {
		if (mkdir(workdir, 0755) != 0 && errno != EEXIST)
			lp_err(LP_EXIT_ENV, "mkdir %s", workdir);
		S.workdir = lp_xstrdup(workdir);
	} else {
		const char *t = getenv("TMPDIR");
		S.workdir = lp_xasprintf("%s/lp-serve-XXXXXX", t && *t ? t : "/tmp");
		if (mkdtemp(S.workdir) == NULL)
			lp_err(LP_EXIT_ENV, "mkdtemp %s", S.workdir);
		S.own_workdir = 1;
	}
	for (size_t i = 0; i < nspec; i++) {
		char *name = lp_xstrdup(fnspec[i]);
		char *eq = strchr(name, '=');
		*eq = '\0';
		struct stat st;
		if (!aws_valid_function_name(name))
			lp_usage_error("--function: '%s' is not a Lambda function name ([A-Za-z0-9_-]{1,64})", name);
		if (stat(eq + 1, &st) != 0)
			lp_err(LP_EXIT_USAGE, "--function %s: %s", name, eq + 1);
		if (srv_find(name))
			lp_usage_error("--function: %s given twice", name);
		char *abs = realpath(eq + 1, NULL);
		srv_add_fn(name, abs ? abs : eq + 1);
		free(abs);
		free(name);
	}
	free(fnspec);

	/* signals go to sigwait below; threads (and MHD's) inherit the mask,
	 * bootstraps get a clean one from the sandbox */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
	    0, NULL, NULL, srv_handler, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, srv_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)960,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_END);
	if (d == NULL)
		lp_errx(LP_EXIT_ENV, "serve: cannot listen on 127.0.0.1:%ld (in use, or no permission)", port);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = di ? di->port : (unsigned)port;
	char *url = lp_xasprintf("http://127.0.0.1:%u", bound);
	srv_emit(json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:s}", "type", "serve", "run_id", S.run_id,
	    "platform", "local", "port", (int)bound, "url", url, "max_concurrency", (json_int_t)S.max_conc,
	    "region", S.region, "arch", S.host_arch));
	free(url);
	if (port_file) {
		char *tmp = lp_xasprintf("%s.tmp", port_file);
		FILE *pf = fopen(tmp, "w");
		if (pf == NULL || fprintf(pf, "%u\n", bound) < 0 || fclose(pf) != 0 || rename(tmp, port_file) != 0) {
			MHD_stop_daemon(d);
			lp_err(LP_EXIT_ENV, "--port-file %s", port_file);
		}
		free(tmp);
	}
	lp_warnx("serving the Lambda API on http://127.0.0.1:%u (%zu function%s)", bound, S.nfn,
	    S.nfn == 1 ? "" : "s");

	int sig = 0;
	sigwait(&ss, &sig);
	S.stop = 1;
	lp_warnx("%s: stopping", strsignal(sig));
	MHD_stop_daemon(d); /* waits for the connection threads */
	pthread_mutex_lock(&S.mu);
	while (S.background > 0)
		pthread_cond_wait(&S.cv, &S.mu);
	struct srv_env **envs = S.envs;
	size_t n = S.nenv;
	S.envs = NULL;
	S.nenv = 0;
	pthread_mutex_unlock(&S.mu);
	for (size_t i = 0; i < n; i++)
		srv_env_free(envs[i]);
	free(envs);
	for (size_t i = 0; i < S.nfn; i++)
		srv_free_fn(S.fns[i]);
	free(S.fns);
	if (S.own_workdir)
		nftw(S.workdir, srv_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(S.workdir);
	lp_close_stdout();
	return LP_EXIT_OK;
}
