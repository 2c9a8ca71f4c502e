/* jscan — see jscan.h. */
#include "jscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_MAX_DEPTH 512
#define JS_PATH_MAX 512

struct sc {
	const char *p, *end, *base;
	js_field *f;
	size_t nf;
	js_error *e;
	int depth;
	size_t plen;     /* current path length, or > JS_PATH_MAX when too long */
	char path[JS_PATH_MAX + 1];
};

void js_field_init(js_field *f, const char *path)
{
	memset(f, 0, sizeof *f);
	f->path = path;
	f->pathlen = strlen(path);
}

const char *js_kind_name(int kind)
{
	static const char *names[] = {"missing", "null", "false", "true", "number", "string", "object", "array"};
	return kind >= 0 && kind <= JS_ARRAY ? names[kind] : "?";
}

static int fail(struct sc *s, const char *msg)
{
	s->e->column = (size_t)(s->p - s->base) + 1;
	snprintf(s->e->msg, sizeof s->e->msg, "%s", msg);
	size_t n = s->plen <= JS_PATH_MAX ? s->plen : 0;
	if (n >= sizeof s->e->path)
		n = sizeof s->e->path - 1;
	memcpy(s->e->path, s->path, n);
	s->e->path[n] = '\0';
	return -1;
}

static void ws(struct sc *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static void match(struct sc *s, int kind, const char *start)
{
	if (s->plen > JS_PATH_MAX)
		return;
	for (size_t i = 0; i < s->nf; i++) {
		js_field *f = &s->f[i];
		if (f->pathlen == s->plen && memcmp(f->path, s->path, s->plen) == 0) {
			f->kind = kind;
			f->raw = start;
			f->len = (size_t)(s->p - start);
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \uXXXX at p (p points at 'u'); returns the code unit or -1. */
static long hex4(const char *p, const char *end)
{
	if (end - p < 5)
		return -1;
	long v = 0;
	for (int i = 1; i <= 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of a valid UTF-8 sequence at p (first byte >= 0x80), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A string at s->p (on the opening quote).  Leaves s->p after the closing
 * quote; *esc says whether it held escapes. */
static int string(struct sc *s, int *esc)
{
	const unsigned char *p = (const unsigned char *)s->p + 1, *end = (const unsigned char *)s->end;
	*esc = 0;
	for (;;) {
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
			p++;
		if (p >= end) {
			s->p = (const char *)p;
			return fail(s, "unterminated string");
		}
		unsigned c = *p;
		if (c == '"') {
			s->p = (const char *)p + 1;
			return 0;
		}
		if (c < 0x20) {
			s->p = (const char *)p;
			return fail(s, "control character in string");
		}
		if (c == '\\') {
			*esc = 1;
			if (p + 1 >= end) {
				s->p = (const char *)p;
				return fail(s, "unterminated string");
			}
			unsigned e = p[1];
			if (e == 'u') {
				long u = hex4((const char *)p + 1, (const char *)end);
				if (u < 0) {
					s->p = (const char *)p;
					return fail(s, "invalid \\u escape");
				}
				if (u == 0) {
					s->p = (const char *)p;
					return fail(s, "\\u0000 is not allowed in strings");
				}
				if (u >= 0xdc00 && u <= 0xdfff) {
					s->p = (const char *)p;
					return fail(s, "lone low surrogate in \\u escape");
				}
				if (u >= 0xd800 && u <= 0xdbff) {
					long l = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? hex4((const char *)p + 7, (const char *)end) : -1;
					if (l < 0xdc00 || l > 0xdfff) {
						s->p = (const char *)p;
						return fail(s, "high surrogate not followed by a low surrogate");
					}
					p += 12;
				} else
					p += 6;
			} else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
				p += 2;
			} else {
				s->p = (const char *)p;
				return fail(s, "invalid escape in string");
			}
			continue;
		}
		size_t n = utf8_len(p, end);
		if (!n) {
			s->p = (const char *)p;
			return fail(s, "invalid UTF-8 in string");
		}
		p += n;
	}
}

static int digits(struct sc *s)
{
	const char *q = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > q;
}

static int number(struct sc *s)
{
	if (*s->p == '-') {
		s->p++;
		if (s->p < s->end && *s->p == 'I')
			return fail(s, "Infinity is not a JSON number");
	}
	if (s->p >= s->end)
		return fail(s, "truncated number");
	if (*s->p == '0') {
		s->p++;
		if (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			return fail(s, "leading zero in number");
	} else if (!digits(s))
		return fail(s, "invalid number");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return fail(s, "digit expected after the decimal point");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return fail(s, "digit expected in exponent");
	}
	return 0;
}

static int literal(struct sc *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "invalid literal");
	s->p += n;
	return 0;
}

static int object(struct sc *s);
static int array(struct sc *s);

static int value(struct sc *s)
{
	const char *start = s->p;
	int kind, esc;
	if (s->p >= s->end)
		return fail(s, "value expected");
	switch (*s->p) {
	case '{':
		if (object(s))
			return -1;
		kind = JS_OBJECT;
		break;
	case '[':
		if (array(s))
			return -1;
		kind = JS_ARRAY;
		break;
	case '"':
		if (string(s, &esc))
			return -1;
		kind = JS_STRING;
		break;
	case 't':
		if (literal(s, "true", 4))
			return -1;
		kind = JS_TRUE;
		break;
	case 'f':
		if (literal(s, "false", 5))
			return -1;
		kind = JS_FALSE;
		break;
	case 'n':
		if (literal(s, "null", 4))
			return -1;
		kind = JS_NULL;
		break;
	case 'N':
		return fail(s, "NaN is not a JSON number");
	case 'I':
		return fail(s, "Infinity is not a JSON number");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
			if (number(s))
				return -1;
			kind = JS_NUMBER;
			break;
		}
		return fail(s, "value expected");
	}
	match(s, kind, start);
	return 0;
}

static int object(struct sc *s)
{
	if (++s->depth > JS_MAX_DEPTH)
		return fail(s, "nesting too deep");
	s->p++; /* { */
	size_t saved = s->plen;
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		ws(s);
		if (s->p >= s->end || *s->p != '"')
			return fail(s, "object key (string) expected");
		const char *k = s->p;
		int esc;
		if (string(s, &esc))
			return -1;
		/* path = saved path + "." + key */
		size_t klen = (size_t)(s->p - k) - 2;
		size_t pl = saved;
		if (saved <= JS_PATH_MAX) {
			size_t need = saved + (saved ? 1 : 0) + klen;
			if (need > JS_PATH_MAX) {
				pl = JS_PATH_MAX + 1;
			} else {
				if (saved)
					s->path[pl++] = '.';
				if (esc) {
					js_field tmp = {.raw = k, .len = klen + 2};
					char *dec = malloc(klen + 3);
					if (!dec)
						return fail(s, "out of memory");
					size_t dl = js_string(&tmp, dec);
					memcpy(s->path + pl, dec, dl);
					free(dec);
					pl += dl;
				} else {
					memcpy(s->path + pl, k + 1, klen);
					pl += klen;
				}
			}
		}
		ws(s);
		if (s->p >= s->end || *s->p != ':')
			return fail(s, "':' expected after object key");
		s->p++;
		ws(s);
		s->plen = pl;
		if (value(s))
			return -1;
		s->plen = saved;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			s->depth--;
			return 0;
		}
		return fail(s, "',' or '}' expected in object");
	}
}

static int array(struct sc *s)
{
	if (++s->depth > JS_MAX_DEPTH)
		return fail(s, "nesting too deep");
	s->p++; /* [ */
	size_t saved = s->plen;
	/* Elements have no dotted path: nothing inside an array matches. */
	s->plen = JS_PATH_MAX + 1;
	ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		s->plen = saved;
		return 0;
	}
	for (;;) {
		ws(s);
		if (value(s))
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			s->depth--;
			s->plen = saved;
			return 0;
		}
		return fail(s, "',' or ']' expected in array");
	}
}

