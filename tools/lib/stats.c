/* stats — see stats.h. */
#include "stats.h"
#include "lputil.h"

#include <float.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Incomplete beta: continued fraction of Abramowitz & Stegun 26.5.8,
 * evaluated with the modified Lentz method. */

#define ST_TINY 1e-300
#define ST_EPS 1e-15
#define ST_MAXIT 200000

static double betacf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap;
	if (fabs(d) < ST_TINY)
		d = ST_TINY;
	d = 1.0 / d;
	double h = d;
	for (int m = 1; m <= ST_MAXIT; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < ST_TINY)
			d = ST_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < ST_TINY)
			c = ST_TINY;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < ST_TINY)
			d = ST_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < ST_TINY)
			c = ST_TINY;
		d = 1.0 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1.0) < ST_EPS)
			return h;
	}
	return NAN; /* did not converge */
}

double st_ibeta(double a, double b, double x)
{
	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	double bt = exp(lbt);
	/* The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry
	 * I_x(a,b) = 1 - I_{1-x}(b,a) on the other side. */
	if (x < (a + 1.0) / (a + b + 2.0))
		return bt * betacf(a, b, x) / a;
	return 1.0 - bt * betacf(b, a, 1.0 - x) / b;
}

double st_t_p2(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0.0;
	return st_ibeta(df / 2.0, 0.5, df / (df + t * t));
}

double st_t_cdf(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1.0 : 0.0;
	double tail = 0.5 * st_ibeta(df / 2.0, 0.5, df / (df + t * t));
	return t > 0 ? 1.0 - tail : tail;
}

/* Inverse of a continuous increasing cdf by bracketing and bisection: slow
 * but simple and exact to the last bits; quantiles are computed a handful of
 * times per run. */
