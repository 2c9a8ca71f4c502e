/* stats — the statistics lp's tools agree on.  Prefix: st_.
 *
 * Method: Georges, Buytaert and Eeckhout, "Statistically Rigorous Java
 * Performance Evaluation" (OOPSLA 2007): report confidence intervals, test
 * significance before claiming a difference.
 *
 * Conventions: a quantity that cannot be computed is NAN (callers write it
 * as null with a reason, see nd_real); functions taking "sorted" want the
 * values in ascending order (st_sort).  Nothing here allocates except
 * st_mann_whitney and st_boot_median_ratio (scratch, freed before return). */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

/* --- distributions ---------------------------------------------------- */

/* Regularized incomplete beta I_x(a, b), continued fraction (modified
 * Lentz).  NAN if the arguments are out of range. */
double st_ibeta(double a, double b, double x);
/* Student t with df degrees of freedom (df may be fractional: Welch). */
double st_t_cdf(double t, double df);
double st_t_quantile(double p, double df); /* inverse of st_t_cdf */
double st_t_p2(double t, double df);       /* two-sided p-value P(|T| >= |t|) */
double st_norm_cdf(double z);
double st_norm_quantile(double p);
/* P(B <= k) for B ~ Binomial(n, p). */
double st_binom_cdf(long k, long n, double p);

/* --- descriptive ------------------------------------------------------ */

void st_sort(double *v, size_t n);
/* Order for a ranking, larger first and NaN ("not measured") last: -1 when
 * a goes first, 1 when b does, 0 when equal or both NaN (the caller breaks
 * the tie). */
int st_cmp_desc(double a, double b);
/* Mean and sample standard deviation (n - 1), Welford's update. */
typedef struct {
	size_t n;
	double mean, m2;
} st_acc;
void st_acc_add(st_acc *a, double x);
double st_acc_sd(const st_acc *a); /* NAN when n < 2 */

/* Percentile p in [0, 100] of sorted values, linear interpolation between
 * closest ranks: h = (n-1) p/100, x[floor h] + (h - floor h)(x[floor h + 1]
 * - x[floor h]).  numpy.percentile's default ("linear", Hyndman & Fan
 * type 7) and Python's statistics.quantiles(method="inclusive"). */
double st_percentile(const double *sorted, size_t n, double p);

/* Median absolute deviation from the median (unscaled). scratch: n doubles. */
double st_mad(const double *sorted, size_t n, double *scratch);

/* Outliers by the modified Z-score (Iglewicz & Hoaglin 1993):
 * M = 0.6745 (x - median) / MAD, outlier when |M| > 3.5.  When MAD is 0,
 * the mean absolute deviation stands in: M = (x - median) / (1.253314 MeanAD)
 * (the usual extension); when that is 0 too, every value equals the median
 * and there is no outlier.  The fences are the values beyond which a value
 * is an outlier (infinite when none can be). */
typedef struct {
	size_t low, high;   /* below / above the median */
	double median, mad; /* mad unscaled */
	int mad_zero;       /* 1: MeanAD fallback used */
	double lo_fence, hi_fence; /* values outside are outliers (inf if none possible) */
} st_outliers;
void st_find_outliers(const double *sorted, size_t n, double *scratch, st_outliers *o);

/* --- confidence intervals --------------------------------------------- */

/* Mean +- t(1-(1-conf)/2, n-1) sd / sqrt(n).  0 ok, -1 when n < 2. */
int st_mean_ci(size_t n, double mean, double sd, double conf, double *lo, double *hi);

/* Distribution-free CI of the median from order statistics: the widest
 * symmetric ranks j, n+1-j (1-based) with P(j <= B <= n-j) >= conf for
 * B ~ Binomial(n, 1/2).  *coverage gets that exact probability.  0 ok,
 * -1 when n is too small for any pair to reach conf (n < 6 at 95 %). */
int st_median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi,
		 double *coverage, size_t *rank_lo, size_t *rank_hi);

/* Ratio b/a of two independent means (cand b over base a) with Fieller's
 * interval: the r with (b - r a)^2 <= t^2 (vb + r^2 va), t at df, where va,
 * vb are the squared standard errors.  0 ok; -1 when the base mean is not
 * significantly different from 0 (g = t^2 va / a^2 >= 1: unbounded set). */
int st_fieller(double a, double va, double b, double vb, double df, double conf,
	       double *lo, double *hi);

/* --- tests ------------------------------------------------------------ */

typedef struct {
	double t, df, p; /* cand - base; p two-sided; NAN when undefined */
} st_welch_r;
/* Welch's unequal-variance t-test from summary statistics. 0 ok, -1 when
 * undefined (n < 2 or both variances 0). */
int st_welch(size_t n1, double m1, double sd1, size_t n2, double m2, double sd2,
	     st_welch_r *r);

typedef struct {
	double u1;  /* U of sample 1 = R1 - n1(n1+1)/2 */
	double z;   /* with tie and continuity corrections; sign of u1 - n1 n2/2 */
	double p;   /* two-sided */
	int exact;  /* 1: p from the exact distribution of U, 0: normal approximation */
} st_mw_r;
/* Mann–Whitney U (Wilcoxon rank-sum).  Without ties and with both samples
 * of at most ST_MW_EXACT_MAX values, p is exact: 2 min(P(U <= u1),
 * P(U >= u1)) under H0, capped at 1 (scipy.stats.mannwhitneyu
 * method="exact").  Otherwise the normal approximation with tie and
 * continuity corrections (scipy method="asymptotic", use_continuity=True).
 * z is always the approximation's.  0 ok, -1 if a sample is empty. */
#define ST_MW_EXACT_MAX 20
int st_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, st_mw_r *r);

/* --- bootstrap -------------------------------------------------------- */

/* xorshift64* generator: deterministic for a given seed. */
uint64_t st_rand(uint64_t *state);
/* k-th smallest (0-based) of v[0..n), reorders v (quickselect). */
double st_select(double *v, size_t n, size_t k);
double st_median_unsorted(double *v, size_t n); /* reorders v */
/* Percentile bootstrap CI of median(b)/median(a): B resamples of both
 * samples with replacement; the interval is the (1-conf)/2 and (1+conf)/2
 * percentiles (st_percentile) of the B ratios.  0 ok, -1 if a sample is
 * empty or a resampled base median is 0. */
int st_boot_median_ratio(const double *a, size_t na, const double *b, size_t nb,
			 unsigned B, uint64_t seed, double conf, double *lo, double *hi);

#endif
