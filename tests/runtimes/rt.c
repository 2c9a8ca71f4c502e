/* rt — a Lambda custom runtime for lp's tests, well-behaved or hostile.
 *
 * It speaks the Runtime API over plain sockets (no library).  What it does
 * is chosen by LP_RT_MODE (default "ok"), so one binary serves every test:
 *   ok            echo loop: answers each event with {"echo":EVENT}
 *   report        like ok, and prints its environment ("ENV K=V"), the
 *                 Lambda headers ("HDR Name: value"), its cwd and the number
 *                 of entries in /tmp on stdout (the function log)
 *   garbage       sends bytes that are not HTTP, prints "GARBAGE <status>"
 *   methods       wrong methods and paths, prints "PROBE <what> <status>"
 *   next_twice    calls /next again before answering, prints "NEXT2 <status>"
 *   unknown_id    posts a response for an unknown id, "UNKNOWN <status>"
 *   big           answers with LP_RT_BYTES (default 7 MB), "BIG <status>"
 *   error         posts /error (Handler.Failed), "ERROR <status>"
 *   init_error    posts /init/error, "INITERR <status>", exits 1
 *   crash_init    SIGSEGV before the first /next
 *   exit_init     exit 3 before the first /next
 *   hang_init     never calls /next
 *   crash_invoke  abort() on the event
 *   exit_invoke   exit 7 on the event
 *   hang          never answers the event
 *   oom           allocates and touches memory until killed
 *   exit_after    answers, then exits 0 (the next event finds it gone)
 *   alloc         like ok, after touching (and keeping) as many MB of
 *                 memory as the event's "mb" field says
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

extern char **environ;

static char host[64];
static int port;
static int sock = -1;

static int dial(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("socket");
		exit(90);
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	inet_pton(AF_INET, host, &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("connect");
		exit(91);
	}
	int one = 1; /* as curl does: no Nagle delay between headers and body */
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return s;
}

static void send_all(int s, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(s, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("write");
			exit(92);
		}
		b += w;
		n -= (size_t)w;
	}
}

struct resp {
	int status;
	char headers[8192];
	char *body;
	size_t len;
};

/* Read one HTTP response from s (the server sends nothing unasked, so
 * nothing past this response is ever read).  -1 when the connection
 * closed first. */