static double invert(double (*cdf)(double, double), double p, double par)
{
	if (!(p > 0) || !(p < 1))
		return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
	double lo = -1, hi = 1;
	while (cdf(lo, par) > p && lo > -1e300)
		lo *= 2;
	while (cdf(hi, par) < p && hi < 1e300)
		hi *= 2;
	for (int i = 0; i < 400; i++) {
		double mid = 0.5 * (lo + hi);
		if (mid == lo || mid == hi)
			break;
		if (cdf(mid, par) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double st_t_quantile(double p, double df)
{
	if (!(df > 0))
		return NAN;
	return invert(st_t_cdf, p, df);
}

double st_norm_cdf(double z) { return 0.5 * erfc(-z / M_SQRT2); }

static double norm_cdf2(double z, double unused)
{
	(void)unused;
	return st_norm_cdf(z);
}

double st_norm_quantile(double p) { return invert(norm_cdf2, p, 0); }

double st_binom_cdf(long k, long n, double p)
{
	if (n < 0 || !(p >= 0) || !(p <= 1))
		return NAN;
	if (k < 0)
		return 0.0;
	if (k >= n)
		return 1.0;
	/* P(B <= k) = I_{1-p}(n - k, k + 1) */
	return st_ibeta((double)(n - k), (double)k + 1.0, 1.0 - p);
}

/* ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Introsort on doubles: quicksort with a median-of-three pivot and
 * insertion sort for short runs, falling back to qsort when the recursion
 * gets deep (adversarial orders).  3-4x faster than qsort's indirect
 * comparisons on a million values. */
static void isort(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* The pivot of the partitions below: the median of three values. */
static inline double med3(double a, double b, double c)
{
	return a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
}

/* Hoare's partition of v[*i..*j] around piv (Wirth's formulation): on
 * return v[..*j] <= piv <= v[*i..], and *j < *i. */
static inline void partition(double *v, double piv, ptrdiff_t *pi, ptrdiff_t *pj)
{
	ptrdiff_t i = *pi, j = *pj;
	do {
		while (v[i] < piv)
			i++;
		while (piv < v[j])
			j--;
		if (i <= j) {
			double t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
	} while (i <= j);
	*pi = i;
	*pj = j;
}

static void intro(double *v, size_t n, int depth)
{
	while (n > 24) {
		if (depth-- == 0) {
			qsort(v, n, sizeof *v, cmp_double);
			return;
		}
		ptrdiff_t i = 0, j = (ptrdiff_t)n - 1;
		partition(v, med3(v[0], v[n / 2], v[n - 1]), &i, &j);
		/* recurse on the smaller side, loop on the larger */
		size_t left = (size_t)(j + 1), right = n - (size_t)i;
		if (left < right) {
			intro(v, left, depth);
			v += i;
			n = right;
		} else {
			intro(v + i, right, depth);
			n = left;
		}
	}
	isort(v, n);
}

/* LSD radix sort on the IEEE bits (sign-flipped so unsigned order is
 * numeric order), 8 bits a pass, skipping passes where every key has the
 * same byte: linear time for the large arrays percentiles need. */
static void radix(double *v, size_t n)
{
	uint64_t *a = lp_xreallocarray(NULL, n, sizeof *a), *b = lp_xreallocarray(NULL, n, sizeof *b);
	size_t (*cnt)[256] = lp_xcalloc(8, sizeof *cnt);
	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		memcpy(&u, &v[i], sizeof u);
		u = (u >> 63) ? ~u : (u | 0x8000000000000000ull);
		a[i] = u;
		for (int k = 0; k < 8; k++)
			cnt[k][(u >> (8 * k)) & 0xff]++;
	}
	for (int k = 0; k < 8; k++) {
		size_t *c = cnt[k];
		if (c[(a[0] >> (8 * k)) & 0xff] == n)
			continue; /* all keys share this byte */
		size_t sum = 0;
		for (int d = 0; d < 256; d++) {
			size_t t = c[d];
			c[d] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> (8 * k)) & 0xff]++] = a[i];
		uint64_t *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t u = a[i];
		u = (u >> 63) ? (u & 0x7fffffffffffffffull) : ~u;
		memcpy(&v[i], &u, sizeof u);
	}
	free(a);
	free(b);
	free(cnt);
}

int st_cmp_desc(double a, double b)
{
	if (!isnan(a) && isnan(b))
		return -1;
	if (isnan(a) && !isnan(b))
		return 1;
	if (!isnan(a) && a != b)
		return a > b ? -1 : 1;
	return 0;
}

void st_sort(double *v, size_t n)
{
	if (n >= 4096) {
		radix(v, n);
		return;
	}
	int depth = 0;
	for (size_t m = n; m; m >>= 1)
		depth += 2;
	if (n > 1)
		intro(v, n, depth);
}

void st_acc_add(st_acc *a, double x)
{
	a->n++;
	double d = x - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * (x - a->mean);
}

double st_acc_sd(const st_acc *a)
{
	if (a->n < 2)
		return NAN;
	double v = a->m2 / (double)(a->n - 1);
	return v > 0 ? sqrt(v) : 0.0;
}

double st_percentile(const double *sorted, size_t n, double p)
{
	if (n == 0 || !(p >= 0) || !(p <= 100))
		return NAN;
	if (n == 1)
		return sorted[0];
	double h = (double)(n - 1) * p / 100.0;
	size_t lo = (size_t)floor(h);
	if (lo >= n - 1)
		return sorted[n - 1];
	double frac = h - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double st_mad(const double *sorted, size_t n, double *scratch)
{
	if (n == 0)
		return NAN;
	double med = st_percentile(sorted, n, 50);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(sorted[i] - med);
	return st_median_unsorted(scratch, n);
}

void st_find_outliers(const double *sorted, size_t n, double *scratch, st_outliers *o)
{
	memset(o, 0, sizeof *o);
	o->median = st_percentile(sorted, n, 50);
	o->lo_fence = -INFINITY;
	o->hi_fence = INFINITY;
	if (n == 0) {
		o->mad = NAN;
		return;
	}
	o->mad = st_mad(sorted, n, scratch);
	double scale; /* |x - median| / scale > 3.5 is an outlier */
	if (o->mad > 0) {
		scale = o->mad / 0.6745;
	} else {
		o->mad_zero = 1;
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += fabs(sorted[i] - o->median);
		scale = 1.253314 * (s / (double)n);
	}
	if (!(scale > 0))
		return; /* every value equals the median */
	o->lo_fence = o->median - 3.5 * scale;
	o->hi_fence = o->median + 3.5 * scale;
	for (size_t i = 0; i < n; i++) {
		double m = (sorted[i] - o->median) / scale;
		if (m < -3.5)
			o->low++;
		else if (m > 3.5)
			o->high++;
	}
}

/* ---------------------------------------------------------------------- */

int st_mean_ci(size_t n, double mean, double sd, double conf, double *lo, double *hi)
{
	if (n < 2 || !isfinite(sd) || !isfinite(mean))
		return -1;
	double t = st_t_quantile(0.5 + conf / 2.0, (double)(n - 1));
	double h = t * sd / sqrt((double)n);
	*lo = mean - h;
	*hi = mean + h;
	return 0;
}

int st_median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi,
		 double *coverage, size_t *rank_lo, size_t *rank_hi)
{
	if (n == 0)
		return -1;
	double tail = (1.0 - conf) / 2.0;
	/* Largest j (1-based) with P(B <= j-1) <= tail; P is increasing in j. */
	long a = 0, b = (long)((n + 1) / 2); /* P(B <= a-1)=0 qualifies; search (a, b] */
	if (st_binom_cdf(0, (long)n, 0.5) > tail)
		return -1;
	a = 1;
	while (a < b) {
		long mid = a + (b - a + 1) / 2;
		if (st_binom_cdf(mid - 1, (long)n, 0.5) <= tail)
			a = mid;
		else
			b = mid - 1;
	}
	size_t j = (size_t)a;
	*rank_lo = j;
	*rank_hi = n + 1 - j;
	*lo = sorted[j - 1];
	*hi = sorted[n - j];
	*coverage = 1.0 - 2.0 * st_binom_cdf((long)j - 1, (long)n, 0.5);
	return 0;
}

int st_fieller(double a, double va, double b, double vb, double df, double conf,
	       double *lo, double *hi)
{
	if (!isfinite(a) || !isfinite(b) || !(va >= 0) || !(vb >= 0) || a == 0 || !(df > 0))
		return -1;
	double t = st_t_quantile(0.5 + conf / 2.0, df);
	double g = t * t * va / (a * a);
	if (g >= 1)
		return -1;
	double r = b / a;
	double disc = vb + r * r * va - g * vb;
	if (disc < 0)
		disc = 0;
	double h = (t / fabs(a)) * sqrt(disc);
	*lo = (r - h) / (1 - g);
	*hi = (r + h) / (1 - g);
	return 0;
}

int st_welch(size_t n1, double m1, double sd1, size_t n2, double m2, double sd2,
	     st_welch_r *r)
{
	r->t = r->df = r->p = NAN;
	if (n1 < 2 || n2 < 2 || !isfinite(sd1) || !isfinite(sd2))
		return -1;
	double v1 = sd1 * sd1 / (double)n1, v2 = sd2 * sd2 / (double)n2;
	double se2 = v1 + v2;
	if (!(se2 > 0))
		return -1;
	r->t = (m2 - m1) / sqrt(se2);
	r->df = se2 * se2 / (v1 * v1 / (double)(n1 - 1) + v2 * v2 / (double)(n2 - 1));
	r->p = st_t_p2(r->t, r->df);
	return 0;
}

struct lab {
	double v;
	int s;
};

static int cmp_lab(const void *a, const void *b)
{
	double x = ((const struct lab *)a)->v, y = ((const struct lab *)b)->v;
	return (x > y) - (x < y);
}

/* Exact two-sided p of U = u for samples of m and n without ties: the
 * number of arrangements with U = k satisfies c(m, n, k) = c(m-1, n, k-n)
 * + c(m, n-1, k) (the largest value belongs to one sample or the other);
 * counts are kept as doubles (C(40, 20) < 2^53). */
static double mw_exact_p2(size_t m, size_t n, double u)
{
	size_t K = m * n;
	/* cur[j][k]: arrangements of i values of sample 1 and j of sample 2 */
	double *prev = lp_xcalloc((n + 1) * (K + 1), sizeof *prev);
	double *cur = lp_xcalloc((n + 1) * (K + 1), sizeof *cur);
	for (size_t j = 0; j <= n; j++)
		prev[j * (K + 1)] = 1; /* i = 0: U = 0, one arrangement */
	for (size_t i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * (K + 1) * sizeof *cur);
		for (size_t j = 0; j <= n; j++)
			for (size_t k = 0; k <= i * j; k++) {
				double c = 0;
				if (k >= j) /* largest is from sample 1: beats all j */
					c += prev[j * (K + 1) + k - j];
				if (j > 0) /* largest is from sample 2 */
					c += cur[(j - 1) * (K + 1) + k];
				cur[j * (K + 1) + k] = c;
			}
		double *t = prev;
		prev = cur;
		cur = t;
	}
	double total = 0, le = 0, ge = 0;
	for (size_t k = 0; k <= K; k++) {
		double c = prev[n * (K + 1) + k];
		total += c;
		if ((double)k <= u)
			le += c;
		if ((double)k >= u)
			ge += c;
	}
	free(prev);
	free(cur);
	double p = 2 * (le < ge ? le : ge) / total;
	return p > 1 ? 1 : p;
}

int st_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, st_mw_r *r)
{
	r->u1 = r->z = r->p = NAN;
	if (nx == 0 || ny == 0)
		return -1;
	size_t n = nx + ny;
	struct lab *all = lp_xreallocarray(NULL, n, sizeof *all);
	for (size_t i = 0; i < nx; i++)
		all[i] = (struct lab){x[i], 0};
	for (size_t i = 0; i < ny; i++)
		all[nx + i] = (struct lab){y[i], 1};
	qsort(all, n, sizeof *all, cmp_lab);
	double r1 = 0, ties = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].v == all[i].v)
			j++;
		double rank = ((double)i + 1 + (double)j) / 2.0; /* mean of ranks i+1..j */
		double t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (all[k].s == 0)
				r1 += rank;
		i = j;
	}
	free(all);
	r->exact = 0;
	double n1 = (double)nx, n2 = (double)ny, N = (double)n;
	r->u1 = r1 - n1 * (n1 + 1) / 2.0;
	double mu = n1 * n2 / 2.0;
	double var = n1 * n2 / 12.0 * ((N + 1) - ties / (N * (N - 1)));
	double d = r->u1 - mu;
	if (!(var > 0)) { /* every value tied: no evidence of a difference */
		r->z = 0;
		r->p = 1;
		return 0;
	}
	double ad = fabs(d) - 0.5; /* continuity correction toward 0 */
	if (ad < 0)
		ad = 0;
	r->z = (d < 0 ? -ad : ad) / sqrt(var);
	r->p = erfc(fabs(r->z) / M_SQRT2);
	if (r->p > 1)
		r->p = 1;
	if (ties == 0 && nx <= ST_MW_EXACT_MAX && ny <= ST_MW_EXACT_MAX) {
		r->p = mw_exact_p2(nx, ny, r->u1);
		r->exact = 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */

uint64_t st_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

double st_select(double *v, size_t n, size_t k)
{
	/* Hoare's FIND (Wirth's formulation) with a median-of-three pivot. */
	ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (r > l) {
		ptrdiff_t i = l, j = r;
		partition(v, med3(v[l], v[l + (r - l) / 2], v[r]), &i, &j);
		if (kk <= j)
			r = j;
		else if (kk >= i)
			l = i;
		else
			break;
	}
	return v[k];
}

double st_median_unsorted(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	size_t k = n / 2;
	double hi = st_select(v, n, k);
	if (n % 2)
		return hi;
	double lo = v[0];
	for (size_t i = 1; i < k; i++)
		if (v[i] > lo)
			lo = v[i];
	return (lo + hi) / 2.0;
}

int st_boot_median_ratio(const double *a, size_t na, const double *b, size_t nb,
			 unsigned B, uint64_t seed, double conf, double *lo, double *hi)
{
	if (na == 0 || nb == 0 || B == 0)
		return -1;
	double *sa = lp_xreallocarray(NULL, na, sizeof *sa);
	double *sb = lp_xreallocarray(NULL, nb, sizeof *sb);
	double *ratios = lp_xreallocarray(NULL, B, sizeof *ratios);
	uint64_t s = seed ? seed : 1;
	int rc = 0;
	for (unsigned k = 0; k < B; k++) {
		for (size_t i = 0; i < na; i++)
			sa[i] = a[(size_t)(((unsigned __int128)st_rand(&s) * na) >> 64)];
		for (size_t i = 0; i < nb; i++)
			sb[i] = b[(size_t)(((unsigned __int128)st_rand(&s) * nb) >> 64)];
		double ma = st_median_unsorted(sa, na), mb = st_median_unsorted(sb, nb);
		if (ma == 0) {
			rc = -1;
			break;
		}
		ratios[k] = mb / ma;
	}
	if (rc == 0) {
		st_sort(ratios, B);
		*lo = st_percentile(ratios, B, 50.0 * (1.0 - conf));
		*hi = st_percentile(ratios, B, 50.0 * (1.0 + conf));
	}
	free(sa);
	free(sb);
	free(ratios);
	return rc;
}
