/* jscan — see jscan.h. */
#include "jscan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_MAX_DEPTH 512
#define JS_PATH_MAX 512

struct sc {
	const char *p, *end, *base;
	js_field *f;
	const unsigned long long *first; /* top-level candidates by the key's first byte */
	js_error *e;
	int depth;
	/* keys on the way down, for error messages only */
	const char *key[JS_MAX_DEPTH + 1];
	size_t keylen[JS_MAX_DEPTH + 1];
};

typedef uint64_t mask_t; /* one bit per wanted field (at most 64) */

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
	size_t n = 0, cap = sizeof s->e->path;
	s->e->path[0] = '\0';
	for (int d = 1; d <= s->depth && d <= JS_MAX_DEPTH; d++) {
		if (!s->key[d])
			break; /* inside an array: the path stops here */
		size_t l = s->keylen[d];
		if (n + l + 2 >= cap)
			break;
		if (n)
			s->e->path[n++] = '.';
		memcpy(s->e->path + n, s->key[d], l);
		n += l;
		s->e->path[n] = '\0';
	}
	return -1;
}

/* The next byte, 0 at the end of the line. */
#define PEEK(s) ((s)->p < (s)->end ? (unsigned char)*(s)->p : 0u)

static inline void ws(struct sc *s)
{
	if (s->p < s->end && (unsigned char)*s->p > ' ')
		return; /* compact JSON: the common case */
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static void match(struct sc *s, mask_t exact, int kind, const char *start)
{
	while (exact) {
		int i = __builtin_ctzll(exact);
		exact &= exact - 1;
		js_field *f = &s->f[i];
		f->kind = kind;
		f->raw = start;
		f->len = (size_t)(s->p - start);
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
static inline __attribute__((always_inline)) int string(struct sc *s, int *esc)
{
	const unsigned char *p = (const unsigned char *)s->p + 1, *end = (const unsigned char *)s->end;
	*esc = 0;
	for (;;) {
		/* 8 bytes at a time while none is '"', '\\', a control or non-ASCII */
		while (end - p >= 8) {
			uint64_t x;
			memcpy(&x, p, 8);
			const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
			uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
			uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b) | (x - ones * 0x20) | x) & highs;
			if (hit) {
				/* the lowest flagged byte is a real hit (borrows only
				 * travel upward): jump straight to it */
				p += __builtin_ctzll(hit) >> 3;
				goto found;
			}
			p += 8;
		}
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
			p++;
	found:
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

static inline __attribute__((always_inline)) int digits(struct sc *s)
{
	const char *q = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > q;
}

static inline __attribute__((always_inline)) int number(struct sc *s)
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

static int object(struct sc *s, mask_t deeper, size_t off);
static int array(struct sc *s);

/* A value; exact: fields whose path ends here; deeper: fields whose path
 * continues inside this value (an object), from byte off of their path. */
static int value(struct sc *s, mask_t exact, mask_t deeper, size_t off)
{
	const char *start = s->p;
	int kind, esc;
	if (s->p >= s->end)
		return fail(s, "value expected");
	switch (*s->p) {
	case '{':
		if (object(s, deeper, off))
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
	if (exact)
		match(s, exact, kind, start);
	return 0;
}

static int object(struct sc *s, mask_t deeper, size_t off)
{
	if (++s->depth > JS_MAX_DEPTH)
		return fail(s, "nesting too deep");
	s->key[s->depth] = NULL;
	s->p++; /* { */
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 0;
	}
	char small[128];
	for (;;) {
		/* peek first, skip whitespace only when there is some */
		if (PEEK(s) != '"') {
			ws(s);
			if (PEEK(s) != '"')
				return fail(s, "object key (string) expected");
		}
		const char *k = s->p;
		int esc;
		if (string(s, &esc))
			return -1;
		const char *key = k + 1;
		size_t klen = (size_t)(s->p - k) - 2;
		s->key[s->depth] = key;
		s->keylen[s->depth] = klen;
		mask_t ex = 0, dp = 0;
		if (deeper) {
			char *dec = NULL;
			if (esc) { /* compare the decoded key */
				js_field tmp = {.raw = k, .len = klen + 2};
				dec = klen + 3 <= sizeof small ? small : malloc(klen + 3);
				if (!dec)
					return fail(s, "out of memory");
				klen = js_string(&tmp, dec);
				key = dec;
			}
			mask_t cand = off == 0 ? deeper & s->first[(unsigned char)key[0]] : deeper;
			for (mask_t m = cand; m;) {
				int i = __builtin_ctzll(m);
				m &= m - 1;
				const js_field *f = &s->f[i];
				size_t q = 0;
				if (f->pathlen >= off + klen)
					while (q < klen && f->path[off + q] == key[q])
						q++;
				if (q == klen && f->pathlen >= off + klen) {
					char next = f->path[off + klen];
					if (next == '\0')
						ex |= (mask_t)1 << i;
					else if (next == '.')
						dp |= (mask_t)1 << i;
				}
			}
			if (dec && dec != small)
				free(dec);
		}
		if (PEEK(s) != ':') {
			ws(s);
			if (PEEK(s) != ':')
				return fail(s, "':' expected after object key");
		}
		s->p++;
		unsigned char ch = PEEK(s);
		if (ch <= ' ') {
			ws(s);
			ch = PEEK(s);
		}
		/* strings and numbers inline: most values are one or the other */
		const char *vstart = s->p;
		if (ch == '"') {
			if (string(s, &esc))
				return -1;
			if (ex)
				match(s, ex, JS_STRING, vstart);
		} else if (ch == '-' || (ch >= '0' && ch <= '9')) {
			if (number(s))
				return -1;
			if (ex)
				match(s, ex, JS_NUMBER, vstart);
		} else if (value(s, ex, dp, off + klen + 1))
			return -1;
		s->key[s->depth] = NULL; /* between keys: no field to blame */
		ch = PEEK(s);
		if (ch <= ' ') {
			ws(s);
			ch = PEEK(s);
		}
		if (ch == ',') {
			s->p++;
			continue;
		}
		if (ch == '}') {
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
	s->key[s->depth] = NULL; /* elements have no dotted path */
	s->p++; /* [ */
	ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		ws(s);
		if (value(s, 0, 0, 0))
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			s->depth--;
			return 0;
		}
		return fail(s, "',' or ']' expected in array");
	}
}

void js_plan_init(js_plan *pl, js_field *fields, size_t nfields)
{
	memset(pl, 0, sizeof *pl);
	pl->f = fields;
	pl->n = nfields;
	for (size_t i = 0; i < nfields && i < 64; i++)
		if (fields[i].pathlen)
			pl->first[(unsigned char)fields[i].path[0]] |= (uint64_t)1 << i;
}

int js_scan_plan(const char *str, size_t n, const js_plan *pl, js_error *e)
{
	struct sc s;
	s.p = str;
	s.end = str + n;
	s.base = str;
	s.f = pl->f;
	s.first = pl->first;
	s.e = e;
	s.depth = 0;
	mask_t all = 0;
	if (pl->n > 64) {
		snprintf(e->msg, sizeof e->msg, "js_scan: more than 64 fields wanted");
		e->column = 0;
		e->path[0] = '\0';
		return -1;
	}
	for (size_t i = 0; i < pl->n; i++) {
		pl->f[i].kind = JS_MISSING;
		pl->f[i].raw = NULL;
		pl->f[i].len = 0;
		if (pl->f[i].pathlen)
			all |= (mask_t)1 << i;
	}
	ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return fail(&s, "record is not a JSON object");
	if (object(&s, all, 0))
		return -1;
	ws(&s);
	if (s.p != s.end)
		return fail(&s, "trailing data after the JSON object");
	return 0;
}

int js_scan(const char *str, size_t n, js_field *fields, size_t nfields, js_error *e)
{
	js_plan pl;
	js_plan_init(&pl, fields, nfields);
	return js_scan_plan(str, n, &pl, e);
}

/* Clinger's fast path: when the digits fit in 2^53 and the power of ten
 * is at most 22, both are exact doubles and one multiplication or division
 * rounds correctly, so the result equals strtod's. */
static int fast_number(const char *p, const char *end, double *out)
{
	static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	int neg = 0, digits = 0, frac = 0;
	uint64_t m = 0;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		m = m * 10 + (uint64_t)(*p - '0');
		if (m && ++digits > 15)
			return 0;
	}
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			m = m * 10 + (uint64_t)(*p - '0');
			frac++;
			if (m && ++digits > 15)
				return 0;
		}
	}
	if (p != end || frac > 22)
		return 0; /* exponents and long numbers: strtod */
	double d = (double)m / pow10[frac];
	*out = neg ? -d : d;
	return 1;
}

double js_number(const js_field *f)
{
	double d;
	if (fast_number(f->raw, f->raw + f->len, &d))
		return d;
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
	d = strtod(big, NULL);
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
