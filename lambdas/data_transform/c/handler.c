/* data_transform (C): validate and normalize records (names, emails,
 * dates, amounts, currencies, countries), derive age, USD amount and tier,
 * and return the accepted records and the rejected ones with every reason
 * (rules and canonical output: docs/suite.md). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../suite/jw.h"
#include "../../suite/suite.h"

/* The business rules' fixed conversion table, micro-USD per unit. */
static const struct { const char *code; long long micro_usd; } rates[] = {
	{"USD", 1000000}, {"EUR", 1085000}, {"GBP", 1270000},
	{"JPY", 6700}, {"CHF", 1130000},
};

struct date { int y, m, d; };

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static char up(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }
static char low(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* The string field k, trimmed: *n bytes from the returned pointer. */
static const char *trimmed(json_t *o, const char *k, size_t *n)
{
	json_t *v = json_object_get(o, k);
	const char *s;
	size_t len;
	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	len = json_string_length(v);
	while (len && is_ws(*s))
		s++, len--;
	while (len && is_ws(s[len - 1]))
		len--;
	*n = len;
	return s;
}

static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int days_in(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static int date_cmp(struct date a, struct date b)
{
	if (a.y != b.y) return a.y < b.y ? -1 : 1;
	if (a.m != b.m) return a.m < b.m ? -1 : 1;
	if (a.d != b.d) return a.d < b.d ? -1 : 1;
	return 0;
}

/* Accepts YYYY-MM-DD, and DD/MM/YYYY and YYYYMMDD when any_format. */
static int parse_date(const char *s, size_t n, int any_format, struct date *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!is_digit(s[i]) && !(n == 10 && (i == 4 || i == 7) && s[i] == '-') &&
		    !(n == 10 && (i == 2 || i == 5) && s[i] == '/'))
			return -1;
	if (n == 10 && s[4] == '-' && s[7] == '-')
		*out = (struct date){num(s, 4), num(s + 5, 2), num(s + 8, 2)};
	else if (any_format && n == 10 && s[2] == '/' && s[5] == '/')
		*out = (struct date){num(s + 6, 4), num(s + 3, 2), num(s, 2)};
	else if (any_format && n == 8)
		*out = (struct date){num(s, 4), num(s + 4, 2), num(s + 6, 2)};
	else
		return -1;
	if (out->y < 1900 || out->m < 1 || out->m > 12 || out->d < 1 ||
	    out->d > days_in(out->y, out->m))
		return -1;
	return 0;
}

/* "1234", "1234.5", "1,234.50": non-negative, at most 2 decimals and 10
 * integer digits; commas only as thousands separators (groups of 3). */
static int parse_amount(const char *s, size_t n, long long *cents)
{
	const char *dot = memchr(s, '.', n);
	size_t ni = dot ? (size_t)(dot - s) : n, i, digits = 0, group = 0, groups = 0;
	long long whole = 0, frac = 0;

	for (i = 0; i < ni; i++) {
		if (s[i] == ',') {
			/* the first group has 1-3 digits, the others 3 */
			if (group == 0 || group > 3 || (groups && group != 3))
				return -1;
			groups++;
			group = 0;
			continue;
		}
		if (!is_digit(s[i]) || ++digits > 10)
			return -1;
		whole = whole * 10 + (s[i] - '0');
		group++;
	}
	if (group == 0 || (groups && group != 3))
		return -1;
	if (dot) {
		size_t f = n - ni - 1;
		if (f < 1 || f > 2)
			return -1;
		for (i = 1; i <= f; i++) {
			if (!is_digit(dot[i]))
				return -1;
			frac = frac * 10 + (dot[i] - '0');
		}
		if (f == 1)
			frac *= 10;
	}
	*cents = whole * 100 + frac;
	return 0;
}

/* Collapse whitespace, title-case ASCII letters after a start, '-' or '\''. */
static void put_name(jw *w, const char *s, size_t n)
{
	char *b = malloc(n + 1);
	size_t o = 0;
	if (!b) {
		w->oom = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_ws(s[i])) {
			if (o && b[o - 1] != ' ')
				b[o++] = ' ';
			continue;
		}
		char prev = o ? b[o - 1] : ' ';
		b[o++] = prev == ' ' || prev == '-' || prev == '\'' ? up(s[i]) : low(s[i]);
	}
	jw_strn(w, b, o);
	free(b);
}

static int email_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t i, dom;
	if (!at || memchr(at + 1, '@', n - (size_t)(at - s) - 1) || at == s)
		return 0;
	for (i = 0; i < n; i++)
		if (is_ws(s[i]))
			return 0;
	dom = n - (size_t)(at - s) - 1;
	for (i = 1; i + 1 < dom; i++)
		if (at[1 + i] == '.')
			return 1;
	return 0;
}

/* s with ASCII letters lowercased (or uppercased), as a JSON string. */
static void put_lower(jw *w, const char *s, size_t n, int upper)
{
	char *b = malloc(n + 1);
	size_t i;
	if (!b) {
		w->oom = 1;
		return;
	}
	for (i = 0; i < n; i++)
		b[i] = upper ? up(s[i]) : low(s[i]);
	jw_strn(w, b, n);
	free(b);
}