int js_scan(const char *str, size_t n, js_field *fields, size_t nfields, js_error *e)
{
	struct sc s = {.p = str, .end = str + n, .base = str, .f = fields, .nf = nfields, .e = e};
	for (size_t i = 0; i < nfields; i++) {
		fields[i].kind = JS_MISSING;
		fields[i].raw = NULL;
		fields[i].len = 0;
	}
	ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return fail(&s, "record is not a JSON object");
	if (object(&s))
		return -1;
	ws(&s);
	if (s.p != s.end)
		return fail(&s, "trailing data after the JSON object");
	return 0;
}

double js_number(const js_field *f)
{
	char buf[64];
	if (f->len < sizeof buf) {
		memcpy(buf, f->raw, f->len);
		buf[f->len] = '\0';
		return strtod(buf, NULL);
	}
	char *big = malloc(f->len + 1);
	if (!big)
		return 0.0 / 0.0;
	memcpy(big, f->raw, f->len);
	big[f->len] = '\0';
	double d = strtod(big, NULL);
	free(big);
	return d;
}

static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t js_string(const js_field *f, char *out)
{
	/* f was validated by js_scan: escapes are well formed. */
	const char *p = f->raw + 1, *end = f->raw + f->len - 1;
	size_t o = 0;
	while (p < end) {
		if (*p != '\\') {
			out[o++] = *p++;
			continue;
		}
		char c = p[1];
		switch (c) {
		case 'b': out[o++] = '\b'; p += 2; break;
		case 'f': out[o++] = '\f'; p += 2; break;
		case 'n': out[o++] = '\n'; p += 2; break;
		case 'r': out[o++] = '\r'; p += 2; break;
		case 't': out[o++] = '\t'; p += 2; break;
		case 'u': {
			unsigned long cp = (unsigned long)hex4(p + 1, end);
			p += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6) {
				unsigned long lo = (unsigned long)hex4(p + 1, end);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			o += put_utf8(out + o, cp);
			break;
		}
		default: out[o++] = c; p += 2; break;
		}
	}
	out[o] = '\0';
	return o;
}
