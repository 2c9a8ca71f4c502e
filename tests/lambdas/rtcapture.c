/* rtcapture — test helper (built to $LP_BUILD/tests/rtcapture by
 * mk/lambdas.mk): run a bootstrap under lp's local Runtime API (lsvc, the
 * engine of lp-invoke), hand it the events of EVENT-FILE (one JSON document,
 * given N times), and write what the runtime posted, one line per
 * invocation, so tests can compare bodies byte for byte:
 *
 *   response <body>
 *   error <Lambda-Runtime-Function-Error-Type> <body>
 *   init_error <type> <body>
 *
 * usage: rtcapture BOOTSTRAP EVENT-FILE [N]
 * Exit 0 when N results were captured, 1 when the runtime died or stalled
 * (5 s), 2 usage, 3 environment. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lputil.h"
#include "lsvc.h"

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct cap {
	int done, results, init_failed;
};

static void put_body(const char *b, size_t n)
{
	/* Bodies are single-line JSON here; keep them byte-exact otherwise. */
	fwrite(b, 1, n, stdout);
	putchar('\n');
}

static void on_event(void *arg, const struct lsvc_event *ev)
{
	struct cap *c = arg;
	switch (ev->kind) {
	case LSVC_RESPONSE:
		fputs("response ", stdout);
		put_body(ev->body, ev->body_len);
		c->results++;
		c->done = 1;
		break;
	case LSVC_ERROR:
		printf("error %s ", ev->error_type ? ev->error_type : "-");
		put_body(ev->body, ev->body_len);
		c->results++;
		c->done = 1;
		break;
	case LSVC_INIT_ERROR:
		printf("init_error %s ", ev->error_type ? ev->error_type : "-");
		put_body(ev->body, ev->body_len);
		c->init_failed = 1;
		c->done = 1;
		break;
	case LSVC_TOO_LARGE:
		printf("too_large\n");
		c->results++;
		c->done = 1;
		break;
	case LSVC_BAD:
		printf("bad_request %s\n", ev->what ? ev->what : "?");
		break;
	case LSVC_NEXT:
		break;
	}
	fflush(stdout);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		lp_err(LP_EXIT_USAGE, "%s", path);
	size_t cap = 4096, n = 0;
	char *b = lp_xmalloc(cap);
	size_t r;
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			b = lp_xrealloc(b, cap *= 2);
	}
	if (ferror(f))
		lp_err(LP_EXIT_ENV, "%s", path);
	fclose(f);
	*len = n;
	return b;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: rtcapture BOOTSTRAP EVENT-FILE [N]\n");
		return LP_EXIT_USAGE;
	}
	long n = 1;
	if (argc == 4 && lp_parse_long(argv[3], 1, 1000, &n) != 0)
		lp_errx(LP_EXIT_USAGE, "N must be 1..1000: %s", argv[3]);
	size_t elen;
	char *event = slurp(argv[2], &elen);

	struct cap c = {0};
	char err[256];
	lsvc *s = lsvc_start(on_event, &c, err, sizeof err);
	if (!s)
		lp_errx(LP_EXIT_ENV, "%s", err);
	char api[32];
	snprintf(api, sizeof api, "127.0.0.1:%u", lsvc_port(s));

	pid_t pid = fork();
	if (pid < 0)
		lp_err(LP_EXIT_ENV, "fork");
	if (pid == 0) {
		setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
		execl(argv[1], argv[1], (char *)NULL);
		fprintf(stderr, "rtcapture: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}

	int rc = 0;
	for (long i = 0; i < n && !c.init_failed; i++) {
		char id[37], trace[96];
		lsvc_new_request_id(id);
		lsvc_new_trace_id(trace);
		struct lsvc_invocation inv = {
			.request_id = id, .payload = event, .payload_len = elen,
			/* a real deadline, as Lambda sends: aws-lambda-ric asserts on 0 */
			.deadline_wall_ms = wall_ms() + 5000, .function_arn =
			    "arn:aws:lambda:us-east-1:000000000000:function:rtcapture",
			.trace_id = trace,
		};
		lsvc_deliver(s, &inv, NULL);
		c.done = 0;
		double deadline = lp_now_ms() + 5000;
		while (!c.done) {
			int status;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "rtcapture: the runtime exited (status %d) before answering\n",
				    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
				pid = -1;
				rc = 1;
				goto out;
			}
			double now = lp_now_ms();
			if (now >= deadline) {
				fprintf(stderr, "rtcapture: no answer within 5 s\n");
				rc = 1;
				goto out;
			}
			int t = lsvc_timeout_ms(s);
			int wait = (int)(deadline - now);
			if (wait > 50)
				wait = 50; /* also notices the child's exit */
			if (t >= 0 && t < wait)
				wait = t;
			struct pollfd p = { .fd = lsvc_fd(s), .events = POLLIN };
			if (poll(&p, 1, wait) < 0 && errno != EINTR)
				lp_err(LP_EXIT_ENV, "poll");
			lsvc_run(s);
		}
		lsvc_clear(s);
	}
	if (c.init_failed)
		rc = 1;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	lsvc_stop(s);
	free(event);
	lp_close_stdout();
	return rc;
}
