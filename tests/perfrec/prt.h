/* prt.h — a Lambda Runtime API client for lp-perfrec's test functions
 * that never allocates (fixed buffers, no stdio), so the allocation and
 * syscall counts of a handler are exactly the handler's.  One connection
 * per request (Connection: close).  Header-only: include once. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in prt_addr;
static char prt_host[64];

static void
prt_die(const char *msg)
{
	ssize_t w = write(2, msg, strlen(msg));
	(void)w;
	_exit(70);
}

static void
prt_init(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	const char *colon;
	char ip[48];
	size_t n;

	if (api == NULL || (colon = strrchr(api, ':')) == NULL)
		prt_die("prt: AWS_LAMBDA_RUNTIME_API not set\n");
	n = (size_t)(colon - api);
	if (n >= sizeof ip || strlen(api) >= sizeof prt_host)
		prt_die("prt: bad AWS_LAMBDA_RUNTIME_API\n");
	memcpy(ip, api, n);
	ip[n] = '\0';
	strcpy(prt_host, api);
	prt_addr.sin_family = AF_INET;
	prt_addr.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, ip, &prt_addr.sin_addr) != 1)
		prt_die("prt: bad address\n");
}

static int
prt_put(char *dst, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n >= cap)
		return -1;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
	return 0;
}

/* One request; the whole response (headers + body) lands in resp. */
static size_t
prt_request(const char *method, const char *path, const char *body,
    char *resp, size_t cap)
{
	char req[1024], num[24];
	size_t len = 0, got = 0, bl = body ? strlen(body) : 0, k;
	int fd;

	k = 0;
	do num[k++] = (char)('0' + bl % 10); while ((bl /= 10) && k < sizeof num);
	bl = body ? strlen(body) : 0;
	prt_put(req, sizeof req, &len, method);
	prt_put(req, sizeof req, &len, " ");
	prt_put(req, sizeof req, &len, path);
	prt_put(req, sizeof req, &len, " HTTP/1.1\r\nHost: ");
	prt_put(req, sizeof req, &len, prt_host);
	prt_put(req, sizeof req, &len, "\r\nConnection: close\r\nContent-Length: ");
	while (k > 0) {
		char d[2] = { num[--k], 0 };
		prt_put(req, sizeof req, &len, d);
	}
	if (prt_put(req, sizeof req, &len, "\r\n\r\n") == -1)
		prt_die("prt: request too long\n");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&prt_addr, sizeof prt_addr) != 0)
		prt_die("prt: connect\n");
	if (write(fd, req, len) != (ssize_t)len || (bl && write(fd, body, bl) != (ssize_t)bl))
		prt_die("prt: write\n");
	for (;;) {
		ssize_t r = read(fd, resp + got, cap - 1 - got);
		if (r < 0)
			prt_die("prt: read\n");
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == cap - 1)
			break;
	}
	close(fd);
	resp[got] = '\0';
	return got;
}

/* Copy the request id of a /next answer into id[64]. */
static void
prt_request_id(const char *resp, char *id)
{
	const char *h = strstr(resp, "Lambda-Runtime-Aws-Request-Id:");
	size_t n = 0;

	if (h == NULL)
		h = strstr(resp, "lambda-runtime-aws-request-id:");
	if (h == NULL)
		prt_die("prt: no request id\n");
	h += strlen("Lambda-Runtime-Aws-Request-Id:");
	while (*h == ' ')
		h++;
	while (*h && *h != '\r' && *h != '\n' && n < 63)
		id[n++] = *h++;
	id[n] = '\0';
}

/* The loop: handler() runs once per event, then the answer is posted. */
static void
prt_loop(void (*handler)(void))
{
	static char resp[65536];
	char id[64], path[160];

	for (;;) {
		prt_request("GET", "/2018-06-01/runtime/invocation/next", NULL, resp, sizeof resp);
		prt_request_id(resp, id);
		handler();
		strcpy(path, "/2018-06-01/runtime/invocation/");
		strcat(path, id);
		strcat(path, "/response");
		prt_request("POST", path, "{\"ok\":true}", resp, sizeof resp);
	}
}
