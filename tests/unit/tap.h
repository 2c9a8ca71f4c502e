/* tap.h — the smallest TAP producer for lp's C unit tests.
 * ok(cond, "sentence") prints "ok N - sentence" or "not ok N - sentence";
 * close_enough() compares reals with a relative tolerance; tap_done()
 * prints the plan and returns the exit status. */
#ifndef TAP_H
#define TAP_H
#include <math.h>
#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do { \
	int ok_ = (cond); \
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n); \
	printf(__VA_ARGS__); \
	putchar('\n'); \
	if (!ok_) { tap_failed++; printf("#   at %s:%d\n", __FILE__, __LINE__); } \
} while (0)

static inline int close_enough(double got, double want, double rel)
{
	if (isnan(got) || isnan(want))
		return isnan(got) && isnan(want);
	double d = fabs(got - want), m = fabs(want) > 1e-300 ? fabs(want) : 1.0;
	if (d / m > rel) {
		printf("#   got %.12g, want %.12g\n", got, want);
		return 0;
	}
	return 1;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
