/* invoke-http — does libmicrohttpd cost more than 20 µs per request against
 * a hand-written loop?  (issue 2: the local Lambda service uses
 * libmicrohttpd unless it does.)
 *
 * Two servers in this process, driven by one poll loop like lp-invoke's:
 *   mhd   the real local Lambda service (tools/lib/lsvc.c), which answers
 *         every /next at once with an event and every response with 202;
 *   hand  a hand-written loop on a plain socket that parses just enough
 *         HTTP/1.1 to answer the same two requests with the same headers.
 * A client thread acts as a runtime on one keep-alive connection to each
 * and alternates between them pair by pair (GET /next, POST .../response),
 * timing each request from its write to the end of the answer.
 * Output: NDJSON, one record per server and request kind, with median and
 * 95 % CI (order statistics), then one "diff" record per kind.
 *
 * usage: invoke-http [PAIRS]   (default 20000) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lputil.h"
#include "lsvc.h"
#include "ndjson.h"
#include "stats.h"

static const char EVENT[] = "{\"hello\":\"world\"}";
static const char RID[] = "8f507cfc-3a5c-4697-b07a-ac58fc914c95";
static volatile int done;

/* ---- mhd side ---- */
static lsvc *svc;
static void on_ev(void *arg, const struct lsvc_event *ev)
{
	(void)arg;
	if (ev->kind == LSVC_NEXT) {
		struct lsvc_invocation inv = {
			.request_id = RID, .payload = EVENT, .payload_len = sizeof EVENT - 1,
			.deadline_wall_ms = lp_wall_ms() + 3000,
			.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench",
			.trace_id = "Root=1-5e1b4151-5ac6c58f5b5dbd6a1f7e7f4b;Parent=53995c3f42cd8ad8;Sampled=0",
		};
		lsvc_deliver(svc, &inv, NULL);
	}
}

/* ---- hand-written side ---- */
struct hconn {
	int fd;
	char buf[1 << 16];
	size_t len;
};

