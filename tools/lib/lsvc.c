/* lsvc — see lsvc.h. */
#include "lsvc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lputil.h"

#define PFX "/2018-06-01/runtime/"

enum route { R_BAD_PATH, R_NEXT, R_RESPONSE, R_ERROR, R_INIT_ERROR };
enum inv_state { INV_NONE, INV_PENDING, INV_OUT, INV_DONE };

struct req {
	enum route route;
	int method_ok;
	int first_done;      /* headers call seen */
	uint64_t t_ns;       /* headers arrived (NEXT) / body complete (POST) */
	char id[64];         /* request id in the path */
	char *body;
	size_t len, cap;
	int too_large;
	int parked;          /* suspended /next */
	int answer;          /* 0 or HTTP status already decided */
	struct MHD_Connection *conn;
};

struct lsvc {
	struct MHD_Daemon *d;
	unsigned port;
	int epfd;
	lsvc_cb cb;
	void *arg;
	int initialized;     /* first /next seen */
	int stopping;
	enum inv_state st;
	char id[37];
	char *payload;
	size_t payload_len;
	char deadline[32];
	char *arn, *trace, *client_context, *cognito;
	uint64_t *t_out;
	struct req *parked;
};

static struct MHD_Response *json_resp(const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r)
		MHD_add_response_header(r, "Content-Type", "application/json");
	return r;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code, const char *type, const char *msg)
{
	char buf[512];
	if (type)
		snprintf(buf, sizeof buf, "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}", msg, type);
	else
		snprintf(buf, sizeof buf, "{\"status\":\"OK\"}");
	struct MHD_Response *r = json_resp(buf);
	if (!r)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static void emit(lsvc *s, enum lsvc_kind k, struct req *q, const char *etype, int status, const char *what)
{
	struct lsvc_event ev = {
		.kind = k, .t_ns = q->t_ns, .request_id = q->id[0] ? q->id : NULL,
		.body = q->body, .body_len = q->len, .error_type = etype,
		.http_status = status, .what = what,
	};
	if (s->cb)
		s->cb(s->arg, &ev);
}

/* Answer a /next with the current invocation. */
static enum MHD_Result hand_out(lsvc *s, struct req *q)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(s->payload_len, s->payload, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", s->id);
	MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", s->deadline);
	MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn", s->arn);
	MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", s->trace);
	if (s->client_context)
		MHD_add_response_header(r, "Lambda-Runtime-Client-Context", s->client_context);
	if (s->cognito)
		MHD_add_response_header(r, "Lambda-Runtime-Cognito-Identity", s->cognito);
	uint64_t t = lp_now_ns();
	enum MHD_Result ret = MHD_queue_response(q->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	s->st = INV_OUT;
	if (s->t_out) {
		*s->t_out = t;
		s->t_out = NULL;
	}
	return ret;
}

static void route(struct req *q, const char *url, const char *method)
{
	q->route = R_BAD_PATH;
	if (strncmp(url, PFX, strlen(PFX)) != 0)
		return;
	const char *p = url + strlen(PFX);
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	if (strcmp(p, "invocation/next") == 0) {
		q->route = R_NEXT;
		q->method_ok = get;
	} else if (strcmp(p, "init/error") == 0) {
		q->route = R_INIT_ERROR;
		q->method_ok = post;
	} else if (strncmp(p, "invocation/", 11) == 0) {
		p += 11;
		const char *slash = strchr(p, '/');
		if (!slash || slash == p || (size_t)(slash - p) >= sizeof q->id)
			return;
		if (strcmp(slash, "/response") == 0)
			q->route = R_RESPONSE;
		else if (strcmp(slash, "/error") == 0)
			q->route = R_ERROR;
		else
			return;
		memcpy(q->id, p, (size_t)(slash - p));
		q->id[slash - p] = '\0';
		q->method_ok = post;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	lsvc *s = cls;
	(void)version;
	struct req *q = *con_cls;
	if (!q) {
		q = lp_xcalloc(1, sizeof *q);
		q->conn = c;
		q->t_ns = lp_now_ns();
		route(q, url, method);
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Body: keep up to the payload limit, count and drop the rest. */
		if (!q->too_large && q->len + *upload_size > LSVC_MAX_PAYLOAD) {
			q->too_large = 1;
			free(q->body);
			q->body = NULL;
			q->cap = 0;
		}
		if (!q->too_large) {
			if (q->len + *upload_size + 1 > q->cap) {
				size_t nc = q->cap ? q->cap : 4096;
				while (nc < q->len + *upload_size + 1)
					nc *= 2;
				q->body = lp_xrealloc(q->body, nc);
				q->cap = nc;
			}
			memcpy(q->body + q->len, upload, *upload_size);
			q->body[q->len + *upload_size] = '\0';
		}
		q->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (s->stopping)
		return MHD_NO; /* closes the connection */
	if (q->parked) {
		/* resumed: the invocation is ready (or we are giving up) */
		q->parked = 0;
		if (s->st != INV_PENDING)
			return MHD_NO;
		return hand_out(s, q);
	}
	char what[300];
	snprintf(what, sizeof what, "%s %s", method, url);
	if (q->route == R_BAD_PATH) {
		emit(s, LSVC_BAD, q, NULL, 404, what);
		return answer(c, MHD_HTTP_NOT_FOUND, "NotFound", "unknown path");
	}
	if (!q->method_ok) {
		emit(s, LSVC_BAD, q, NULL, 405, what);
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed", "method not allowed");
	}
	if (q->route != R_NEXT)
		q->t_ns = lp_now_ns(); /* the whole body is in */
	switch (q->route) {
	case R_NEXT:
		if (s->st == INV_OUT || s->parked) {
			emit(s, LSVC_BAD, q, NULL, 403, what);
			return answer(c, MHD_HTTP_FORBIDDEN, "InvalidStateTransition",
			    "State transition is not allowed: an invocation is in progress");
		}
		s->initialized = 1;
		emit(s, LSVC_NEXT, q, NULL, 200, what);
		if (s->st == INV_PENDING)
			return hand_out(s, q);
		q->parked = 1;
		s->parked = q;
		MHD_suspend_connection(c);
		return MHD_YES;
	case R_INIT_ERROR: {
		if (s->initialized) {
			emit(s, LSVC_BAD, q, NULL, 403, what);
			return answer(c, MHD_HTTP_FORBIDDEN, "InvalidStateTransition",
			    "State transition is not allowed: init already ended");
		}
		const char *et = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
		enum MHD_Result r = answer(c, MHD_HTTP_ACCEPTED, NULL, NULL);
		emit(s, LSVC_INIT_ERROR, q, et, 202, what);
		return r;
	}
	case R_RESPONSE:
	case R_ERROR: {
		if (s->st == INV_NONE || s->st == INV_PENDING || strcmp(q->id, s->id) != 0) {
			emit(s, LSVC_BAD, q, NULL, 400, what);
			return answer(c, MHD_HTTP_BAD_REQUEST, "InvalidRequestID", "Invalid request ID");
		}
		if (s->st == INV_DONE) {
			emit(s, LSVC_BAD, q, NULL, 403, what);
			return answer(c, MHD_HTTP_FORBIDDEN, "InvalidStateTransition",
			    "State transition is not allowed: the invocation already has a result");
		}
		s->st = INV_DONE;
		if (q->too_large) {
			char msg[96];
			snprintf(msg, sizeof msg, "Exceeded maximum allowed payload size (%d bytes).", LSVC_MAX_PAYLOAD);
			enum MHD_Result r = answer(c, MHD_HTTP_CONTENT_TOO_LARGE, "RequestEntityTooLarge", msg);
			emit(s, LSVC_TOO_LARGE, q, NULL, 413, what);
			return r;
		}
		const char *et = q->route == R_ERROR
		    ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type") : NULL;
		enum MHD_Result r = answer(c, MHD_HTTP_ACCEPTED, NULL, NULL);
		emit(s, q->route == R_ERROR ? LSVC_ERROR : LSVC_RESPONSE, q, et, 202, what);
		return r;
	}
	default:
		return MHD_NO;
	}
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	lsvc *s = cls;
	struct req *q = *con_cls;
	(void)c;
	(void)toe;
	if (!q)
		return;
	if (s->parked == q)
		s->parked = NULL;
	free(q->body);
	free(q);
	*con_cls = NULL;
}

lsvc *lsvc_start(lsvc_cb cb, void *arg, char *err, size_t errlen)
{
	lsvc *s = lp_xcalloc(1, sizeof *s);
	s->cb = cb;
	s->arg = arg;
	s->epfd = -1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO,
	    0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "cannot start the local Lambda service on 127.0.0.1 (libmicrohttpd): %s",
		    strerror(errno));
		free(s);
		return NULL;
	}
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	const union MHD_DaemonInfo *e = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!i || !e || i->port == 0) {
		snprintf(err, errlen, "libmicrohttpd: no port or epoll fd");
		MHD_stop_daemon(s->d);
		free(s);
		return NULL;
	}
	s->port = i->port;
	s->epfd = e->epoll_fd;
	return s;
}

unsigned lsvc_port(const lsvc *s) { return s->port; }
int lsvc_fd(const lsvc *s) { return s->epfd; }

int lsvc_timeout_ms(lsvc *s)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(s->d, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

void lsvc_run(lsvc *s) { MHD_run(s->d); }

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? lp_xstrdup(src) : NULL;
}

void lsvc_deliver(lsvc *s, const struct lsvc_invocation *inv, uint64_t *t_ns)
{
	snprintf(s->id, sizeof s->id, "%s", inv->request_id);
	free(s->payload);
	s->payload = lp_xmalloc(inv->payload_len + 1);
	memcpy(s->payload, inv->payload, inv->payload_len);
	s->payload[inv->payload_len] = '\0';
	s->payload_len = inv->payload_len;
	snprintf(s->deadline, sizeof s->deadline, "%lld", (long long)inv->deadline_wall_ms);
	set_str(&s->arn, inv->function_arn ? inv->function_arn : "");
	set_str(&s->trace, inv->trace_id ? inv->trace_id : "");
	set_str(&s->client_context, inv->client_context);
	set_str(&s->cognito, inv->cognito_identity);
	s->st = INV_PENDING;
	s->t_out = t_ns;
	if (s->parked) {
		struct req *q = s->parked;
		s->parked = NULL;
		MHD_resume_connection(q->conn);
		MHD_run(s->d); /* answers it now */
	}
}

int lsvc_next_parked(const lsvc *s) { return s->parked != NULL; }

void lsvc_clear(lsvc *s)
{
	s->st = INV_NONE;
	s->t_out = NULL;
}

void lsvc_stop(lsvc *s)
{
	if (!s)
		return;
	s->stopping = 1;
	if (s->parked) {
		struct req *q = s->parked;
		s->parked = NULL;
		MHD_resume_connection(q->conn);
		MHD_run(s->d);
	}
	MHD_stop_daemon(s->d);
	free(s->payload);
	free(s->arn);
	free(s->trace);
	free(s->client_context);
	free(s->cognito);
	free(s);
}

static void rnd(void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			lp_err(LP_EXIT_ENV, "getrandom");
		}
		got += (size_t)r;
	}
}

void lsvc_new_request_id(char out[37])
{
	unsigned char b[16];
	rnd(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void lsvc_new_trace_id(char out[96])
{
	unsigned char b[20];
	rnd(b, sizeof b);
	char hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	snprintf(out, 96, "Root=1-%08llx-%.24s;Parent=%.16s;Sampled=0",
	    (unsigned long long)(lp_wall_ms() / 1000), hex, hex + 24);
}
