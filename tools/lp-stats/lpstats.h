/* lp-stats internals shared by its source files (not a library). */
#ifndef LPSTATS_H
#define LPSTATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

enum { SIDE_CUR = 0, SIDE_REF = 1 }; /* CAND / inputs; BASE / --baseline */

typedef struct {
	double *v;
	size_t n, cap;
	size_t n_null; /* ok records where the field was null or absent */
	int sorted;
	/* computed by summarize() */
	int done;
	double mean, sd, cv, min, max, p50, p90, p95, p99;
	double mci_lo, mci_hi, dci_lo, dci_hi, dci_cov;
	int mci_ok, dci_ok;
	size_t dci_rlo, dci_rhi;
	st_outliers out;
} series;

typedef struct {
	char *status;
	size_t n;
} count;

typedef struct group {
	int side;
	char *key; /* hash key: side, then kind+raw value of each --by key */
	size_t keylen;
	json_t *gobj; /* {"func":"minimal",...}: the --by keys and their values */
	char *label;  /* "minimal rust 128" for humans */
	series *s;    /* one per field */
	size_t records, excluded;
	count *excl;
	size_t nexcl;
	char *platform;
	char *platform_raw; /* its JSON text, for a cheap comparison */
	size_t platform_rawlen;
	int platform_mixed;
	/* lambda-perf: the first 10 ok cold starts */
	double lpi[10], lpmem[10], lpdur[10];
	int lpmem_ok[10], lpdur_ok[10];
	size_t lpn;
	char *arch, *impl, *func;
	double memory_mb;
	int memory_ok;
} group;

typedef struct {
	char *text;         /* as written */
	char metric[16];    /* mean, p50, ..., regress */
	double pct;         /* for pNN */
	char *field;
	char op[3];
	double threshold;
	int percent;        /* threshold written with % */
	char *src;          /* file:line or "--gate" */
} gate;

typedef struct {
	char *k, *v;
} selector_kv;

typedef struct {
	selector_kv *kv;
	size_t n;
} selector;

typedef struct {
	/* options */
	char **by;
	size_t nby;
	char **fields;
	size_t nfields;
	gate *gates;
	size_t ngates;
	const char *format;
	const char *baseline;
	double alpha, min_effect;
	unsigned boot;
	uint64_t seed;
	int allow_local;
	int compare;
	selector sel[2]; /* [SIDE_REF] BASE, [SIDE_CUR] CAND in selector mode */
	int selectors;
	/* state */
	group **groups;
	size_t ngroups;
	size_t *seen_field; /* per field: records where it was present */
	size_t invocations;
	count *ignored;
	size_t nignored;
	size_t unselected;
	int lambda_perf;
	int color;
	int warn_stderr; /* 0: the table on the same terminal shows the notes */
	json_t *out; /* records kept for non-NDJSON renderers */
} ctx;

/* ingest.c */
void ingest(ctx *c, const char *path, int side);
void ingest_free(void);
void groups_sort(ctx *c);
group *group_find(ctx *c, const group *like, int side);
void series_summarize(series *s);
const char *unit_of(const char *field);
/* "minimal rust 128" from a group's {"func":...} (strings as they are,
 * other values as JSON, compact or with jansson's default spacing as the
 * tables have it); "all" without --by keys.  Caller frees. */
char *group_label(json_t *gobj, int compact);

/* report.c */
void emit(ctx *c, json_t *rec);
void put_num(json_t *o, const char *name, double v, const char *reason);
void report_summaries(ctx *c);
void report_relative(ctx *c);
int report_comparisons(ctx *c);
int report_gates(ctx *c);
int report_lambda_perf(ctx *c);
void gate_parse(ctx *c, const char *text, const char *src);
void gates_file(ctx *c, const char *path);

/* render.c */
void render(ctx *c);

#endif
