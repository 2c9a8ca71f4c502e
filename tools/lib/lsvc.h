/* lsvc — a local Lambda Runtime API (2018-06-01) server for one execution
 * environment, on libmicrohttpd, bound to 127.0.0.1 on an ephemeral port.
 * Prefix: lsvc_.
 *
 * Endpoints (as AWS documents them):
 *   GET  /2018-06-01/runtime/invocation/next          long poll -> 200 + event
 *        headers Lambda-Runtime-Aws-Request-Id, -Deadline-Ms,
 *        -Invoked-Function-Arn, -Trace-Id (+ -Client-Context,
 *        -Cognito-Identity when given)
 *   POST /2018-06-01/runtime/invocation/{id}/response -> 202 (body > 6 MB:
 *        413, and the invocation fails with Function.ResponseSizeTooLarge)
 *   POST /2018-06-01/runtime/invocation/{id}/error    -> 202
 *        (Lambda-Runtime-Function-Error-Type header + JSON body)
 *   POST /2018-06-01/runtime/init/error               -> 202
 *   unknown id -> 400, /next while an invocation is outstanding -> 403,
 *   wrong method -> 405, unknown path -> 404, garbage -> 400 (MHD).
 *
 * Single-threaded, driven by the caller's poll loop: poll lsvc_fd() for
 * POLLIN with a timeout no longer than lsvc_timeout_ms(), then call
 * lsvc_run().  Every completed runtime request is reported synchronously
 * to the callback given at lsvc_start, with the CLOCK_MONOTONIC time taken
 * when the request was complete (for /next: when its headers arrived).
 * No global state; one lsvc per environment, any number per process. */
#ifndef LSVC_H
#define LSVC_H

#include <stddef.h>
#include <stdint.h>

#define LSVC_MAX_PAYLOAD 6291456 /* 6 MB, Lambda's synchronous response limit */

enum lsvc_kind {
	LSVC_NEXT,        /* a /next arrived (parked until lsvc_deliver) */
	LSVC_RESPONSE,    /* .../response for the current invocation */
	LSVC_ERROR,       /* .../error for the current invocation */
	LSVC_TOO_LARGE,   /* .../response over 6 MB (answered 413) */
	LSVC_INIT_ERROR,  /* /init/error */
	LSVC_BAD,         /* a request answered 4xx (unknown id, path, ...) */
};

struct lsvc_event {
	enum lsvc_kind kind;
	uint64_t t_ns;            /* CLOCK_MONOTONIC */
	const char *request_id;   /* RESPONSE/ERROR/TOO_LARGE: the invocation's id */
	const char *body;         /* RESPONSE/ERROR/INIT_ERROR body (valid in the callback) */
	size_t body_len;
	const char *error_type;   /* ERROR/INIT_ERROR: Lambda-Runtime-Function-Error-Type or NULL */
	int http_status;          /* what the runtime was answered */
	const char *what;         /* LSVC_BAD: method + path, for logs */
};

typedef void (*lsvc_cb)(void *arg, const struct lsvc_event *ev);

struct lsvc_invocation {
	const char *request_id;       /* caller-made (lsvc_new_request_id) */
	const char *payload;          /* the event JSON */
	size_t payload_len;
	int64_t deadline_wall_ms;     /* Lambda-Runtime-Deadline-Ms (epoch ms) */
	const char *function_arn;
	const char *trace_id;
	const char *client_context;   /* NULL: header not sent */
	const char *cognito_identity; /* NULL: header not sent */
};

typedef struct lsvc lsvc;

/* NULL with a message in err when the daemon cannot start. */
lsvc *lsvc_start(lsvc_cb cb, void *arg, char *err, size_t errlen);
unsigned lsvc_port(const lsvc *s);
int lsvc_fd(const lsvc *s);
/* ms until MHD needs lsvc_run again, -1 for none. */
int lsvc_timeout_ms(lsvc *s);
/* Process whatever is ready (never blocks). */
void lsvc_run(lsvc *s);
/* Hand an invocation out: answer the parked /next now, or the next one that
 * arrives.  Copies everything.  *t_ns (may be NULL) is set when the answer
 * is queued to the runtime's connection (now, or later through the
 * LSVC_NEXT event's time when the /next arrives afterwards). */
void lsvc_deliver(lsvc *s, const struct lsvc_invocation *inv, uint64_t *t_ns);
/* 1 when a /next is parked waiting for an event. */
int lsvc_next_parked(const lsvc *s);
/* Forget the current invocation (after a timeout): later posts for it get 400. */
void lsvc_clear(lsvc *s);
void lsvc_stop(lsvc *s);

/* A random UUID v4 in out[37]. */
void lsvc_new_request_id(char out[37]);
/* An X-Ray style trace id "Root=1-xxxxxxxx-...;Parent=...;Sampled=0" in out[96]. */
void lsvc_new_trace_id(char out[96]);

#endif
