/* quant — see quant.h. */
#include "quant.h"
#include "lputil.h"
#include "ndjson.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void qt_push(qt_vec *v, double x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->v = lp_xreallocarray(v->v, v->cap, sizeof *v->v);
	}
	v->v[v->n++] = x;
}

void qt_free(qt_vec *v)
{
	free(v->v);
	memset(v, 0, sizeof *v);
}

void qt_cold_add(qt_cold *c, const json_t *rec)
{
	const char *type = nd_get_string(rec, "type");
	if (!type || strcmp(type, "invocation") != 0)
		return;
	if (c->records == 0)
		c->mem_used_max = c->memory_mb = NAN;
	c->records++;
	double m;
	if (nd_get_number(rec, "max_memory_used_mb", &m) == 1 && (isnan(c->mem_used_max) || m > c->mem_used_max))
		c->mem_used_max = m;
	if (nd_get_number(rec, "memory_mb", &m) == 1)
		c->memory_mb = m;
	const char *start = nd_get_string(rec, "start"), *status = nd_get_string(rec, "status");
	if (!start || strcmp(start, "cold") != 0)
		return;
	c->cold++;
	if (!status || strcmp(status, "ok") != 0)
		return;
	double i, d;
	if (nd_get_number(rec, "init_ms", &i) != 1 || nd_get_number(rec, "duration_ms", &d) != 1)
		return;
	c->cold_ok++;
	qt_push(&c->init, i);
	qt_push(&c->duration, d);
	qt_push(&c->total, i + d);
}

void qt_cold_free(qt_cold *c)
{
	qt_free(&c->init);
	qt_free(&c->duration);
	qt_free(&c->total);
}

void qt_summarize(qt_vec *v, qt_summary *s)
{
	s->n = v->n;
	s->p50 = s->p50_lo = s->p50_hi = s->p99 = s->p99_lo = s->p99_hi = NAN;
	if (v->n == 0)
		return;
	st_sort(v->v, v->n);
	s->p50 = st_percentile(v->v, v->n, 50);
	s->p99 = st_percentile(v->v, v->n, 99);
	double cov;
	size_t rl, rh;
	/* The median's CI is lp-stats' (st_median_ci), so both tools agree. */
	if (st_median_ci(v->v, v->n, 0.95, &s->p50_lo, &s->p50_hi, &cov, &rl, &rh) != 0)
		s->p50_lo = s->p50_hi = NAN;
	if (qt_quantile_ci(v->v, v->n, 0.99, 0.95, &s->p99_lo, &s->p99_hi) != 0)
		s->p99_lo = s->p99_hi = NAN;
}

int qt_quantile_ci(const double *sorted, size_t n, double q, double conf, double *lo, double *hi)
{
	if (n == 0 || !(q > 0 && q < 1) || !(conf > 0 && conf < 1))
		return -1;
	double a = (1 - conf) / 2, b = (1 + conf) / 2;
	/* l: the largest rank with P(B <= l-1) <= a; u: the smallest with
	 * P(B <= u-1) >= b. */
	long l = 0, u = 0;
	for (long k = 1; k <= (long)n; k++)
		if (st_binom_cdf(k - 1, (long)n, q) <= a)
			l = k;
	for (long k = (long)n; k >= 1; k--)
		if (st_binom_cdf(k - 1, (long)n, q) >= b)
			u = k;
	if (l < 1 || u < 1 || u <= l)
		return -1;
	*lo = sorted[l - 1];
	*hi = sorted[u - 1];
	return 0;
}

int qt_boot_median_diff(const double *a, size_t na, const double *b, size_t nb, unsigned B,
			uint64_t seed, double conf, double *lo, double *hi)
{
	if (na == 0 || nb == 0 || B == 0)
		return -1;
	double *ra = lp_xreallocarray(NULL, na, sizeof *ra), *rb = lp_xreallocarray(NULL, nb, sizeof *rb);
	double *d = lp_xreallocarray(NULL, B, sizeof *d);
	uint64_t st = seed ? seed : 1;
	for (unsigned k = 0; k < B; k++) {
		for (size_t i = 0; i < na; i++)
			ra[i] = a[st_rand(&st) % na];
		for (size_t i = 0; i < nb; i++)
			rb[i] = b[st_rand(&st) % nb];
		d[k] = st_median_unsorted(rb, nb) - st_median_unsorted(ra, na);
	}
	st_sort(d, B);
	*lo = st_percentile(d, B, 100 * (1 - conf) / 2);
	*hi = st_percentile(d, B, 100 * (1 + conf) / 2);
	free(ra);
	free(rb);
	free(d);
	return 0;
}

void qt_pareto(const double *x, const double *y, size_t n, int *front)
{
	for (size_t i = 0; i < n; i++) {
		front[i] = !isnan(x[i]) && !isnan(y[i]);
		for (size_t j = 0; j < n && front[i]; j++) {
			if (j == i || isnan(x[j]) || isnan(y[j]))
				continue;
			if (x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]))
				front[i] = 0;
		}
	}
}
