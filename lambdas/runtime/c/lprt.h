/* lprt — a small AWS Lambda Runtime API (2018-06-01) client in C.
 * Prefix: lprt_.  See lambdas/runtime/README.md.
 *
 * One keep-alive HTTP/1.1 connection to AWS_LAMBDA_RUNTIME_API; each
 * request is one writev(), responses are parsed in one growable buffer
 * with hard limits (no overflow on hostile input).  Single-threaded.
 *
 *   static int handler(const char *event, size_t len, const lprt_ctx *ctx,
 *                      lprt_buf *out, void *user)
 *   {
 *           return lprt_buf_puts(out, "{\"ok\":true}");   // 0: success
 *           // or: return lprt_fail(out, "InvalidEvent", "no field %s", f);
 *   }
 *   int main(void) { return lprt_run(handler, NULL); }
 *
 * Init failures: lprt_init_error("Type", "fmt", ...) posts /init/error and
 * exits 1 (call it before lprt_run). */
#ifndef LPRT_H
#define LPRT_H

#include <stddef.h>
#include <stdint.h>

/* The current invocation.  Strings are NUL-terminated and valid until the
 * handler returns; absent optional headers are NULL. */
typedef struct lprt_ctx {
	const char *request_id;       /* Lambda-Runtime-Aws-Request-Id */
	int64_t deadline_ms;          /* Lambda-Runtime-Deadline-Ms (epoch ms), 0 if absent */
	const char *function_arn;     /* Lambda-Runtime-Invoked-Function-Arn ("" if absent) */
	const char *trace_id;         /* Lambda-Runtime-Trace-Id ("" if absent); also _X_AMZN_TRACE_ID */
	const char *client_context;   /* Lambda-Runtime-Client-Context or NULL */
	const char *cognito_identity; /* Lambda-Runtime-Cognito-Identity or NULL */
} lprt_ctx;

/* The handler's output: the response body on success, the error message on
 * failure.  Owned by the runtime, reused across invocations (cleared before
 * each call).  error_type is set by lprt_fail. */
typedef struct lprt_buf {
	char *data;
	size_t len;
	size_t cap;
	char error_type[128];
} lprt_buf;

/* Return 0 for success (out = response body); nonzero for failure (posted
 * to .../error; use lprt_fail to set the type and message).  event is
 * NUL-terminated (event[len] == 0) for convenience. */
typedef int lprt_handler(const char *event, size_t len, const lprt_ctx *ctx,
    lprt_buf *out, void *user);

/* The invocation loop.  Returns only on a fatal Runtime API error, with an
 * exit status (3) after a message on stderr. */
int lprt_run(lprt_handler *handler, void *user);

/* Post /init/error {"errorMessage","errorType"} and exit(1). */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 2, 3)))
#endif
void lprt_init_error(const char *type, const char *fmt, ...);

/* Buffer helpers: 0 on success, -1 when memory runs out (out is unchanged). */
int lprt_buf_append(lprt_buf *b, const void *p, size_t n);
int lprt_buf_puts(lprt_buf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int lprt_buf_printf(lprt_buf *b, const char *fmt, ...);
/* Append s as a JSON string literal (quotes and escapes included). */
int lprt_buf_json_str(lprt_buf *b, const char *s, size_t n);

/* Replace out with an error message and type; returns -1 (return it from
 * the handler). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int lprt_fail(lprt_buf *out, const char *type, const char *fmt, ...);

/* Milliseconds left before ctx->deadline_ms (0 when passed or unknown). */
int64_t lprt_remaining_ms(const lprt_ctx *ctx);

#endif
