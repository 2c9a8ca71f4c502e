/* ndjson — see ndjson.h. */
#include "ndjson.h"
#include "lputil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nd_reader {
	FILE *f;
	char *name;
	char *buf;
	size_t cap;
	unsigned long line;
	int is_stdin;
};

nd_reader *nd_open(const char *path)
{
	nd_reader *r = lp_xcalloc(1, sizeof *r);
	if (!path || strcmp(path, "-") == 0) {
		r->f = stdin;
		r->is_stdin = 1;
		r->name = lp_xstrdup("<stdin>");
	} else {
		r->f = fopen(path, "r");
		if (!r->f)
			lp_err(LP_EXIT_USAGE, "%s", path);
		r->name = lp_xstrdup(path);
	}
	return r;
}

json_t *nd_read(nd_reader *r)
{
	for (;;) {
		errno = 0;
		ssize_t n = getline(&r->buf, &r->cap, r->f);
		if (n < 0) {
			if (ferror(r->f))
				lp_err(LP_EXIT_USAGE, "%s: read error", r->name);
			return NULL;
		}
		r->line++;
		size_t i = 0;
		while (i < (size_t)n && (r->buf[i] == ' ' || r->buf[i] == '\t' ||
					 r->buf[i] == '\r' || r->buf[i] == '\n'))
			i++;
		if (i == (size_t)n)
			continue; /* blank line */
		json_error_t je;
		json_t *j = json_loadb(r->buf, (size_t)n, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &je);
		if (!j)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: malformed JSON at column %d: %s",
				r->name, r->line, je.column, je.text);
		/* Anything after the value other than whitespace is a second value
		 * on the line: not NDJSON. */
		for (size_t k = je.position; k < (size_t)n; k++) {
			char c = r->buf[k];
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				lp_errx(LP_EXIT_USAGE, "%s:%lu: trailing data after JSON value at column %zu",
					r->name, r->line, k + 1);
		}
		if (!json_is_object(j)) {
			json_decref(j);
			lp_errx(LP_EXIT_USAGE, "%s:%lu: record is not a JSON object", r->name, r->line);
		}
		return j;
	}
}

const char *nd_name(const nd_reader *r) { return r->name; }
unsigned long nd_line(const nd_reader *r) { return r->line; }

void nd_close(nd_reader *r)
{
	if (!r)
		return;
	if (!r->is_stdin && r->f)
		fclose(r->f);
	free(r->buf);
	free(r->name);
	free(r);
}

void nd_write(FILE *f, const json_t *rec)
{
	if (json_dumpf(rec, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
	    fputc('\n', f) == EOF || fflush(f) != 0)
		lp_err(LP_EXIT_ENV, "writing record");
}

void nd_emit(FILE *f, json_t *rec)
{
	nd_write(f, rec);
	json_decref(rec);
}

json_t *nd_get_path(const json_t *obj, const char *dotted)
{
	const json_t *cur = obj;
	const char *p = dotted;
	char key[256];
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len >= sizeof key || !json_is_object(cur))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		cur = json_object_get(cur, key);
		p = dot ? dot + 1 : p + len;
	}
	return (json_t *)cur;
}

int nd_get_number(const json_t *obj, const char *dotted, double *out)
{
	json_t *v = nd_get_path(obj, dotted);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return -1;
	double d = json_number_value(v);
	if (!isfinite(d))
		return -1;
	*out = d;
	return 1;
}

double nd_num(const json_t *obj, const char *dotted)
{
	double v;
	return nd_get_number(obj, dotted, &v) == 1 ? v : NAN;
}

const char *nd_get_string(const json_t *obj, const char *dotted)
{
	json_t *v = nd_get_path(obj, dotted);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *nd_real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}
