/* quant: quantile CIs by order statistics, the bootstrap CI of a median
 * difference, Pareto fronts, cold-start figures from invocation records. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "quant.h"
#include "stats.h"
#include "tap.h"

int main(void)
{
	double v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	double lo, hi;
	/* The median of 1..100: its 95 % order-statistic interval is
	 * [x_(40), x_(61)] (binomial(100, 1/2): F(39) = 0.0176 <= 0.025,
	 * F(60) = 0.9824 >= 0.975). */
	ok(qt_quantile_ci(v, 100, 0.5, 0.95, &lo, &hi) == 0 && lo == 40 && hi == 61,
	   "the median CI of 1..100 is [40, 61] (got [%g, %g])", lo, hi);
	/* p99 of 100 values: no rank above the sample reaches 97.5 %. */
	ok(qt_quantile_ci(v, 100, 0.99, 0.95, &lo, &hi) == -1, "p99 of 100 values has no 95 %% interval");
	double w[1000];
	for (int i = 0; i < 1000; i++)
		w[i] = i + 1;
	ok(qt_quantile_ci(w, 1000, 0.99, 0.95, &lo, &hi) == 0 && lo < 990 && hi > 990 && hi <= 1000,
	   "p99 of 1..1000 has an interval around 990 ([%g, %g])", lo, hi);
	ok(qt_quantile_ci(v, 5, 0.5, 0.95, &lo, &hi) == -1, "5 values give no 95 %% median interval");

	/* Median difference: b = a - 1 exactly, so every resample differs by
	 * about 1 and the interval holds -1. */
	double a[30], b[30];
	for (int i = 0; i < 30; i++) {
		a[i] = 2 + 0.01 * i;
		b[i] = a[i] - 1;
	}
	ok(qt_boot_median_diff(a, 30, b, 30, 2000, 1, 0.95, &lo, &hi) == 0 && lo <= -1 + 1e-9 && hi >= -1 - 1e-9 &&
		   hi < 0 && lo > -1.2,
	   "median(b) - median(a) of a shifted copy is -1 inside [%g, %g]", lo, hi);
	double lo2, hi2;
	qt_boot_median_diff(a, 30, b, 30, 2000, 1, 0.95, &lo2, &hi2);
	ok(lo == lo2 && hi == hi2, "the bootstrap is deterministic for a seed");
	ok(qt_boot_median_diff(a, 0, b, 30, 10, 1, 0.95, &lo, &hi) == -1, "an empty sample has no interval");

	/* Pareto: (1,5) (2,2) (3,3) (5,1) (NaN,0): (3,3) is dominated by (2,2). */
	double x[] = { 1, 2, 3, 5, NAN }, y[] = { 5, 2, 3, 1, 0 };
	int f[5];
	qt_pareto(x, y, 5, f);
	ok(f[0] && f[1] && !f[2] && f[3] && !f[4], "the Pareto front is (1,5) (2,2) (5,1); NaN never on it");
	double x2[] = { 1, 1 }, y2[] = { 2, 2 };
	qt_pareto(x2, y2, 2, f);
	ok(f[0] && f[1], "equal points do not dominate each other");

	/* Cold starts: only cold ok invocations with both times count. */
	qt_cold c = { 0 };
	const char *recs[] = {
		"{\"type\":\"invocation\",\"start\":\"cold\",\"status\":\"ok\",\"init_ms\":2,\"duration_ms\":0.5,\"memory_mb\":128,\"max_memory_used_mb\":10}",
		"{\"type\":\"invocation\",\"start\":\"warm\",\"status\":\"ok\",\"init_ms\":null,\"duration_ms\":0.4,\"max_memory_used_mb\":12}",
		"{\"type\":\"invocation\",\"start\":\"cold\",\"status\":\"init_error\",\"init_ms\":3,\"duration_ms\":null}",
		"{\"type\":\"summary\",\"init_ms\":100}",
	};
	for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
		json_t *j = json_loads(recs[i], 0, NULL);
		qt_cold_add(&c, j);
		json_decref(j);
	}
	ok(c.records == 3 && c.cold == 2 && c.cold_ok == 1 && c.total.n == 1 && c.total.v[0] == 2.5,
	   "one cold ok start of 2.5 ms out of 3 invocation records");
	ok(c.mem_used_max == 12 && c.memory_mb == 128, "the memory peak is the largest of every invocation");
	qt_summary s;
	qt_summarize(&c.total, &s);
	ok(s.n == 1 && s.p50 == 2.5 && isnan(s.p50_lo) && isnan(s.p99_lo), "one value: a median, no interval");
	qt_cold_free(&c);
	return tap_done();
}
