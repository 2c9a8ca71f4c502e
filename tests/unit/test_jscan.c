/* Unit tests for tools/lib/jscan: field extraction, and validity decided
 * exactly like jansson's json_loadb on a table of valid and broken lines. */
#include "jscan.h"
#include "tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if jansson reads s as exactly one JSON object (what nd_read accepts). */
static int jansson_ok(const char *s)
{
	json_error_t je;
	json_t *j = json_loadb(s, strlen(s), JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &je);
	if (!j)
		return 0;
	int good = json_is_object(j);
	for (size_t k = (size_t)je.position; k < strlen(s); k++)
		if (!strchr(" \t\r\n", s[k]))
			good = 0;
	json_decref(j);
	return good;
}

static const char *lines[] = {
	"{}",
	" {\"a\":1} ",
	"{\"a\":1,}",
	"{\"a\":1",
	"{\"a\" 1}",
	"{a:1}",
	"[1,2]",
	"1",
	"\"s\"",
	"{\"a\":01}",
	"{\"a\":-0.5e+3}",
	"{\"a\":1.}",
	"{\"a\":.5}",
	"{\"a\":-}",
	"{\"a\":1e}",
	"{\"a\":NaN}",
	"{\"a\":Infinity}",
	"{\"a\":-Infinity}",
	"{\"a\":nul}",
	"{\"a\":true,\"b\":false,\"c\":null}",
	"{\"a\":\"x\\ty\\u00e9\\ud83d\\ude00\"}",
	"{\"a\":\"\\ud83d\"}",
	"{\"a\":\"\\ude00\"}",
	"{\"a\":\"\\q\"}",
	"{\"a\":\"\\u12\"}",
	"{\"a\":\"tab\there\"}",
	"{\"a\":\"caf\xc3\xa9\"}",
	"{\"a\":\"bad\xc3\"}",
	"{\"a\":\"bad\xff\"}",
	"{\"a\":\"overlong\xc0\xaf\"}",
	"{\"a\":\"surrogate\xed\xa0\x80\"}",
	"{\"a\":[1,[2,{\"b\":3}],[]],\"c\":{}}",
	"{\"a\":[1,]}",
	"{\"a\":1}{\"b\":2}",
	"{\"a\":1} x",
	"{\"a\":\"unterminated}",
	"{\"a\\u0062\":1}",
	"{\"a\":\"\\u0000\"}",
	"{\"a\":1}\n",
	"{\"a\":1,\"a\":2}",
	"",
	"   ",
	"{ \"a\" : 1 , \"b\" : [ 1 , { \"c\" : \"x\" } ] , \"d\" :\t{ } }\r\n",
	"{\"a\" :}",
	"{\"a\": 1 ,}",
	"{ , }",
	"{\"a\":1 \"b\":2}",
	"{\"a\"\t:\n-1.5e-3 }",
};

