/* hostile_api — test helper (built to $LP_BUILD/tests/hostile_api by
 * mk/lambdas.mk): a deliberately odd or hostile Runtime API, to check that
 * the runtime clients (lambdas/runtime) parse HTTP robustly.
 *
 * usage: hostile_api SCENARIO BOOTSTRAP
 *
 * It starts BOOTSTRAP with AWS_LAMBDA_RUNTIME_API pointing at itself,
 * answers /next as SCENARIO says, answers posts with 202, and prints one line
 * per request ("GET /path", "POST /path <body>"), then "exit N" when the
 * runtime exits, or "served" once the scenario's invocations were answered
 * (the runtime is then killed). Exit 0 on either, 1 after 5 s without an
 * end, 2 usage, 3 environment.
 *
 * Scenarios (valid ones must work, hostile ones must end in exit 3):
 *   chunked        event sent with Transfer-Encoding: chunked (2 invocations)
 *   close          every answer carries Connection: close and the server
 *                  closes: the runtime reconnects (2 invocations)
 *   pipelined      every /next answer is written one byte per write
 *                  (2 invocations)
 *   post-413       the first response post is answered 413: the runtime
 *                  must go on to the next invocation (2 invocations)
 *   post-500       response posts are answered 500: the runtime must exit 3
 *   len-overflow   Content-Length: 99999999999999999999999
 *   len-conflict   two different Content-Length headers
 *   len-huge       Content-Length: 4294967296 (4 GiB), no body
 *   header-flood   100 KB of headers that never end
 *   bad-id         request id "../../x" (would escape the URL path)
 *   truncated      Content-Length: 100 then 10 bytes and close
 *   status-500     /next answered 500
 *   garbage        not HTTP at all */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *scenario;
static pid_t child = -1;
static int nexts;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int wr(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int wrs(int fd, const char *s) { return wr(fd, s, strlen(s)); }

static void finish(const char *what, int rc)
{
	int status;
	if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
		printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	} else {
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		printf("%s\n", what);
	}
	fflush(stdout);
	exit(rc);
}

/* Wait for fd readable or the child's exit; 5 s overall. */
static double deadline;
static void wait_readable(int fd)
{
	for (;;) {
		int status;
		if (waitpid(child, &status, WNOHANG) == child) {
			printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			fflush(stdout);
			child = -1;
			exit(0);
		}
		double left = deadline - now_ms();
		if (left <= 0)
			finish("timeout", 1);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, left > 50 ? 50 : (int)left + 1);
		if (r > 0)
			return;
		if (r < 0 && errno != EINTR) {
			perror("hostile_api: poll");
			finish("error", 3);
		}
	}
}

