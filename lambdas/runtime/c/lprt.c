/* lprt — Lambda Runtime API client.  See lprt.h and lambdas/runtime/README.md. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lprt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define API "/2018-06-01/runtime"
#define MAX_HEADER (64 * 1024)          /* largest response header block */
#define MAX_BODY (32u * 1024 * 1024)    /* largest event (Lambda: 6 MB) */
#define EXIT_ENV 3

struct rt {
	int fd;
	const char *api;         /* host:port */
	char *rbuf;
	size_t rcap, rlen;       /* one response at a time, read from 0 */
	size_t rnext;            /* bytes of a following response kept at rbuf+rnext */
	char req[1024];          /* request line + headers */
	char reqid[128];
	lprt_buf err;            /* error JSON */
	const char *why;         /* what was wrong with the last response */
};

struct resp {
	int status;
	size_t hdr_end;          /* offset of the body */
	size_t body_len;
	int close;
};

static void warnx_(const char *what, const char *detail)
{
	fprintf(stderr, "lprt: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

/* ---- buffers ---- */

static int buf_reserve(lprt_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	size_t need = b->len + extra + 1; /* keep room for a NUL */
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int lprt_buf_append(lprt_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int lprt_buf_puts(lprt_buf *b, const char *s)
{
	return lprt_buf_append(b, s, strlen(s));
}

static int buf_vprintf(lprt_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof tmp)
		return lprt_buf_append(b, tmp, (size_t)n);
	if (buf_reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int lprt_buf_printf(lprt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int lprt_buf_json_str(lprt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = b->len;
	if (lprt_buf_append(b, "\"", 1) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t k = 0;
		switch (c) {
		case '"': esc[k++] = '\\'; esc[k++] = '"'; break;
		case '\\': esc[k++] = '\\'; esc[k++] = '\\'; break;
		case '\n': esc[k++] = '\\'; esc[k++] = 'n'; break;
		case '\r': esc[k++] = '\\'; esc[k++] = 'r'; break;
		case '\t': esc[k++] = '\\'; esc[k++] = 't'; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				k = 4;
				esc[k++] = hex[c >> 4];
				esc[k++] = hex[c & 15];
			} else {
				esc[k++] = (char)c;
			}
		}
		if (lprt_buf_append(b, esc, k) < 0) {
			b->len = start;
			b->data[start] = 0;
			return -1;
		}
	}
	return lprt_buf_append(b, "\"", 1);
}

int lprt_fail(lprt_buf *out, const char *type, const char *fmt, ...)
{
	out->len = 0;
	if (out->data)
		out->data[0] = 0;
	snprintf(out->error_type, sizeof out->error_type, "%s", type ? type : "HandlerError");
	va_list ap;
	va_start(ap, fmt);
	(void)buf_vprintf(out, fmt, ap);
	va_end(ap);
	return -1;
}

int64_t lprt_remaining_ms(const lprt_ctx *ctx)
{
	struct timespec ts;
	if (ctx->deadline_ms <= 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return ctx->deadline_ms > now ? ctx->deadline_ms - now : 0;
}

/* ---- connection ---- */

static int rt_connect(struct rt *rt)
{
	char host[256];
	const char *colon = strrchr(rt->api, ':');
	if (!colon || colon == rt->api || (size_t)(colon - rt->api) >= sizeof host) {
		warnx_("AWS_LAMBDA_RUNTIME_API is not host:port", rt->api);
		return -1;
	}
	const char *h = rt->api;
	size_t hl = (size_t)(colon - rt->api);
	if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	memcpy(host, h, hl);
	host[hl] = 0;
	const char *port = colon + 1;
	char *end;
	errno = 0;
	unsigned long p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p == 0 || p > 65535) {
		warnx_("bad port in AWS_LAMBDA_RUNTIME_API", rt->api);
		return -1;
	}

	int fd = -1;
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		/* The usual case (127.0.0.1:9001): no resolver, no extra syscalls. */
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)p);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
			close(fd);
			fd = -1;
		}
	} else {
		struct addrinfo hints, *res, *ai;
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		int e = getaddrinfo(host, port, &hints, &res);
		if (e != 0) {
			warnx_(gai_strerror(e), rt->api);
			return -1;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
			if (fd < 0)
				continue;
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
			close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
	}
	if (fd < 0) {
		warnx_(strerror(errno), rt->api);
		return -1;
	}
	/* Requests go out in one writev; Nagle would only add latency. */
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	rt->fd = fd;
	rt->rlen = 0;
	rt->rnext = 0;
	return 0;
}

static void rt_disconnect(struct rt *rt)
{
	if (rt->fd >= 0)
		close(rt->fd);
	rt->fd = -1;
	rt->rlen = 0;
	rt->rnext = 0;
}

static int rt_init(struct rt *rt)
{
	memset(rt, 0, sizeof *rt);
	rt->fd = -1;
	rt->api = getenv("AWS_LAMBDA_RUNTIME_API");
	if (!rt->api || !*rt->api) {
		warnx_("AWS_LAMBDA_RUNTIME_API is not set", "run under Lambda or lp-invoke");
		return -1;
	}
	rt->rcap = 16 * 1024;
	rt->rbuf = malloc(rt->rcap);
	if (!rt->rbuf) {
		warnx_("out of memory", NULL);
		return -1;
	}
	return rt_connect(rt);
}

/* Read more into rbuf, growing to at least `want` total capacity. */
static int rt_fill(struct rt *rt, size_t want)
{
	if (want > rt->rcap) {
		char *p = realloc(rt->rbuf, want);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		rt->rbuf = p;
		rt->rcap = want;
	}
	if (rt->rlen == rt->rcap) {
		errno = ENOBUFS;
		return -1;
	}
	for (;;) {
		ssize_t n = read(rt->fd, rt->rbuf + rt->rlen, rt->rcap - rt->rlen);
		if (n > 0) {
			rt->rlen += (size_t)n;
			return 0;
		}
		if (n == 0) {
			rt->why = "the Runtime API closed the connection";
			errno = ECONNRESET;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* A protocol error: remember what, for the message. */
static int proto(struct rt *rt, const char *why, int e)
{
	rt->why = why;
	errno = e;
	return -1;
}

static const char *memfind(const char *h, size_t hl, const char *n, size_t nl)
{
	return hl >= nl ? memmem(h, hl, n, nl) : NULL;
}

/* Strict non-negative decimal with overflow check. */
static int parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_hex(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
		else return -1;
		if (v > (max - d) / 16)
			return -1;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

static void trim(const char **v, size_t *n)
{
	while (*n && (**v == ' ' || **v == '\t')) { (*v)++; (*n)--; }
	while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t' || (*v)[*n - 1] == '\r')) (*n)--;
}

static int name_is(const char *line, size_t nl, const char *name)
{
	return strlen(name) == nl && strncasecmp(line, name, nl) == 0;
}

/* Visit each header line of rbuf[0, hdr_end): fn(name, nl, value, vl). */
typedef int header_fn(void *arg, char *name, size_t nl, char *value, size_t vl);

static int each_header(struct rt *rt, size_t hdr_end, header_fn *fn, void *arg)
{
	char *p = memchr(rt->rbuf, '\n', hdr_end);
	char *end = rt->rbuf + hdr_end;
	while (p && ++p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			const char *v = colon + 1;
			size_t vl = (size_t)(eol - v);
			trim(&v, &vl);
			if (fn(arg, p, (size_t)(colon - p), (char *)v, vl) < 0)
				return -1;
		}
		p = eol;
	}
	return 0;
}

struct framing { int has_len; uint64_t len; int chunked, close, bad; };

static int framing_header(void *arg, char *name, size_t nl, char *v, size_t vl)
{
	struct framing *f = arg;
	if (name_is(name, nl, "content-length")) {
		uint64_t n;
		if (parse_dec(v, vl, UINT64_MAX, &n) < 0 || (f->has_len && n != f->len)) {
			f->bad = 1;
			return -1;
		}
		f->has_len = 1;
		f->len = n;
	} else if (name_is(name, nl, "transfer-encoding")) {
		f->chunked = memfind(v, vl, "chunked", 7) != NULL;
	} else if (name_is(name, nl, "connection")) {
		f->close = vl == 5 && strncasecmp(v, "close", 5) == 0;
	}
	return 0;
}

/* Find "\r\n" in rbuf[from, rlen), reading more as needed (at most limit bytes). */
static int need_line(struct rt *rt, size_t from, size_t limit, size_t *eol)
{
	for (;;) {
		const char *q = memfind(rt->rbuf + from, rt->rlen - from, "\r\n", 2);
		if (q) {
			*eol = (size_t)(q - rt->rbuf);
			return 0;
		}
		if (rt->rlen - from > limit)
			return proto(rt, "line too long", EPROTO);
		if (rt_fill(rt, rt->rlen == rt->rcap ? rt->rcap * 2 : rt->rcap) < 0)
			return -1;
	}
}

/* Decode a chunked body in place at `start`; *len = its length. */
static int read_chunked(struct rt *rt, size_t start, size_t *len)
{
	size_t out = start, pos = start, eol;
	for (;;) {
		if (need_line(rt, pos, 1024, &eol) < 0)
			return -1;
		size_t fl = eol - pos;
		const char *semi = memchr(rt->rbuf + pos, ';', fl);
		if (semi)
			fl = (size_t)(semi - (rt->rbuf + pos));
		const char *f = rt->rbuf + pos;
		trim(&f, &fl);
		uint64_t size;
		if (parse_hex(f, fl, MAX_BODY, &size) < 0 || out - start + size > MAX_BODY)
			return proto(rt, "bad or too large chunk size", EPROTO);
		pos = eol + 2;
		if (size == 0) {
			for (;;) { /* trailers up to an empty line */
				if (need_line(rt, pos, MAX_HEADER, &eol) < 0)
					return -1;
				int empty = eol == pos;
				pos = eol + 2;
				if (empty)
					break;
			}
			size_t rest = rt->rlen - pos;
			memmove(rt->rbuf + out, rt->rbuf + pos, rest);
			rt->rlen = out + rest;
			*len = out - start;
			return 0;
		}
		while (rt->rlen - pos < size + 2)
			if (rt_fill(rt, pos + (size_t)size + 3) < 0)
				return -1;
		if (rt->rbuf[pos + size] != '\r' || rt->rbuf[pos + size + 1] != '\n')
			return proto(rt, "chunk not followed by CRLF", EPROTO);
		memmove(rt->rbuf + out, rt->rbuf + pos, (size_t)size);
		out += (size_t)size;
		pos += (size_t)size + 2;
	}
}

/* Read one response to rbuf[0...].  Leaves room for a NUL after the body. */
static int rt_read_response(struct rt *rt, struct resp *r)
{
	/* Bytes of this response already read with the previous one. */
	if (rt->rnext) {
		memmove(rt->rbuf, rt->rbuf + rt->rnext, rt->rlen - rt->rnext);
		rt->rlen -= rt->rnext;
		rt->rnext = 0;
	} else {
		rt->rlen = 0;
	}
	const char *e;
	while (!(e = memfind(rt->rbuf, rt->rlen, "\r\n\r\n", 4))) {
		if (rt->rlen >= MAX_HEADER)
			return proto(rt, "response header too large", EPROTO);
		if (rt_fill(rt, rt->rlen == rt->rcap ? rt->rcap * 2 : rt->rcap) < 0)
			return -1;
	}
	r->hdr_end = (size_t)(e - rt->rbuf) + 4;
	uint64_t st;
	if (rt->rlen < 12 || memcmp(rt->rbuf, "HTTP/1.", 7) != 0 || rt->rbuf[8] != ' ' ||
	    parse_dec(rt->rbuf + 9, 3, 999, &st) < 0)
		return proto(rt, "malformed HTTP status line", EPROTO);
	r->status = (int)st;
	struct framing f = {0};
	if (each_header(rt, r->hdr_end, framing_header, &f) < 0 || f.bad)
		return proto(rt, "bad or conflicting Content-Length", EPROTO);
	r->close = f.close;
	if (f.chunked) {
		if (read_chunked(rt, r->hdr_end, &r->body_len) < 0)
			return -1;
	} else if (f.has_len) {
		if (f.len > MAX_BODY)
			return proto(rt, "body larger than 32 MiB", EFBIG);
		r->body_len = (size_t)f.len;
		size_t total = r->hdr_end + r->body_len;
		while (rt->rlen < total)
			if (rt_fill(rt, total + 1) < 0)
				return -1;
	} else if (r->status == 204 || r->status == 304 || r->status < 200) {
		r->body_len = 0;
	} else { /* unframed: read to close */
		for (;;) {
			if (rt->rlen - r->hdr_end > MAX_BODY)
				return proto(rt, "unframed body larger than 32 MiB", EFBIG);
			if (rt_fill(rt, rt->rlen == rt->rcap ? rt->rcap * 2 : rt->rcap) < 0) {
				if (errno == ECONNRESET)
					break;
				return -1;
			}
		}
		r->body_len = rt->rlen - r->hdr_end;
		r->close = 1;
	}
	size_t body_end = r->hdr_end + r->body_len;
	if (rt->rlen > body_end)
		rt->rnext = body_end; /* a following response arrived early */
	/* Room for the NUL terminator. */
	if (body_end >= rt->rcap) {
		char *p = realloc(rt->rbuf, body_end + 1);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		rt->rbuf = p;
		rt->rcap = body_end + 1;
	}
	return 0;
}

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		size_t left = (size_t)w;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* Send req (+ body), read the answer.  One retry on a fresh connection when
 * the kept-alive one was closed under us. */
static int rt_exchange(struct rt *rt, size_t reqlen, const char *body, size_t blen, struct resp *r)
{
	for (int attempt = 0;; attempt++) {
		rt->why = NULL;
		if (rt->fd < 0 && rt_connect(rt) < 0)
			return -1;
		struct iovec iov[2] = {
			{ .iov_base = rt->req, .iov_len = reqlen },
			{ .iov_base = (void *)body, .iov_len = blen },
		};
		if (write_all(rt->fd, iov, blen ? 2 : 1) == 0 && rt_read_response(rt, r) == 0) {
			if (r->close) {
				/* Body stays readable in rbuf; reconnect on the next request. */
				close(rt->fd);
				rt->fd = -1;
				rt->rnext = 0;
			}
			return 0;
		}
		int e = errno;
		rt_disconnect(rt);
		if (attempt > 0 || (e != ECONNRESET && e != EPIPE)) {
			errno = e;
			return -1;
		}
	}
}

static size_t fmt_req(struct rt *rt, const char *path1, const char *path2,
    const char *error_type, size_t blen)
{
	int n;
	if (error_type)
		n = snprintf(rt->req, sizeof rt->req,
		    "POST " API "%s%s HTTP/1.1\r\nHost: %s\r\n"
		    "Lambda-Runtime-Function-Error-Type: %s\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		    path1, path2, rt->api, error_type, blen);
	else
		n = snprintf(rt->req, sizeof rt->req,
		    "POST " API "%s%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n\r\n",
		    path1, path2, rt->api, blen);
	return n > 0 && (size_t)n < sizeof rt->req ? (size_t)n : 0;
}

/* Error types go into a header: keep printable ASCII without CR/LF. */
static void sanitize_type(char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || (unsigned char)*t > 0x7e)
			*t = '_';
}

static int error_body(lprt_buf *b, const char *type, const char *msg, size_t mlen)
{
	b->len = 0;
	return lprt_buf_puts(b, "{\"errorMessage\":") < 0 ||
	    lprt_buf_json_str(b, msg, mlen) < 0 ||
	    lprt_buf_puts(b, ",\"errorType\":") < 0 ||
	    lprt_buf_json_str(b, type, strlen(type)) < 0 ||
	    lprt_buf_puts(b, "}") < 0 ? -1 : 0;
}

static int post(struct rt *rt, const char *p1, const char *p2, const char *etype,
    const char *body, size_t blen)
{
	struct resp r;
	size_t n = fmt_req(rt, p1, p2, etype, blen);
	if (n == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rt_exchange(rt, n, body, blen, &r) < 0)
		return -1;
	if (r.status / 100 != 2) {
		size_t show = r.body_len < 512 ? r.body_len : 512;
		fprintf(stderr, "lprt: POST %s%s answered HTTP %d: %.*s\n", p1, p2, r.status,
		    (int)show, rt->rbuf + r.hdr_end);
		/* A 4xx (413: response over 6 MB) fails this invocation only: the
		 * loop goes on, as the Runtime API documents; 500 means exit. */
		if (r.status / 100 == 4 && strcmp(p1, "/invocation/") == 0)
			return 0;
		rt->why = "the Runtime API answered a post with an error status";
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void lprt_init_error(const char *type, const char *fmt, ...)
{
	struct rt rt;
	lprt_buf msg = {0};
	char etype[128];
	va_list ap;
	va_start(ap, fmt);
	(void)buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	snprintf(etype, sizeof etype, "%s", type ? type : "InitError");
	sanitize_type(etype);
	fprintf(stderr, "lprt: init failed: %s: %s\n", etype, msg.data ? msg.data : "");
	if (rt_init(&rt) < 0)
		exit(EXIT_ENV);
	if (error_body(&rt.err, etype, msg.data ? msg.data : "", msg.len) < 0 ||
	    post(&rt, "/init/error", "", etype, rt.err.data, rt.err.len) < 0) {
		warnx_("posting init/error", strerror(errno));
		exit(EXIT_ENV);
	}
	exit(1);
}

/* ---- the loop ---- */

struct inv {
	struct rt *rt;
	lprt_ctx ctx;
	int bad;
};

static int invocation_header(void *arg, char *name, size_t nl, char *v, size_t vl)
{
	struct inv *iv = arg;
	/* Values end at CR/LF: terminate in place (the header block is ours). */
	v[vl] = 0;
	if (name_is(name, nl, "lambda-runtime-aws-request-id")) {
		if (vl == 0 || vl >= sizeof iv->rt->reqid) {
			iv->bad = 1;
			return 0;
		}
		for (size_t i = 0; i < vl; i++) {
			char c = v[i];
			/* It goes into a request path: no spaces, slashes or controls. */
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '-' || c == '_' || c == '.'))
				iv->bad = 1;
		}
		memcpy(iv->rt->reqid, v, vl + 1);
	} else if (name_is(name, nl, "lambda-runtime-deadline-ms")) {
		uint64_t d;
		iv->ctx.deadline_ms = parse_dec(v, vl, INT64_MAX, &d) == 0 ? (int64_t)d : 0;
	} else if (name_is(name, nl, "lambda-runtime-invoked-function-arn")) {
		iv->ctx.function_arn = v;
	} else if (name_is(name, nl, "lambda-runtime-trace-id")) {
		iv->ctx.trace_id = v;
	} else if (name_is(name, nl, "lambda-runtime-client-context")) {
		iv->ctx.client_context = v;
	} else if (name_is(name, nl, "lambda-runtime-cognito-identity")) {
		iv->ctx.cognito_identity = v;
	}
	return 0;
}

int lprt_run(lprt_handler *handler, void *user)
{
	struct rt rt;
	lprt_buf out = {0};
	if (rt_init(&rt) < 0)
		goto done;
	static const char next_fmt[] = "GET " API "/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n";
	int nl = snprintf(rt.req, sizeof rt.req, next_fmt, rt.api);
	if (nl <= 0 || (size_t)nl >= sizeof rt.req) {
		warnx_("AWS_LAMBDA_RUNTIME_API too long", rt.api);
		goto done;
	}
	char next_req[sizeof rt.req];
	memcpy(next_req, rt.req, (size_t)nl);

	for (;;) {
		struct resp r;
		memcpy(rt.req, next_req, (size_t)nl);
		if (rt_exchange(&rt, (size_t)nl, NULL, 0, &r) < 0) {
			warnx_("invocation/next", rt.why ? rt.why : strerror(errno));
			goto done;
		}
		if (r.status != 200) {
			fprintf(stderr, "lprt: invocation/next answered HTTP %d\n", r.status);
			goto done;
		}
		struct inv iv = { .rt = &rt, .ctx = { .function_arn = "", .trace_id = "" } };
		rt.reqid[0] = 0;
		if (each_header(&rt, r.hdr_end, invocation_header, &iv) < 0 || iv.bad || !rt.reqid[0]) {
			warnx_("invocation/next", "missing or malformed Lambda-Runtime-Aws-Request-Id");
			goto done;
		}
		iv.ctx.request_id = rt.reqid;
		if (*iv.ctx.trace_id)
			setenv("_X_AMZN_TRACE_ID", iv.ctx.trace_id, 1);
		else
			unsetenv("_X_AMZN_TRACE_ID");

		char *event = rt.rbuf + r.hdr_end;
		char saved = event[r.body_len]; /* may be the start of a next response */
		event[r.body_len] = 0;
		out.len = 0;
		if (out.data)
			out.data[0] = 0;
		out.error_type[0] = 0;
		int rc = handler(event, r.body_len, &iv.ctx, &out, user);
		event[r.body_len] = saved;

		int posted;
		char path[sizeof rt.reqid + 16];
		if (rc == 0) {
			snprintf(path, sizeof path, "%s/response", rt.reqid);
			posted = post(&rt, "/invocation/", path, NULL, out.data ? out.data : "", out.len);
		} else {
			if (!out.error_type[0])
				snprintf(out.error_type, sizeof out.error_type, "HandlerError");
			sanitize_type(out.error_type);
			snprintf(path, sizeof path, "%s/error", rt.reqid);
			posted = error_body(&rt.err, out.error_type, out.data ? out.data : "", out.len);
			if (posted == 0)
				posted = post(&rt, "/invocation/", path, out.error_type, rt.err.data, rt.err.len);
		}
		if (posted < 0) {
			warnx_("posting the invocation result", rt.why ? rt.why : strerror(errno));
			goto done;
		}
	}
done:
	rt_disconnect(&rt);
	free(rt.rbuf);
	free(rt.err.data);
	free(out.data);
	return EXIT_ENV;
}
