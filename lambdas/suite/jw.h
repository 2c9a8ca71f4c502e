/* jw.h — the suite's canonical JSON writer (C side).
 *
 * Every implementation of a suite function writes its response by hand in
 * one canonical form so that C, Rust and Ruchy answer byte for byte the
 * same: compact, keys in a fixed order, integers only (money in cents),
 * strings escaped as  \" \\ \b \f \n \r \t  and \u00xx (lowercase hex)
 * for the other control characters; every other byte is copied as is.
 * Header-only, shared by the suite functions: #include "../../suite/jw.h".
 */
#ifndef JW_H
#define JW_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *p;
	size_t len, cap;
	int oom;		/* an allocation failed: the result is unusable */
} jw;

static inline void jw_raw(jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *p = realloc(w->p, cap);
		if (!p) {
			w->oom = 1;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static inline void jw_lit(jw *w, const char *s) { jw_raw(w, s, strlen(s)); }

static inline void jw_int(jw *w, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%lld", v);
	jw_raw(w, b, (size_t)n);
}

static inline void jw_strn(jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	jw_raw(w, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20) {
				memcpy(u, "\\u00", 4);
				u[4] = hex[c >> 4];
				u[5] = hex[c & 15];
				u[6] = '\0';
				esc = u;
			}
		}
		if (esc) {
			jw_raw(w, s + i - run, run);
			run = 0;
			jw_lit(w, esc);
		} else {
			run++;
		}
	}
	jw_raw(w, s + n - run, run);
	jw_raw(w, "\"", 1);
}

static inline void jw_str(jw *w, const char *s) { jw_strn(w, s, strlen(s)); }

/* jw_error: the whole response for a rejected event. */
static inline void jw_error(jw *w, const char *msg)
{
	w->len = 0;
	jw_lit(w, "{\"error\":");
	jw_str(w, msg);
	jw_lit(w, "}");
}

#endif