/* The /next answer for this scenario; returns 1 to close afterwards. */
static int answer_next(int fd)
{
	char buf[512];
	nexts++;
	if (!strcmp(scenario, "chunked") || !strcmp(scenario, "close") || !strcmp(scenario, "pipelined") ||
	    !strcmp(scenario, "post-413") || !strcmp(scenario, "post-500")) {
		if (nexts > 2)
			finish("served", 0);
		const char *ev = nexts == 1 ? "{\"n\":1}" : "{\"n\":22}";
		int close_it = !strcmp(scenario, "close");
		if (!strcmp(scenario, "chunked")) {
			snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r%d\r\n"
			    "Lambda-Runtime-Trace-Id: Root=1-x\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "3\r\n%.3s\r\n%zx;ext=1\r\n%s\r\n0\r\nTrailer: x\r\n\r\n",
			    nexts, ev, strlen(ev) - 3, ev + 3);
			return wrs(fd, buf) < 0;
		}
		snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id:   r%d  \r\n"
		    "Lambda-Runtime-Trace-Id: Root=1-x\r\n%sContent-Length: %zu\r\n\r\n%s",
		    nexts, close_it ? "Connection: close\r\n" : "", strlen(ev), ev);
		if (!strcmp(scenario, "pipelined")) {
			for (size_t i = 0; buf[i]; i++)
				if (wr(fd, buf + i, 1) < 0)
					return 1;
			return 0;
		}
		wrs(fd, buf);
		return close_it;
	}
	if (nexts > 3)
		finish("served", 0); /* a hostile scenario must not loop forever */
	if (!strcmp(scenario, "len-overflow"))
		wrs(fd, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: 99999999999999999999999\r\n\r\n{}");
	else if (!strcmp(scenario, "len-conflict"))
		wrs(fd, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x");
	else if (!strcmp(scenario, "len-huge"))
		wrs(fd, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: 4294967296\r\n\r\n{}");
	else if (!strcmp(scenario, "header-flood")) {
		wrs(fd, "HTTP/1.1 200 OK\r\n");
		for (int i = 0; i < 2000; i++)
			if (wrs(fd, "X-Flood: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n") < 0)
				break;
		return 1;
	} else if (!strcmp(scenario, "bad-id"))
		wrs(fd, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: ../../x\r\nContent-Length: 2\r\n\r\n{}");
	else if (!strcmp(scenario, "truncated")) {
		wrs(fd, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: 100\r\n\r\n0123456789");
		return 1;
	} else if (!strcmp(scenario, "status-500"))
		wrs(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops");
	else if (!strcmp(scenario, "garbage")) {
		wrs(fd, "hello there\r\n\r\n");
		return 1;
	} else {
		fprintf(stderr, "hostile_api: unknown scenario %s\n", scenario);
		finish("usage", 2);
	}
	return 0;
}

/* Serve one connection until it closes (or we close it). */
static void serve(int fd)
{
	static char req[1 << 16];
	size_t len = 0;
	for (;;) {
		char *end;
		while (!(end = memmem(req, len, "\r\n\r\n", 4))) {
			if (len == sizeof req)
				return;
			wait_readable(fd);
			ssize_t r = read(fd, req + len, sizeof req - len);
			if (r <= 0)
				return;
			len += (size_t)r;
		}
		size_t hlen = (size_t)(end - req) + 4, blen = 0;
		char *cl = memmem(req, hlen, "Content-Length: ", 16);
		if (cl)
			blen = strtoul(cl + 16, NULL, 10);
		while (len < hlen + blen) {
			wait_readable(fd);
			ssize_t r = read(fd, req + len, sizeof req - len);
			if (r <= 0)
				return;
			len += (size_t)r;
		}
		char *sp = memchr(req, ' ', hlen), *sp2 = sp ? memchr(sp + 1, ' ', hlen - (size_t)(sp + 1 - req)) : NULL;
		if (!sp || !sp2)
			return;
		int close_it = 0;
		if (!strncmp(req, "GET ", 4)) {
			printf("GET %.*s\n", (int)(sp2 - sp - 1), sp + 1);
			fflush(stdout);
			close_it = answer_next(fd);
		} else {
			printf("POST %.*s %.*s\n", (int)(sp2 - sp - 1), sp + 1, (int)blen, req + hlen);
			fflush(stdout);
			close_it = !strcmp(scenario, "close");
			if (!strcmp(scenario, "post-413") && nexts == 1)
				wrs(fd, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!");
			else if (!strcmp(scenario, "post-500"))
				wrs(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops");
			else
				wrs(fd, close_it ? "HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
				    : "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}");
		}
		memmove(req, req + hlen + blen, len - hlen - blen);
		len -= hlen + blen;
		if (close_it)
			return;
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hostile_api SCENARIO BOOTSTRAP\n");
		return 2;
	}
	scenario = argv[1];
	signal(SIGPIPE, SIG_IGN);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 8) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
		perror("hostile_api: listen");
		return 3;
	}
	char api[32];
	snprintf(api, sizeof api, "127.0.0.1:%u", ntohs(sa.sin_port));
	child = fork();
	if (child < 0) {
		perror("hostile_api: fork");
		return 3;
	}
	if (child == 0) {
		setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
		execl(argv[2], argv[2], (char *)NULL);
		perror("hostile_api: exec");
		_exit(127);
	}
	deadline = now_ms() + 5000;
	for (;;) {
		wait_readable(ls);
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("hostile_api: accept");
			finish("error", 3);
		}
		serve(fd);
		close(fd);
	}
}
