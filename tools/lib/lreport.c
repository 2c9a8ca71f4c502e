/* lreport — Lambda REPORT line parser. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lreport.h"

/* "12.34 ms" -> 12.34; the unit must match.  0 ok, -1 bad. */
static int
lr_number(const char *v, size_t vlen, const char *unit, double *out)
{
	char buf[64], *end;
	size_t ulen = strlen(unit);

	if (vlen <= ulen + 1 || vlen >= sizeof buf)
		return -1;
	if (memcmp(v + vlen - ulen, unit, ulen) != 0 || v[vlen - ulen - 1] != ' ')
		return -1;
	memcpy(buf, v, vlen - ulen - 1);
	buf[vlen - ulen - 1] = '\0';
	if (strcmp(buf, "-") == 0) { /* a writer that could not measure it */
		*out = NAN;
		return 0;
	}
	if (buf[0] == '\0' || buf[0] == ' ' || buf[0] == '-' || buf[0] == '+')
		return -1;
	*out = strtod(buf, &end);
	if (*end != '\0' || !isfinite(*out))
		return -1;
	return 0;
}

static void
lr_copy(char *dst, size_t dstlen, const char *v, size_t vlen)
{
	if (vlen >= dstlen)
		vlen = dstlen - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

int
lr_parse_line(const char *line, size_t len, struct lr_report *out,
    char *err, size_t errlen)
{
	const char *p = line, *end = line + len;
	int seen_dur = 0, seen_billed = 0, seen_mem = 0, seen_used = 0;

	memset(out, 0, sizeof *out);
	out->init_ms = out->restore_ms = out->billed_restore_ms = NAN;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if ((size_t)(end - p) < 7 || memcmp(p, "REPORT ", 7) != 0) {
		snprintf(err, errlen, "not a REPORT line");
		return -1;
	}
	p += 7;
	while (p < end) {
		const char *f = p, *tab = memchr(p, '\t', (size_t)(end - p));
		const char *fe = tab ? tab : end;
		const char *colon;
		p = tab ? tab + 1 : end;
		while (f < fe && *f == ' ')
			f++;
		if (f == fe)
			continue;
		colon = memchr(f, ':', (size_t)(fe - f));
		if (colon == NULL || colon + 1 >= fe || colon[1] != ' ') {
			snprintf(err, errlen, "REPORT field without 'Name: value': \"%.*s\"",
			    (int)(fe - f > 60 ? 60 : fe - f), f);
			return -1;
		}
		size_t klen = (size_t)(colon - f);
		const char *v = colon + 2;
		size_t vlen = (size_t)(fe - v);
		double d;
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(f, s, klen) == 0)
#define NUM(name, unit, dst) do { \
	if (lr_number(v, vlen, unit, &d) < 0) { \
		snprintf(err, errlen, "REPORT %s is not a number in " unit ": \"%.*s\"", \
		    name, (int)(vlen > 40 ? 40 : vlen), v); \
		return -1; \
	} \
	dst; \
} while (0)
		if (KEY("RequestId")) {
			/* "RequestId: id" may be followed by more fields separated
			 * by a tab only; the id itself has no spaces */
			lr_copy(out->request_id, sizeof out->request_id, v, vlen);
		} else if (KEY("Duration")) {
			NUM("Duration", "ms", out->duration_ms = d);
			seen_dur = 1;
		} else if (KEY("Billed Duration")) {
			NUM("Billed Duration", "ms", out->billed_duration_ms = d);
			seen_billed = 1;
		} else if (KEY("Memory Size")) {
			NUM("Memory Size", "MB", out->memory_size_mb = isnan(d) ? -1 : (long)d);
			seen_mem = 1;
		} else if (KEY("Max Memory Used")) {
			NUM("Max Memory Used", "MB", out->max_memory_used_mb = isnan(d) ? -1 : (long)d);
			seen_used = 1;
		} else if (KEY("Init Duration")) {
			NUM("Init Duration", "ms", out->init_ms = d);
			out->has_init = 1;
		} else if (KEY("Restore Duration")) {
			NUM("Restore Duration", "ms", out->restore_ms = d);
			out->has_restore = 1;
		} else if (KEY("Billed Restore Duration")) {
			NUM("Billed Restore Duration", "ms", out->billed_restore_ms = d);
		} else if (KEY("Status")) {
			lr_copy(out->status, sizeof out->status, v, vlen);
		} else if (KEY("Error Type")) {
			lr_copy(out->error_type, sizeof out->error_type, v, vlen);
		}
#undef KEY
#undef NUM
	}
	if (out->request_id[0] == '\0' || !seen_dur || !seen_billed || !seen_mem || !seen_used) {
		snprintf(err, errlen, "REPORT line lacks %s",
		    out->request_id[0] == '\0' ? "RequestId" : !seen_dur ? "Duration" :
		    !seen_billed ? "Billed Duration" : !seen_mem ? "Memory Size" :
		    "Max Memory Used");
		return -1;
	}
	return 0;
}

int
lr_parse_log(const char *log, size_t len, const char *request_id,
    struct lr_report *out, char *err, size_t errlen)
{
	const char *p = log, *end = log + len, *found = NULL, *found_end = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if ((size_t)(le - p) >= 7 && memcmp(p, "REPORT ", 7) == 0) {
			if (request_id == NULL) {
				found = p;
				found_end = le;
			} else {
				size_t idl = strlen(request_id);
				const char *q = p + 7;
				if ((size_t)(le - q) >= 11 + idl && memcmp(q, "RequestId: ", 11) == 0 &&
				    memcmp(q + 11, request_id, idl) == 0 &&
				    (q + 11 + idl == le || q[11 + idl] == '\t')) {
					found = p;
					found_end = le;
				}
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (found == NULL) {
		if (request_id)
			snprintf(err, errlen, "no REPORT line for request %s in the log", request_id);
		else
			snprintf(err, errlen, "no REPORT line in the log");
		return -1;
	}
	return lr_parse_line(found, (size_t)(found_end - found), out, err, errlen);
}
