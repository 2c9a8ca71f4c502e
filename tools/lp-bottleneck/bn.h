/* lp-bottleneck internals: the input (records of the other tools, kept
 * with where they came from) and the rules (rules.c). */
#ifndef LP_BN_H
#define LP_BN_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "quant.h"

typedef struct {
	json_t *rec;
	char *at; /* "FILE:LINE" */
} bn_item;

typedef struct {
	bn_item *v;
	size_t n;
} bn_items;

enum bn_unit { BN_PCT, BN_COUNT, BN_BYTES };

typedef struct bn_in bn_in;

typedef struct bn_rule {
	const char *name;
	const char *category;
	enum bn_unit unit;
	double def;           /* default threshold */
	const char *value;    /* what is compared with the threshold */
	const char *needs;    /* the data it needs, and which tool makes it */
	const char *impact;   /* how its impact in ms is computed */
	void (*run)(bn_in *in, const struct bn_rule *r);
	double thr;           /* in force */
	int off;
} bn_rule;

struct bn_in {
	bn_items inv, prof, hot, sys, alloc, bin, crate;
	char *func, *impl, *platform, *arch;
	char *func_at, *impl_at;
	double memory_mb;
	qt_cold cold;
	/* The cold start every impact is a share of. */
	double cold_ms;
	const char *cold_basis;
	char *cold_reason;
	/* Output, sorted before writing. */
	json_t *found, *skipped;
};

extern bn_rule bn_rules[];
extern const size_t bn_nrules;

/* Record helpers shared by rules.c and main.c. */
json_t *bn_evidence(const bn_item *it, const char *const *fields);
void bn_skip(bn_in *in, const bn_rule *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
json_t *bn_finding(bn_in *in, const bn_rule *r, const char *phase, const char *location, double value,
		   const char *condition);
void bn_set_impact(bn_in *in, json_t *f, double ms, const char *basis_or_reason);
const char *bn_unit_name(enum bn_unit u);
const char *bn_fmt_threshold(const bn_rule *r, double v); /* static buffer */

#endif