int main(void)
{
	js_error e;
	size_t nl = sizeof lines / sizeof lines[0];
	for (size_t i = 0; i < nl; i++) {
		int mine = js_scan(lines[i], strlen(lines[i]), NULL, 0, &e) == 0;
		ok(mine == jansson_ok(lines[i]), "js_scan and jansson agree on line %zu (%s)", i, mine ? "valid" : "invalid");
	}

	const char *rec = "{\"type\":\"invocation\",\"func\":\"min\\u0069mal\",\"memory_mb\":128,\"init_ms\":1.25,"
			  "\"arr\":[{\"init_ms\":99}],\"counters\":{\"init\":{\"syscalls\":41,\"cycles\":null}},\"x\":{}}";
	js_field f[7];
	js_field_init(&f[0], "type");
	js_field_init(&f[1], "func");
	js_field_init(&f[2], "init_ms");
	js_field_init(&f[3], "counters.init.syscalls");
	js_field_init(&f[4], "counters.init.cycles");
	js_field_init(&f[5], "duration_ms");
	js_field_init(&f[6], "counters.init");
	ok(js_scan(rec, strlen(rec), f, 7, &e) == 0, "a nested record scans");
	{
		const char *spaced = "{ \"type\" : \"invocation\" , \"counters\" : { \"init\" : { \"syscalls\" :  41 } } }";
		js_field g[2];
		js_field_init(&g[0], "type");
		js_field_init(&g[1], "counters.init.syscalls");
		ok(js_scan(spaced, strlen(spaced), g, 2, &e) == 0 && g[0].kind == JS_STRING && g[1].kind == JS_NUMBER &&
			   js_number(&g[1]) == 41,
		   "fields are found in a line with whitespace everywhere");
	}
	char buf[64];
	ok(f[0].kind == JS_STRING && js_string(&f[0], buf) == 10 && strcmp(buf, "invocation") == 0, "a string field is decoded");
	ok(f[1].kind == JS_STRING && js_string(&f[1], buf) == 7 && strcmp(buf, "minimal") == 0, "a \\u escape is decoded");
	ok(f[2].kind == JS_NUMBER && js_number(&f[2]) == 1.25, "a top-level number is found, not the one inside an array");
	ok(f[3].kind == JS_NUMBER && js_number(&f[3]) == 41, "a nested number is found by its dotted path");
	ok(f[4].kind == JS_NULL, "a null is reported as null");
	ok(f[5].kind == JS_MISSING, "an absent field is missing");
	ok(f[6].kind == JS_OBJECT, "an object value is reported as an object");

	const char *nan = "{\"type\":\"invocation\",\"init_ms\":NaN}";
	ok(js_scan(nan, strlen(nan), f, 7, &e) == -1 && strcmp(e.path, "init_ms") == 0 && e.column == 32 &&
		   strstr(e.msg, "NaN") != NULL,
	   "NaN is refused with the field's path and column");
	const char *u = "{\"a\":\"\\ud83d\\ude00\"}";
	js_field_init(&f[0], "a");
	ok(js_scan(u, strlen(u), f, 1, &e) == 0 && js_string(&f[0], buf) == 4 && strcmp(buf, "\xf0\x9f\x98\x80") == 0,
	   "a surrogate pair decodes to one 4-byte UTF-8 character");
	const char *dup = "{\"a\":1,\"a\":2}";
	ok(js_scan(dup, strlen(dup), f, 1, &e) == 0 && js_number(&f[0]) == 2, "with duplicate keys the last wins (as jansson)");
	char deep[2100];
	size_t k = 0;
	deep[k++] = '{';
	deep[k++] = '"';
	deep[k++] = 'a';
	deep[k++] = '"';
	deep[k++] = ':';
	for (int i = 0; i < 1000; i++)
		deep[k++] = '[';
	for (int i = 0; i < 1000; i++)
		deep[k++] = ']';
	deep[k++] = '}';
	ok(js_scan(deep, k, NULL, 0, &e) == -1 && strstr(e.msg, "deep") != NULL, "nesting beyond 512 levels is refused, not a stack overflow");
	/* js_number's fast path must give exactly strtod's double */
	{
		unsigned long long st = 12345;
		int same = 1;
		char num[64];
		for (int i = 0; i < 200000 && same; i++) {
			st = st * 6364136223846793005ull + 1442695040888963407ull;
			int intd = (int)(st >> 60), fracd = (int)((st >> 56) & 15);
			unsigned long long a = (st >> 8) % 10000000000ull, b = (st >> 3) % 1000000000ull;
			snprintf(num, sizeof num, "%s%llu.%0*llu", (st & 1) ? "-" : "", a % (intd ? 1000000ull : 1), fracd ? fracd : 1,
				 b % 1000000000ull);
			js_field nf = {.kind = JS_NUMBER, .raw = num, .len = strlen(num)};
			if (js_number(&nf) != strtod(num, NULL)) {
				printf("#   %s: %.17g vs %.17g\n", num, js_number(&nf), strtod(num, NULL));
				same = 0;
			}
		}
		ok(same, "js_number equals strtod on 200000 random decimals");
		const char *edge[] = {"0", "-0", "4.962288", "0.000001", "123456789012345", "1234567890123456789", "1e3", "2.5E-3", "0.1000000000000000055511151231257827"};
		same = 1;
		for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
			js_field nf = {.kind = JS_NUMBER, .raw = edge[i], .len = strlen(edge[i])};
			same &= js_number(&nf) == strtod(edge[i], NULL);
		}
		ok(same, "js_number equals strtod on edge cases (long, exponent, 17+ digits)");
	}
	return tap_done();
}
