/* lreport — parse the REPORT line Lambda writes at the end of every
 * invocation's log (the one X-Amz-Log-Result carries, base64, with
 * X-Amz-Log-Type: Tail).  Prefix: lr_.
 *
 *   REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\t
 *   Memory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 12.34 ms\t
 *
 * Init Duration is present only on a cold start; Restore Duration and
 * Billed Restore Duration only on a SnapStart restore; newer runtimes add
 * "Status: timeout|error" and "Error Type: ...".  Fields are separated by
 * tabs; unknown fields are ignored; the known ones must be well-formed.
 * A value written as "-" (a local writer that could not measure it) reads
 * as NAN (times) or -1 (sizes): unknown, never 0.
 * The writer of these lines (local mode, lp-invoke serve) is the engine's
 * (coldstart), not this file: one format, one writer. */
#ifndef LREPORT_H
#define LREPORT_H

#include <stddef.h>

struct lr_report {
	char request_id[64];
	double duration_ms;          /* required (NAN when "-") */
	double billed_duration_ms;   /* required (NAN when "-") */
	long memory_size_mb;         /* required (-1 when "-") */
	long max_memory_used_mb;     /* required (-1 when "-") */
	int has_init;                /* 1: Init Duration present (a cold start) */
	double init_ms;
	int has_restore;             /* 1: Restore Duration present (SnapStart) */
	double restore_ms;
	double billed_restore_ms;    /* NAN when absent */
	char status[32];             /* "Status:" value, "" when absent */
	char error_type[128];        /* "Error Type:" value, "" when absent */
};

/* Find the REPORT line for request_id (NULL: the last REPORT line) in a
 * log text of len bytes (not necessarily NUL-terminated) and parse it.
 * 0: found and parsed; -1: none found or malformed, with why in err. */
int lr_parse_log(const char *log, size_t len, const char *request_id,
    struct lr_report *out, char *err, size_t errlen);
/* Parse one line (from "REPORT " up to but not including '\n'). */
int lr_parse_line(const char *line, size_t len, struct lr_report *out,
    char *err, size_t errlen);

#endif