int suite_handle(const char *event, size_t len, jw *w)
{
	json_error_t err;
	json_t *root, *recs, *r;
	jw rej = {0};
	struct date asof;
	size_t i, n_acc = 0, n_rej = 0, as_n;
	const char *as_s;
	long long total_usd = 0, tiers[3] = {0, 0, 0};
	static const char *tier_names[3] = {"gold", "silver", "bronze"};

	root = json_loadb(event, len, 0, &err);
	if (!root) {
		jw_error(w, "invalid JSON event");
		return 0;
	}
	as_s = trimmed(root, "as_of", &as_n);
	recs = json_object_get(root, "records");
	if (!as_s || parse_date(as_s, as_n, 0, &asof)) {
		jw_error(w, "as_of must be a YYYY-MM-DD date");
		goto out;
	}
	if (!json_is_array(recs)) {
		jw_error(w, "event has no records array");
		goto out;
	}
	jw_lit(w, "{\"as_of\":");
	jw_strn(w, as_s, as_n);
	jw_lit(w, ",\"accepted\":[");
	jw_lit(&rej, "");
	json_array_foreach(recs, i, r) {
		const char *reasons[7];
		int nr = 0, t;
		size_t id_n = 0, name_n = 0, em_n = 0, bd_n = 0, am_n = 0, cu_n = 0, co_n = 0;
		const char *id = NULL, *name = NULL, *em = NULL, *bd, *am, *cu = NULL, *co = NULL;
		struct date birth;
		long long cents = 0, rate = 0, usd;

		if (!json_is_object(r)) {
			jw_lit(&rej, n_rej++ ? "," : "");
			jw_lit(&rej, "{\"id\":null,\"reasons\":[\"not an object\"]}");
			continue;
		}
		id = trimmed(r, "id", &id_n);
		if (!id || !id_n)
			id = NULL, reasons[nr++] = "missing id";
		name = trimmed(r, "name", &name_n);
		if (!name || !name_n)
			reasons[nr++] = "missing name";
		em = trimmed(r, "email", &em_n);
		if (!em || !email_ok(em, em_n))
			reasons[nr++] = "invalid email";
		bd = trimmed(r, "birth_date", &bd_n);
		if (!bd || parse_date(bd, bd_n, 1, &birth) || date_cmp(birth, asof) > 0)
			reasons[nr++] = "invalid birth_date";
		am = trimmed(r, "amount", &am_n);
		if (!am || parse_amount(am, am_n, &cents))
			reasons[nr++] = "invalid amount";
		cu = trimmed(r, "currency", &cu_n);
		for (size_t k = 0; cu && cu_n == 3 && k < sizeof rates / sizeof rates[0]; k++)
			if (up(cu[0]) == rates[k].code[0] && up(cu[1]) == rates[k].code[1] &&
			    up(cu[2]) == rates[k].code[2])
				rate = rates[k].micro_usd;
		if (!rate)
			reasons[nr++] = "unsupported currency";
		co = trimmed(r, "country", &co_n);
		if (!co || co_n != 2 || !((up(co[0]) >= 'A' && up(co[0]) <= 'Z') &&
		    (up(co[1]) >= 'A' && up(co[1]) <= 'Z')))
			reasons[nr++] = "invalid country";

		if (nr) {
			jw_lit(&rej, n_rej++ ? ",{\"id\":" : "{\"id\":");
			if (id)
				jw_strn(&rej, id, id_n);
			else
				jw_lit(&rej, "null");
			jw_lit(&rej, ",\"reasons\":[");
			for (int k = 0; k < nr; k++) {
				jw_lit(&rej, k ? "," : "");
				jw_str(&rej, reasons[k]);
			}
			jw_lit(&rej, "]}");
			continue;
		}
		usd = (cents * rate + 500000) / 1000000;
		t = usd >= 100000 ? 0 : usd >= 10000 ? 1 : 2;
		total_usd += usd;
		tiers[t]++;
		jw_lit(w, n_acc++ ? ",{\"id\":" : "{\"id\":");
		jw_strn(w, id, id_n);
		jw_lit(w, ",\"name\":");
		put_name(w, name, name_n);
		jw_lit(w, ",\"email\":");
		put_lower(w, em, em_n, 0);
		jw_lit(w, ",\"birth_date\":");
		char d[16];
		snprintf(d, sizeof d, "%04d-%02d-%02d", birth.y, birth.m, birth.d);
		jw_str(w, d);
		jw_lit(w, ",\"age\":");
		jw_int(w, asof.y - birth.y -
		    (asof.m < birth.m || (asof.m == birth.m && asof.d < birth.d)));
		jw_lit(w, ",\"country\":");
		put_lower(w, co, co_n, 1);
		jw_lit(w, ",\"amount_cents\":");
		jw_int(w, cents);
		jw_lit(w, ",\"currency\":");
		put_lower(w, cu, cu_n, 1);
		jw_lit(w, ",\"amount_usd_cents\":");
		jw_int(w, usd);
		jw_lit(w, ",\"tier\":");
		jw_str(w, tier_names[t]);
		jw_lit(w, "}");
	}
	jw_lit(w, "],\"rejected\":[");
	jw_raw(w, rej.p, rej.len);
	jw_lit(w, "],\"summary\":{\"records\":");
	jw_int(w, (long long)json_array_size(recs));
	jw_lit(w, ",\"accepted\":");
	jw_int(w, (long long)n_acc);
	jw_lit(w, ",\"rejected\":");
	jw_int(w, (long long)n_rej);
	jw_lit(w, ",\"total_usd_cents\":");
	jw_int(w, total_usd);
	jw_lit(w, ",\"by_tier\":{\"gold\":");
	jw_int(w, tiers[0]);
	jw_lit(w, ",\"silver\":");
	jw_int(w, tiers[1]);
	jw_lit(w, ",\"bronze\":");
	jw_int(w, tiers[2]);
	jw_lit(w, "}}}");
	if (rej.oom)
		w->oom = 1;
out:
	free(rej.p);
	json_decref(root);
	return w->oom ? -1 : 0;
}