static int read_resp(int s, struct resp *r)
{
	size_t hl = 0;
	char *end = NULL;
	memset(r, 0, sizeof *r);
	while (!end) {
		if (hl + 1 >= sizeof r->headers)
			exit(93);
		ssize_t n = read(s, r->headers + hl, sizeof r->headers - 1 - hl);
		if (n <= 0)
			return -1;
		hl += (size_t)n;
		r->headers[hl] = '\0';
		end = strstr(r->headers, "\r\n\r\n");
	}
	size_t have = hl - (size_t)(end + 4 - r->headers);
	end[2] = '\0'; /* keep the last header's CRLF for lookups */
	sscanf(r->headers, "HTTP/1.%*d %d", &r->status);
	size_t cl = 0;
	char *p = strcasestr(r->headers, "\r\nContent-Length:");
	if (p)
		cl = strtoul(p + 17, NULL, 10);
	r->body = malloc(cl + have + 1);
	memcpy(r->body, end + 4, have);
	for (size_t got = have; got < cl;) {
		ssize_t n = read(s, r->body + got, cl - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	r->body[cl] = '\0';
	r->len = cl;
	return 0;
}

static const char *header(struct resp *r, const char *name, char *out, size_t outlen)
{
	char key[128];
	snprintf(key, sizeof key, "\r\n%s:", name);
	char *p = strcasestr(r->headers, key);
	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, "\r");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* One request on the shared keep-alive connection. */
static int request(const char *method, const char *path, const char *extra,
    const char *body, size_t len, struct resp *r)
{
	if (sock < 0)
		sock = dial();
	char h[1024];
	int n = snprintf(h, sizeof h, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n%sContent-Length: %zu\r\n\r\n",
	    method, path, host, port, extra ? extra : "", len);
	send_all(sock, h, (size_t)n);
	if (len)
		send_all(sock, body, len);
	if (read_resp(sock, r) != 0) {
		close(sock);
		sock = -1;
		return -1;
	}
	return r->status;
}

static int post(const char *path, const char *extra, const char *body)
{
	struct resp r;
	int st = request("POST", path, extra, body, strlen(body), &r);
	free(r.body);
	return st;
}

static void next(struct resp *r, char *id, size_t idlen)
{
	if (request("GET", "/2018-06-01/runtime/invocation/next", NULL, NULL, 0, r) != 200) {
		fprintf(stderr, "rt: /next failed (%d)\n", r->status);
		exit(94);
	}
	if (!header(r, "Lambda-Runtime-Aws-Request-Id", id, idlen)) {
		fprintf(stderr, "rt: no request id\n");
		exit(95);
	}
}

static void respond(const char *id, const char *event)
{
	char path[256];
	snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/response", id);
	size_t n = strlen(event) + 16;
	char *b = malloc(n);
	snprintf(b, n, "{\"echo\":%s}", event[0] ? event : "null");
	int st = post(path, "Content-Type: application/json\r\n", b);
	free(b);
	printf("RESPONSE %d\n", st);
	if (st != 202) {
		fprintf(stderr, "rt: response got %d\n", st);
		exit(96);
	}
}

/* A raw exchange on a fresh connection; the status or -1. */
static int raw(const char *bytes)
{
	int s = dial();
	send_all(s, bytes, strlen(bytes));
	shutdown(s, SHUT_WR);
	struct resp r;
	int st = read_resp(s, &r) == 0 ? r.status : -1;
	free(r.body);
	close(s);
	return st;
}

static void report(struct resp *r)
{
	static const char *const hs[] = {
		"Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms",
		"Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id",
		"Lambda-Runtime-Client-Context", "Lambda-Runtime-Cognito-Identity",
		"Content-Type",
	};
	char v[2048];
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		if (header(r, hs[i], v, sizeof v))
			printf("HDR %s: %s\n", hs[i], v);
	for (char **e = environ; *e; e++)
		printf("ENV %s\n", *e);
	char cwd[4096];
	if (getcwd(cwd, sizeof cwd))
		printf("CWD %s\n", cwd);
	int n = 0;
	DIR *d = opendir("/tmp");
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	printf("TMP %d\n", n);
	d = opendir(".");
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			printf("FILE %s\n", de->d_name);
	if (d)
		closedir(d);
	/* leave marks: the next cold start must not see them */
	FILE *m = fopen("written-by-function", "w");
	if (m)
		fclose(m);
	printf("TASKWRITE %s\n", m ? "ok" : strerrorname_np(errno));
	m = fopen("/tmp/written-by-function", "w");
	if (m)
		fclose(m);
	printf("EVENT %s\n", r->body);
	fflush(stdout);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	const char *mode = getenv("LP_RT_MODE");
	if (!mode)
		mode = "ok";
	if (!api || sscanf(api, "%63[^:]:%d", host, &port) != 2) {
		fprintf(stderr, "rt: no AWS_LAMBDA_RUNTIME_API\n");
		return 2;
	}
	if (!strcmp(mode, "crash_init"))
		raise(SIGSEGV);
	if (!strcmp(mode, "exit_init"))
		return 3;
	if (!strcmp(mode, "hang_init") || !strcmp(mode, "init_error")) {
		if (!strcmp(mode, "init_error")) {
			int st = post("/2018-06-01/runtime/init/error",
			    "Lambda-Runtime-Function-Error-Type: Runtime.ConfigError\r\n",
			    "{\"errorMessage\":\"bad config\",\"errorType\":\"Runtime.ConfigError\"}");
			printf("INITERR %d\n", st);
			exit(1); /* as real runtimes do after reporting an init error */
		}
		for (;;)
			poll(NULL, 0, -1);
	}
	if (!strcmp(mode, "garbage")) {
		printf("GARBAGE %d\n", raw("\x16\x03\x01 this is not HTTP at all\r\n\r\n"));
		printf("GARBAGE %d\n", raw("GET /2018-06-01/runtime/invocation/next HTTP/9.9\r\nHost: x\r\nContent-Length: -5\r\n\r\n"));
	}
	if (!strcmp(mode, "methods")) {
		printf("PROBE delete-next %d\n", raw("DELETE /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
		printf("PROBE post-next %d\n", raw("POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
		printf("PROBE get-response %d\n", raw("GET /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
		printf("PROBE unknown-path %d\n", raw("GET /2018-06-01/runtime/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
		printf("PROBE root %d\n", raw("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
		printf("PROBE early-response %d\n", raw("POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
	}
	for (int n = 1;; n++) {
		struct resp r;
		char id[128], path[256];
		next(&r, id, sizeof id);
		if (!strcmp(mode, "report"))
			report(&r);
		else
			printf("rt: event %d id %s\n", n, id);
		if (!strcmp(mode, "crash_invoke"))
			abort();
		if (!strcmp(mode, "exit_invoke"))
			exit(7);
		if (!strcmp(mode, "alloc")) {
			const char *m = strstr(r.body, "\"mb\":");
			long mb = m ? strtol(m + 5, NULL, 10) : 0;
			for (long i = 0; i < mb; i++) {
				char *p = malloc(1 << 20);
				if (!p)
					break;
				memset(p, 0x5a, 1 << 20);
			}
		}
		if (!strcmp(mode, "hang"))
			for (;;)
				poll(NULL, 0, -1);
		if (!strcmp(mode, "oom")) {
			for (;;) {
				char *p = malloc(1 << 20);
				if (!p)
					break;
				memset(p, 0x5a, 1 << 20);
			}
			for (;;)
				poll(NULL, 0, -1);
		}
		if (!strcmp(mode, "next_twice")) {
			struct resp r2;
			int st = request("GET", "/2018-06-01/runtime/invocation/next", NULL, NULL, 0, &r2);
			printf("NEXT2 %d\n", st);
			free(r2.body);
		}
		if (!strcmp(mode, "unknown_id")) {
			printf("UNKNOWN %d\n", post("/2018-06-01/runtime/invocation/00000000-0000-4000-8000-000000000000/response", NULL, "{}"));
		}
		if (!strcmp(mode, "error")) {
			snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/error", id);
			printf("ERROR %d\n", post(path, "Lambda-Runtime-Function-Error-Type: Handler.Failed\r\n",
			    "{\"errorMessage\":\"it failed\",\"errorType\":\"Handler.Failed\"}"));
			free(r.body);
			continue;
		}
		if (!strcmp(mode, "big")) {
			const char *b = getenv("LP_RT_BYTES");
			size_t n2 = b ? strtoul(b, NULL, 10) : 7u << 20;
			char *big = malloc(n2 + 1);
			memset(big, 'x', n2);
			big[0] = '"';
			big[n2 - 1] = '"';
			big[n2] = '\0';
			snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/response", id);
			printf("BIG %d\n", post(path, NULL, big));
			free(big);
			free(r.body);
			continue;
		}
		respond(id, r.body);
		free(r.body);
		if (!strcmp(mode, "exit_after"))
			exit(0);
	}
}