static void hand_answer(struct hconn *c, int is_next)
{
	char out[1024];
	int n;
	if (is_next)
		n = snprintf(out, sizeof out,
		    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		    "Lambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %lld\r\n"
		    "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:bench\r\n"
		    "Lambda-Runtime-Trace-Id: Root=1-5e1b4151-5ac6c58f5b5dbd6a1f7e7f4b;Parent=53995c3f42cd8ad8;Sampled=0\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    RID, (long long)lp_wall_ms() + 3000, sizeof EVENT - 1, EVENT);
	else
		n = snprintf(out, sizeof out,
		    "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}");
	if (write(c->fd, out, (size_t)n) != n)
		lp_err(LP_EXIT_ENV, "hand write");
}

/* Consume complete requests in the buffer. */
static void hand_parse(struct hconn *c)
{
	for (;;) {
		c->buf[c->len] = '\0';
		char *end = strstr(c->buf, "\r\n\r\n");
		if (!end)
			return;
		size_t hl = (size_t)(end + 4 - c->buf), cl = 0;
		char *p = strcasestr(c->buf, "\r\nContent-Length:");
		if (p && p < end)
			cl = strtoul(p + 17, NULL, 10);
		if (c->len < hl + cl)
			return;
		hand_answer(c, strncmp(c->buf, "GET ", 4) == 0);
		memmove(c->buf, c->buf + hl + cl, c->len - hl - cl);
		c->len -= hl + cl;
	}
}

/* ---- client ---- */
static int dial(unsigned port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		lp_err(LP_EXIT_ENV, "connect");
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return s;
}

/* One request, the time from write to the end of the answer, in µs. */
static double rtt(int s, const char *req)
{
	char buf[8192];
	size_t len = 0;
	uint64_t t0 = lp_now_ns();
	size_t rl = strlen(req);
	if (write(s, req, rl) != (ssize_t)rl)
		lp_err(LP_EXIT_ENV, "client write");
	for (;;) {
		ssize_t n = read(s, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			lp_errx(LP_EXIT_ENV, "client read: connection closed");
		len += (size_t)n;
		buf[len] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		char *p = strcasestr(buf, "\r\nContent-Length:");
		size_t cl = p ? strtoul(p + 17, NULL, 10) : 0;
		if (len >= (size_t)(end + 4 - buf) + cl)
			break;
	}
	return (double)(lp_now_ns() - t0) / 1e3;
}

struct client {
	unsigned mhd_port, hand_port;
	long pairs;
	double *t[2][2]; /* [server][kind] */
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	int fd[2] = { dial(c->mhd_port), dial(c->hand_port) };
	char post[512];
	snprintf(post, sizeof post,
	    "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"echo\":\"hello\"}", RID);
	const char *next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	for (long i = -200; i < c->pairs; i++) { /* 200 pairs of warm-up */
		for (int k = 0; k < 2; k++) {
			int srv = (i & 1) ? k : 1 - k; /* alternate which goes first */
			double a = rtt(fd[srv], next), b = rtt(fd[srv], post);
			if (i >= 0) {
				c->t[srv][0][i] = a;
				c->t[srv][1][i] = b;
			}
		}
	}
	close(fd[0]);
	close(fd[1]);
	done = 1;
	return NULL;
}

static void summary(const char *server, const char *kind, double *v, long n, double *median)
{
	st_sort(v, (size_t)n);
	double lo, hi, cov;
	size_t rl, rh;
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "type", "bench_http", "server", server,
	    "request", kind, "n", (json_int_t)n);
	*median = st_percentile(v, (size_t)n, 50);
	json_object_set_new(o, "median_us", nd_real(*median));
	json_object_set_new(o, "p90_us", nd_real(st_percentile(v, (size_t)n, 90)));
	if (st_median_ci(v, (size_t)n, 0.95, &lo, &hi, &cov, &rl, &rh) == 0) {
		json_object_set_new(o, "median_ci95_lo_us", nd_real(lo));
		json_object_set_new(o, "median_ci95_hi_us", nd_real(hi));
	}
	nd_emit(stdout, o);
}

int main(int argc, char **argv)
{
	lp_setprogname(argv[0]);
	long pairs = 20000;
	if (argc > 1 && lp_parse_long(argv[1], 100, 10000000, &pairs) != 0)
		lp_usage_error("PAIRS: a number >= 100");
	char err[256];
	svc = lsvc_start(on_ev, NULL, err, sizeof err);
	if (!svc)
		lp_errx(LP_EXIT_ENV, "%s", err);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0)
		lp_err(LP_EXIT_ENV, "hand listen");
	struct client c = { .mhd_port = lsvc_port(svc), .hand_port = ntohs(a.sin_port), .pairs = pairs };
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 2; k++)
			c.t[s][k] = lp_xcalloc((size_t)pairs, sizeof(double));
	pthread_t th;
	if (pthread_create(&th, NULL, client_main, &c) != 0)
		lp_errx(LP_EXIT_ENV, "pthread_create");
	struct hconn hc = { .fd = -1 };
	while (!done) {
		struct pollfd p[3] = {
			{ .fd = lsvc_fd(svc), .events = POLLIN },
			{ .fd = ls, .events = POLLIN },
			{ .fd = hc.fd, .events = POLLIN },
		};
		int tmo = lsvc_timeout_ms(svc);
		int n = poll(p, 3, tmo >= 0 && tmo < 100 ? tmo : 100);
		if (n < 0 && errno != EINTR)
			lp_err(LP_EXIT_ENV, "poll");
		if (p[0].revents || n == 0)
			lsvc_run(svc);
		if (p[1].revents && hc.fd < 0) {
			hc.fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
			int one = 1;
			setsockopt(hc.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		}
		if (hc.fd >= 0 && p[2].revents) {
			ssize_t r = read(hc.fd, hc.buf + hc.len, sizeof hc.buf - 1 - hc.len);
			if (r <= 0) {
				close(hc.fd);
				hc.fd = -1;
			} else {
				hc.len += (size_t)r;
				hand_parse(&hc);
			}
		}
	}
	pthread_join(th, NULL);
	const char *kinds[2] = { "next", "response" };
	for (int k = 0; k < 2; k++) {
		/* paired differences (same pair index, adjacent in time) */
		double *d = lp_xcalloc((size_t)pairs, sizeof(double));
		for (long i = 0; i < pairs; i++)
			d[i] = c.t[0][k][i] - c.t[1][k][i];
		double m0, m1, md;
		summary("mhd", kinds[k], c.t[0][k], pairs, &m0);
		summary("hand", kinds[k], c.t[1][k], pairs, &m1);
		st_sort(d, (size_t)pairs);
		md = st_percentile(d, (size_t)pairs, 50);
		double lo, hi, cov;
		size_t rl, rh;
		json_t *o = json_pack("{s:s, s:s, s:I}", "type", "bench_http_diff", "request", kinds[k], "n", (json_int_t)pairs);
		json_object_set_new(o, "median_paired_diff_us", nd_real(md));
		if (st_median_ci(d, (size_t)pairs, 0.95, &lo, &hi, &cov, &rl, &rh) == 0) {
			json_object_set_new(o, "ci95_lo_us", nd_real(lo));
			json_object_set_new(o, "ci95_hi_us", nd_real(hi));
		}
		json_object_set_new(o, "median_ratio", nd_real(m0 / m1));
		nd_emit(stdout, o);
		free(d);
	}
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 2; k++)
			free(c.t[s][k]);
	if (hc.fd >= 0)
		close(hc.fd);
	close(ls);
	lsvc_stop(svc);
	lp_close_stdout();
	return 0;
}
