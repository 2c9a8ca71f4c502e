/* Unit tests for tools/lib/ndjson: dotted paths and number extraction. */
#include <math.h>

#include "ndjson.h"
#include "tap.h"

int main(void)
{
	json_error_t je;
	json_t *o = json_loads("{\"a\":{\"b\":{\"c\":3.5}},\"n\":null,\"s\":\"x\",\"i\":7}", 0, &je);
	double d = 0;

	ok(nd_get_number(o, "a.b.c", &d) == 1 && d == 3.5, "a nested number is found by its dotted path");
	ok(nd_get_number(o, "i", &d) == 1 && d == 7, "an integer reads as a number");
	ok(nd_get_number(o, "n", &d) == 0, "null counts as missing, not as zero");
	ok(nd_get_number(o, "a.x.c", &d) == 0, "a missing step gives missing");
	ok(nd_get_number(o, "s", &d) == -1, "a string where a number is wanted is an error");
	ok(nd_get_number(o, "a.b", &d) == -1, "an object where a number is wanted is an error");
	ok(nd_num(o, "a.b.c") == 3.5, "nd_num gives the number at a dotted path");
	ok(isnan(nd_num(o, "n")) && isnan(nd_num(o, "x")) && isnan(nd_num(o, "s")),
	   "nd_num gives NaN for null, missing and a string");
	ok(nd_get_path(o, "s.t") == NULL, "a path through a non-object is missing");
	json_t *nan = nd_real(NAN);
	ok(json_is_null(nan), "NaN is written as null, never as a number");
	json_decref(nan);
	json_decref(o);
	return tap_done();
}
