/* Unit tests for tools/lib/stats: known answers on small data sets.
 *
 * Every expected value was computed independently of stats.c by
 * tests/fixtures/stats/reference.py (Python 3 standard library: the
 * statistics module, fractions, Simpson integration of the t density) or by
 * hand as shown; the printed line of that script is quoted next to each. */
#include "stats.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const double A[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const double B[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 20};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* equal as numbers (-0 and 0 may swap places between sorts) */
static int sorted_equal(const double *a, const double *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static double sd_of(const double *v, size_t n, double *mean)
{
	st_acc a = {0};
	for (size_t i = 0; i < n; i++)
		st_acc_add(&a, v[i]);
	*mean = a.mean;
	return st_acc_sd(&a);
}

int main(void)
{
	double m, sd, lo, hi, cov;
	size_t rlo, rhi;

	/* "A mean 5.5 sd 3.0276503540974917" */
	sd = sd_of(A, 10, &m);
	ok(close_enough(m, 5.5, 1e-15), "the mean of 1..10 is 5.5");
	ok(close_enough(sd, 3.0276503540974917, 1e-12), "the sample standard deviation of 1..10 is 3.02765");

	/* "A p90 p95 p99 9.1 9.55 9.91"; by hand: h = 9 p, 9 + 0.1 = 9.1 */
	ok(close_enough(st_percentile(A, 10, 50), 5.5, 1e-15), "p50 of 1..10 interpolates to 5.5");
	ok(close_enough(st_percentile(A, 10, 90), 9.1, 1e-12), "p90 of 1..10 is 9.1 (numpy linear)");
	ok(close_enough(st_percentile(A, 10, 95), 9.55, 1e-12), "p95 of 1..10 is 9.55");
	ok(close_enough(st_percentile(A, 10, 99), 9.91, 1e-12), "p99 of 1..10 is 9.91");
	ok(st_percentile(A, 10, 0) == 1 && st_percentile(A, 10, 100) == 10, "p0 and p100 are min and max");
	ok(isnan(st_percentile(A, 0, 50)), "a percentile of no values is NaN, not 0");
	ok(st_percentile(A + 3, 1, 99) == 4, "a percentile of one value is that value");

	/* "t(0.975, 9) 2.2621571627979176", "t(0.975, 29) 2.0452296421329157";
	 * printed tables: 2.262, 2.045 */
	ok(close_enough(st_t_quantile(0.975, 9), 2.2621571627979176, 1e-9), "t quantile 0.975 at 9 df is 2.262157");
	ok(close_enough(st_t_quantile(0.975, 29), 2.0452296421329157, 1e-9), "t quantile 0.975 at 29 df is 2.045230");
	ok(close_enough(st_t_quantile(0.975, 1), 12.706204736174698, 1e-9), "t quantile 0.975 at 1 df is 12.7062 (tan(0.475 pi))");
	ok(close_enough(st_t_quantile(0.025, 9), -2.2621571627979176, 1e-9), "t quantiles are symmetric");
	/* "t_cdf(1.5, 4) 0.896" (closed form for 4 df gives exactly 0.896) */
	ok(close_enough(st_t_cdf(1.5, 4), 0.896, 1e-10), "t cdf at 1.5 with 4 df is 0.896");
	ok(close_enough(st_t_cdf(2.0, 7.5), 0.9585515023509241, 1e-8), "t cdf with fractional df (Welch) matches integration");
	/* "norm cdf 1.96 0.9750021048517795" */
	ok(close_enough(st_norm_cdf(1.96), 0.9750021048517795, 1e-12), "normal cdf at 1.96 is 0.975002");
	ok(close_enough(st_norm_quantile(0.975), 1.959963984540054, 1e-9), "normal quantile 0.975 is 1.959964");

	/* "binom P(B<=1|10) 11/1024", "binom P(B<=2|10) 0.0546875" */
	ok(close_enough(st_binom_cdf(1, 10, 0.5), 11.0 / 1024, 1e-12), "P(B <= 1) for Bin(10, 1/2) is 11/1024");
	ok(close_enough(st_binom_cdf(2, 10, 0.5), 0.0546875, 1e-12), "P(B <= 2) for Bin(10, 1/2) is 56/1024");

	/* "A mean CI 3.334149410332106 7.665850589667894" */
	ok(st_mean_ci(10, m, sd, 0.95, &lo, &hi) == 0 && close_enough(lo, 3.334149410332106, 1e-9) &&
		   close_enough(hi, 7.665850589667894, 1e-9),
	   "95%% t CI of the mean of 1..10 is [3.334149, 7.665851]");
	ok(st_mean_ci(1, 3, NAN, 0.95, &lo, &hi) == -1, "no mean CI from one value");

	/* "median CI n=10 coverage 0.978515625": ranks 2 and 9 (by hand:
	 * P(B<=1) = 11/1024 <= 0.025 < P(B<=2) = 56/1024) */
	ok(st_median_ci(A, 10, 0.95, &lo, &hi, &cov, &rlo, &rhi) == 0 && lo == 2 && hi == 9 && rlo == 2 && rhi == 9 &&
		   close_enough(cov, 0.978515625, 1e-12),
	   "order-statistic median CI of 1..10 is [x(2), x(9)] with coverage 1002/1024");
	{
		double v[30];
		for (int i = 0; i < 30; i++)
			v[i] = i + 1;
		/* "median CI n=30: j, coverage 10 0.9572260547429323" */
		ok(st_median_ci(v, 30, 0.95, &lo, &hi, &cov, &rlo, &rhi) == 0 && rlo == 10 && rhi == 21 &&
			   close_enough(cov, 0.9572260547429323, 1e-10),
		   "median CI at n=30 uses ranks 10 and 21, coverage 0.957226");
	}
	ok(st_median_ci(A, 5, 0.95, &lo, &hi, &cov, &rlo, &rhi) == -1, "no 95%% median CI from 5 values (1/16 > 2.5%%)");
	ok(st_median_ci(A, 6, 0.95, &lo, &hi, &cov, &rlo, &rhi) == 0 && lo == 1 && hi == 6, "6 values give [min, max] (2/64 <= 5%%)");

	/* "welch t df p 2.2085333248046863 18.41957830510229 0.0401016678934476" */
	{
		double mb, sdb = sd_of(B, 12, &mb);
		st_welch_r w;
		ok(st_welch(10, m, sd, 12, mb, sdb, &w) == 0 && close_enough(w.t, 2.2085333248046863, 1e-10) &&
			   close_enough(w.df, 18.41957830510229, 1e-10) && close_enough(w.p, 0.0401016678934476, 1e-7),
		   "Welch t-test of 1..10 vs B: t 2.2085, df 18.42, p 0.0401");
		ok(st_welch(10, m, sd, 10, m, sd, &w) == 0 && w.t == 0 && close_enough(w.p, 1, 1e-12),
		   "Welch test of a set with itself gives t 0, p 1");
		ok(st_welch(3, 1, 0, 3, 2, 0, &w) == -1 && isnan(w.p), "Welch is undefined when both variances are 0");

		/* "fieller B/A 1.696969696969697 1.0291175138315365 2.8868970372385125" */
		ok(st_fieller(m, sd * sd / 10, mb, sdb * sdb / 12, w.df = 18.41957830510229, 0.95, &lo, &hi) == 0 &&
			   close_enough(lo, 1.0291175138315365, 1e-8) && close_enough(hi, 2.8868970372385125, 1e-8),
		   "Fieller 95%% CI of mean(B)/mean(A) is [1.0291, 2.8869]");
		ok(st_fieller(0.1, 1.0, 1, 0.01, 10, 0.95, &lo, &hi) == -1, "Fieller refuses when the base mean is within noise of 0");

		/* "MW A B: u1 z p (32.0, -1.8174057604843321, 0.06915500635501205)" */
		st_mw_r u;
		ok(st_mann_whitney(A, 10, B, 12, &u) == 0 && u.u1 == 32 && close_enough(u.z, -1.8174057604843321, 1e-10) &&
			   close_enough(u.p, 0.06915500635501205, 1e-10),
		   "Mann-Whitney of 1..10 vs B (with ties): U 32, z -1.8174, p 0.06916");
	}
	{
		/* "MW X Y: u1 z p (4.5, -1.8383188740373877, 0.06601543152123106)" */
		static const double X[] = {1, 2, 3, 4, 5}, Y[] = {3, 4, 5, 6, 7, 8};
		st_mw_r u;
		ok(st_mann_whitney(X, 5, Y, 6, &u) == 0 && u.u1 == 4.5 && close_enough(u.z, -1.8383188740373877, 1e-10) &&
			   close_enough(u.p, 0.06601543152123106, 1e-10),
		   "Mann-Whitney with ties: U 4.5, z -1.8383, p 0.06602");
		ok(st_mann_whitney(A, 10, A, 10, &u) == 0 && u.u1 == 50 && u.p == 1, "Mann-Whitney of a set with itself: U n^2/2, p 1");
		double same[4] = {2, 2, 2, 2};
		ok(st_mann_whitney(same, 2, same + 2, 2, &u) == 0 && u.p == 1, "all values tied gives p 1, not a division by zero");
		ok(st_mann_whitney(X, 0, Y, 6, &u) == -1, "Mann-Whitney refuses an empty sample");
		/* exact, no ties.  By hand: {1,2,3} vs {4,5,6}: U = 0 is 1 of
		 * C(6,3) = 20 arrangements, p = 2/20.  {1..5} vs {6..10}: 1 of
		 * C(10,5) = 252, p = 2/252.  {1,3,5} vs {2,4,6}: U = 1+2+3-... = 3
		 * (1<2,4,6: 0 wins; 3 beats 2; 5 beats 2,4): U = 3; the counts
		 * of U = 0..9 for m = n = 3 are 1,1,2,3,3,3,3,2,1,1, so
		 * P(U <= 3) = 7/20 and p = 14/20. */
		static const double E1[] = {1, 2, 3}, E2[] = {4, 5, 6}, O1[] = {1, 3, 5}, O2[] = {2, 4, 6};
		ok(st_mann_whitney(E1, 3, E2, 3, &u) == 0 && u.exact && u.u1 == 0 && close_enough(u.p, 0.1, 1e-12),
		   "exact Mann-Whitney: 3 vs 3 fully separated gives p = 2/20");
		ok(st_mann_whitney(A, 5, A + 5, 5, &u) == 0 && u.exact && close_enough(u.p, 2.0 / 252, 1e-12),
		   "exact Mann-Whitney: 5 vs 5 fully separated gives p = 2/252");
		ok(st_mann_whitney(O1, 3, O2, 3, &u) == 0 && u.exact && u.u1 == 3 && close_enough(u.p, 14.0 / 20, 1e-12),
		   "exact Mann-Whitney: interleaved 3 vs 3 gives U 3, p 14/20");
		ok(st_mann_whitney(E2, 3, E1, 3, &u) == 0 && u.exact && u.u1 == 9 && close_enough(u.p, 0.1, 1e-12),
		   "exact Mann-Whitney is symmetric in the samples");
	}

	/* "C median 5.0 MAD 0.15 M [..., 17.987, -17.987]": one high, one low */
	{
		double c[] = {4.8, 4.9, 5.0, 5.0, 5.1, 5.2, 9.0, 1.0}, scratch[8];
		st_sort(c, 8);
		st_outliers o;
		st_find_outliers(c, 8, scratch, &o);
		ok(o.low == 1 && o.high == 1 && close_enough(o.mad, 0.15, 1e-9) && o.median == 5.0 && !o.mad_zero,
		   "modified Z-score finds 1.0 and 9.0 as outliers of values around 5 (MAD 0.15)");
		double flat[] = {3, 3, 3, 3, 3, 3, 3, 8};
		st_find_outliers(flat, 8, scratch, &o);
		ok(o.mad_zero && o.high == 1 && o.low == 0, "with MAD 0 the MeanAD fallback still flags the one odd value");
		double all[] = {2, 2, 2};
		st_find_outliers(all, 3, scratch, &o);
		ok(o.low + o.high == 0, "identical values have no outliers");
	}

	/* select / median: compare with sorting on pseudo-random data */
	{
		enum { N = 1001 };
		double v[N], w[N];
		uint64_t s = 42;
		int good = 1;
		for (int rep = 0; rep < 20; rep++) {
			size_t n = (size_t)(rep * 50 + 1);
			for (size_t i = 0; i < n; i++)
				v[i] = w[i] = (double)(st_rand(&s) % 97);
			st_sort(w, n);
			double med = st_median_unsorted(v, n);
			if (med != st_percentile(w, n, 50))
				good = 0;
		}
		ok(good, "quickselect medians equal sorted medians on 20 random sets with ties");
	}

	/* st_sort: radix path (n >= 4096) and introsort path agree with qsort,
	 * negatives and zeros included */
	{
		enum { N = 20000 };
		static double v[N], w[N];
		uint64_t s = 9;
		for (size_t i = 0; i < N; i++) {
			double x = (double)(int64_t)(st_rand(&s) % 2000001) - 1000000.0;
			v[i] = w[i] = (i % 7 == 0) ? x * 1e-9 : (i % 11 == 0 ? 0.0 : x / 3.0);
		}
		st_sort(v, N);
		qsort(w, N, sizeof *w, cmp_d);
		ok(memcmp(v, w, sizeof v) == 0 || sorted_equal(v, w, N), "radix st_sort of 20000 mixed-sign values equals qsort");
		st_sort(v + 5, 1000);
		ok(sorted_equal(v, w, N), "sorting a sorted run keeps it");
		double r[100];
		for (size_t i = 0; i < 100; i++)
			r[i] = (double)((i * 37) % 100) - 50;
		st_sort(r, 100);
		int good = 1;
		for (size_t i = 0; i < 100; i++)
			good &= r[i] == (double)i - 50;
		ok(good, "introsort st_sort of 100 values is correct");
	}

	/* ranking order: larger first, NaN last, ties left to the caller */
	ok(st_cmp_desc(2, 1) == -1 && st_cmp_desc(1, 2) == 1 && st_cmp_desc(1, 1) == 0,
	   "st_cmp_desc puts the larger value first and leaves ties at 0");
	ok(st_cmp_desc(1, NAN) == -1 && st_cmp_desc(NAN, 1) == 1 && st_cmp_desc(NAN, NAN) == 0,
	   "st_cmp_desc puts NaN last and two NaNs at 0");

	/* bootstrap: deterministic per seed, brackets the point ratio */
	{
		double lo2, hi2;
		ok(st_boot_median_ratio(A, 10, B, 12, 2000, 7, 0.95, &lo, &hi) == 0 &&
			   st_boot_median_ratio(A, 10, B, 12, 2000, 7, 0.95, &lo2, &hi2) == 0 && lo == lo2 && hi == hi2,
		   "the bootstrap CI is reproducible for a given seed");
		ok(lo <= 8.5 / 5.5 && 8.5 / 5.5 <= hi && lo > 0.5 && hi < 4, "the bootstrap CI of median(B)/median(A) brackets 8.5/5.5");
		ok(st_boot_median_ratio(A, 10, A, 10, 2000, 7, 0.95, &lo, &hi) == 0 && lo <= 1 && hi >= 1,
		   "the bootstrap CI of a set against itself contains 1");
	}
	return tap_done();
}
