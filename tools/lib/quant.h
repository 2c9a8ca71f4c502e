/* quant — cold-start figures from invocation records, order-statistic CIs
 * of any quantile, the bootstrap CI of a difference of medians, and Pareto
 * fronts.  Shared by lp-bottleneck and lp-propose.  Prefix: qt_.
 *
 * A quantity that cannot be computed is NAN (written as null with a reason
 * by the caller, see nd_real). */
#ifndef QUANT_H
#define QUANT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	double *v;
	size_t n, cap;
} qt_vec;
void qt_push(qt_vec *v, double x);
void qt_free(qt_vec *v);

/* The cold starts of a stream of invocation records.  A cold start is the
 * cold invocation of an environment with status "ok": init_ms (exec to the
 * first /next) plus duration_ms (its first event) is the latency the first
 * caller sees. */
typedef struct {
	qt_vec init, duration, total;  /* cold, ok, both times present */
	size_t records, cold, cold_ok;
	double mem_used_max;           /* max max_memory_used_mb, NAN if none */
	double memory_mb;              /* configured, NAN if none */
} qt_cold;
void qt_cold_add(qt_cold *c, const json_t *rec); /* ignores other types */
void qt_cold_free(qt_cold *c);

/* Median and p99 of a sample with 95 % order-statistic CIs; sorts v. */
typedef struct {
	size_t n;
	double p50, p50_lo, p50_hi; /* lo/hi NAN when n is too small */
	double p99, p99_lo, p99_hi;
} qt_summary;
void qt_summarize(qt_vec *v, qt_summary *s);

/* Distribution-free CI of the q-quantile (0 < q < 1) of sorted values:
 * ranks l < u (1-based) with F(l-1) <= (1-conf)/2 and F(u-1) >= (1+conf)/2
 * for B ~ Binomial(n, q), so P(x_(l) <= Q_q <= x_(u)) >= conf.  0 ok, -1
 * when n is too small (no rank pair inside 1..n reaches conf). */
int qt_quantile_ci(const double *sorted, size_t n, double q, double conf, double *lo, double *hi);

/* Percentile bootstrap CI of median(b) - median(a): B resamples of both
 * with replacement (st_rand, deterministic for a seed).  0 ok, -1 if a
 * sample is empty. */
int qt_boot_median_diff(const double *a, size_t na, const double *b, size_t nb, unsigned B,
			uint64_t seed, double conf, double *lo, double *hi);

/* Pareto front, both coordinates minimized: front[i] = 1 when no other
 * point is <= in both and < in one.  Points with a NAN coordinate are
 * never on the front. */
void qt_pareto(const double *x, const double *y, size_t n, int *front);

#endif
