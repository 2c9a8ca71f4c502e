/* jscan — a validating one-pass JSON scanner that picks a few fields out of
 * one NDJSON line without building a tree.  Prefix: js_.
 *
 * Why: jansson builds every object of every line; a tool that reads a
 * million records for two numbers spends its time in malloc.  js_scan walks
 * the whole line once, checks it is valid JSON (RFC 8259: grammar, string
 * escapes, UTF-8, surrogate pairs, no NaN/Infinity, no trailing data,
 * nesting depth) and records where the wanted dotted paths are.  A line
 * js_scan accepts is one jansson's json_loadb accepts, except numbers too
 * large for a double (jansson refuses them, js_scan leaves that check to
 * js_number on the fields actually used).
 *
 * Duplicate keys: the last one wins, as in jansson. */
#ifndef JSCAN_H
#define JSCAN_H

#include <stddef.h>

enum js_kind {
	JS_MISSING = 0,
	JS_NULL,
	JS_FALSE,
	JS_TRUE,
	JS_NUMBER,
	JS_STRING,
	JS_OBJECT,
	JS_ARRAY,
};

typedef struct {
	const char *path; /* dotted: "counters.init.syscalls" */
	size_t pathlen;   /* strlen(path), set by js_field_init */
	/* Results of the last js_scan: */
	int kind;         /* enum js_kind; JS_MISSING when absent */
	const char *raw;  /* the value's text inside the line (strings with quotes) */
	size_t len;
} js_field;

typedef struct {
	size_t column;   /* 1-based byte column of the problem */
	char msg[96];
	char path[160];  /* dotted path being read when it happened, "" at top */
} js_error;

void js_field_init(js_field *f, const char *path);

/* Scan one line s[0..n) holding a JSON object (surrounding whitespace
 * allowed).  0: valid, fields filled; -1: invalid, *e says where.  At most
 * 64 fields. */
int js_scan(const char *s, size_t n, js_field *fields, size_t nfields, js_error *e);

/* For many lines with the same fields: a plan indexes the fields by the
 * first byte of their path (at most 64 fields). */
typedef struct {
	js_field *f;
	size_t n;
	unsigned long long first[256];
} js_plan;
void js_plan_init(js_plan *pl, js_field *fields, size_t nfields);
int js_scan_plan(const char *s, size_t n, const js_plan *pl, js_error *e);

/* Value of a JS_NUMBER field as a double (may be +-inf on overflow). */
double js_number(const js_field *f);

/* Decode a JS_STRING field into out (capacity f->len bytes suffices: the
 * decoded text is never longer than the quoted one); returns the length.
 * out is NUL-terminated. */
size_t js_string(const js_field *f, char *out);

/* Name of a kind for messages: "string", "number", ... */
const char *js_kind_name(int kind);

#endif
