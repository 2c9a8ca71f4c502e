/* lputil — error reporting, exit codes, checked allocation, clocks and
 * small parsing helpers shared by every lp tool.  Prefix: lp_. */
#ifndef LPUTIL_H
#define LPUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The same exit codes in every tool (see docs/schema.md). */
enum {
	LP_EXIT_OK = 0,    /* success */
	LP_EXIT_GATE = 1,  /* a gate or threshold failed */
	LP_EXIT_USAGE = 2, /* usage or input error */
	LP_EXIT_ENV = 3,   /* environment: permission, missing dependency, I/O */
};

void lp_setprogname(const char *argv0);
const char *lp_getprogname(void);

/* err(3)-style: "prog: message: strerror(errno)" then exit(code). */
_Noreturn void lp_err(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
_Noreturn void lp_errx(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lp_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lp_vwarnx(const char *fmt, va_list ap);

/* Allocation that cannot fail: out of memory exits with LP_EXIT_ENV. */
void *lp_xmalloc(size_t n);
void *lp_xcalloc(size_t nmemb, size_t size);
void *lp_xrealloc(void *p, size_t n);
void *lp_xreallocarray(void *p, size_t nmemb, size_t size);
char *lp_xstrdup(const char *s);
char *lp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC. */
uint64_t lp_now_ns(void);
double lp_now_ms(void);
/* CLOCK_REALTIME in ms since the epoch (deadlines, timestamps). */
int64_t lp_wall_ms(void);

/* Strict number parsing: the whole string, in range.  0 ok, -1 bad. */
int lp_parse_long(const char *s, long min, long max, long *out);
int lp_parse_double(const char *s, double min, double max, double *out);
/* An option's number, or a usage error naming the option, the value and the
 * range (exit LP_EXIT_USAGE). */
long lp_opt_long(const char *opt, const char *s, long min, long max);
double lp_opt_double(const char *opt, const char *s, double min, double max);
/* This machine as Lambda names architectures: "arm64" for aarch64, else
 * uname's machine ("x86_64").  uname failing exits LP_EXIT_ENV. */
const char *lp_host_arch(void);
/* --format of the tools that write NDJSON or a table: 0 "ndjson",
 * 1 "table", -1 anything else (the caller says what was wrong). */
int lp_parse_table_format(const char *s);

/* A run id unique enough to join records of one run: UTC time + pid + random. */
const char *lp_run_id(void);

/* Directory of the running executable; share/ directory ($LP_SHARE, else
 * <exe>/../../share, else <exe>/../share/lp).  Never NULL for share. */
const char *lp_exe_dir(void);
const char *lp_share_dir(void);

/* Colours only on a terminal, never with NO_COLOR or TERM=dumb. */
int lp_color_enabled(FILE *f);

/* Flush and close stdout, exiting LP_EXIT_ENV on a write error (ENOSPC,
 * EPIPE...).  Call at the end of main. */
void lp_close_stdout(void);

/* Print a usage error hint and exit LP_EXIT_USAGE. */
_Noreturn void lp_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
