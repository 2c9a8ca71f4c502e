/* lputil — see lputil.h. */
#include "lputil.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "lp";

void lp_setprogname(const char *argv0)
{
	const char *s = argv0 ? strrchr(argv0, '/') : NULL;
	progname = s ? s + 1 : (argv0 ? argv0 : "lp");
}

const char *lp_getprogname(void) { return progname; }

void lp_vwarnx(const char *fmt, va_list ap)
{
	fflush(stdout); /* keep records and messages in order on a shared tty */
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void vwarn_errno(int e, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(e));
}

void lp_err(int code, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vwarn_errno(e, fmt, ap);
	va_end(ap);
	exit(code);
}

void lp_errx(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lp_vwarnx(fmt, ap);
	va_end(ap);
	exit(code);
}

void lp_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vwarn_errno(e, fmt, ap);
	va_end(ap);
}

void lp_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lp_vwarnx(fmt, ap);
	va_end(ap);
}

void lp_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lp_vwarnx(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(LP_EXIT_USAGE);
}

void *lp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		lp_err(LP_EXIT_ENV, "malloc %zu bytes", n);
	return p;
}

void *lp_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		lp_err(LP_EXIT_ENV, "calloc %zu x %zu bytes", nmemb, size);
	return p;
}

void *lp_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		lp_err(LP_EXIT_ENV, "realloc %zu bytes", n);
	return q;
}

void *lp_xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		lp_err(LP_EXIT_ENV, "reallocarray %zu x %zu", nmemb, size);
	}
	return lp_xrealloc(p, nmemb * size);
}

char *lp_xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		lp_err(LP_EXIT_ENV, "strdup");
	return d;
}

char *lp_xasprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		lp_err(LP_EXIT_ENV, "asprintf");
	return s;
}

uint64_t lp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double lp_now_ms(void) { return (double)lp_now_ns() / 1e6; }

int64_t lp_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lp_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int lp_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

long lp_opt_long(const char *opt, const char *s, long min, long max)
{
	long v;
	if (lp_parse_long(s, min, max, &v) != 0)
		lp_usage_error("%s: '%s' is not a whole number in [%ld, %ld]", opt, s, min, max);
	return v;
}

double lp_opt_double(const char *opt, const char *s, double min, double max)
{
	double v;
	if (lp_parse_double(s, min, max, &v) != 0)
		lp_usage_error("%s: '%s' is not a number in [%g, %g]", opt, s, min, max);
	return v;
}

const char *lp_host_arch(void)
{
	static struct utsname u;
	if (!u.machine[0] && uname(&u) != 0)
		lp_err(LP_EXIT_ENV, "uname");
	return strcmp(u.machine, "aarch64") == 0 ? "arm64" : u.machine;
}

int lp_parse_table_format(const char *s)
{
	if (strcmp(s, "table") == 0)
		return 1;
	if (strcmp(s, "ndjson") == 0)
		return 0;
	return -1;
}

const char *lp_run_id(void)
{
	static char id[64];
	if (!id[0]) {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		unsigned r = (unsigned)(lp_now_ns() ^ ((uint64_t)getpid() << 16));
		char ts[32];
		strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
		snprintf(id, sizeof id, "%s-%d-%04x", ts, (int)getpid(), r & 0xffff);
	}
	return id;
}

const char *lp_exe_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (n <= 0)
			return ".";
		dir[n] = '\0';
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	return dir;
}

const char *lp_share_dir(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("LP_SHARE");
	if (env && *env)
		return env;
	if (!path[0]) {
		snprintf(path, sizeof path, "%s/../../share", lp_exe_dir());
		if (access(path, R_OK) != 0)
			snprintf(path, sizeof path, "%s/../share/lp", lp_exe_dir());
	}
	return path;
}

int lp_color_enabled(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (nc && *nc)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(f));
}

void lp_close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno;
		fclose(stdout);
		errno = e;
		lp_err(LP_EXIT_ENV, "write error on standard output");
	}
	if (fclose(stdout) != 0)
		lp_err(LP_EXIT_ENV, "closing standard output");
}
