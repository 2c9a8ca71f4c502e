/* lp-stats: read invocation records into groups of values (streaming: only
 * the numbers that percentiles need are kept). */
#include "lpstats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jscan.h"
#include "lputil.h"

/* Fixed fields first, then --by keys, fields, selector keys. */
enum { W_TYPE, W_STATUS, W_PLATFORM, W_INIT, W_DUR, W_MEM, W_ARCH, W_IMPL, W_FUNC, W_MEMORY, W_FIXED };
static const char *fixed_paths[W_FIXED] = {"type", "status", "platform", "init_ms", "duration_ms",
					   "max_memory_used_mb", "arch", "impl", "func", "memory_mb"};

/* --- hash table of groups --------------------------------------------- */

static group **tab;
static size_t tabcap;

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static group **slot(const char *key, size_t len)
{
	size_t i = fnv(key, len) & (tabcap - 1);
	while (tab[i] && !(tab[i]->keylen == len && memcmp(tab[i]->key, key, len) == 0))
		i = (i + 1) & (tabcap - 1);
	return &tab[i];
}

static void grow(ctx *c)
{
	size_t oldcap = tabcap;
	group **old = tab;
	tabcap = tabcap ? tabcap * 2 : 64;
	tab = lp_xcalloc(tabcap, sizeof *tab);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			*slot(old[i]->key, old[i]->keylen) = old[i];
	free(old);
	(void)c;
}

void ingest_free(void)
{
	free(tab);
	tab = NULL;
	tabcap = 0;
}

group *group_find(ctx *c, const group *like, int side)
{
	(void)c;
	if (!tabcap)
		return NULL;
	char *k = lp_xmalloc(like->keylen);
	memcpy(k, like->key, like->keylen);
	k[0] = (char)('0' + side);
	group *g = *slot(k, like->keylen);
	free(k);
	return g;
}

/* --- helpers ---------------------------------------------------------- */

static char *field_string(const js_field *f)
{
	char *s = lp_xmalloc(f->len + 1);
	js_string(f, s);
	return s;
}

/* Is the string field equal to lit?  (Decodes only when escaped.) */
static int str_is(const js_field *f, const char *lit)
{
	size_t n = strlen(lit);
	if (f->kind != JS_STRING)
		return 0;
	if (f->len == n + 2 && memcmp(f->raw + 1, lit, n) == 0)
		return 1;
	if (!memchr(f->raw, '\\', f->len))
		return 0;
	char *s = field_string(f);
	int r = strcmp(s, lit) == 0;
	free(s);
	return r;
}

static void bump(count **list, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i].status, name) == 0) {
			(*list)[i].n++;
			return;
		}
	*list = lp_xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[*n].status = lp_xstrdup(name);
	(*list)[*n].n = 1;
	(*n)++;
}

/* JSON value of a scanned field (for group objects): strings and numbers
 * as such, anything else as its JSON text parsed by jansson. */
static json_t *field_json(const js_field *f)
{
	if (f->kind == JS_MISSING)
		return json_null();
	json_error_t je;
	json_t *j = json_loadb(f->raw, f->len, JSON_DECODE_ANY, &je);
	return j ? j : json_null();
}

char *group_label(json_t *gobj, int compact)
{
	char *s = lp_xstrdup("");
	const char *k;
	json_t *v;
	json_object_foreach(gobj, k, v) {
		char *piece;
		if (json_is_string(v))
			piece = lp_xstrdup(json_string_value(v));
		else
			piece = json_dumps(v, JSON_ENCODE_ANY | (compact ? JSON_COMPACT : 0));
		char *n = lp_xasprintf("%s%s%s", s, *s ? " " : "", piece ? piece : "?");
		free(piece);
		free(s);
		s = n;
	}
	if (!*s) {
		free(s);
		s = lp_xstrdup("all");
	}
	return s;
}

static int selected(const selector *sel, js_field *w)
{
	for (size_t i = 0; i < sel->n; i++) {
		js_field *f = &w[i];
		const char *want = sel->kv[i].v;
		if (f->kind == JS_STRING) {
			if (!str_is(f, want))
				return 0;
		} else if (f->kind == JS_NUMBER) {
			double d;
			if (lp_parse_double(want, -INFINITY, INFINITY, &d) != 0 || js_number(f) != d)
				return 0;
		} else if (f->kind == JS_TRUE || f->kind == JS_FALSE || f->kind == JS_NULL) {
			if (f->len != strlen(want) || memcmp(f->raw, want, f->len) != 0)
				return 0;
		} else
			return 0;
	}
	return 1;
}

/* --- reading ---------------------------------------------------------- */

/* Lines straight out of a big read(2) buffer: no copy per line (getline
 * copies every byte once more). */
typedef struct {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
} lreader;

static char *next_line(lreader *r, size_t *len, const char *name)
{
	for (;;) {
		char *l = r->buf + r->start;
		char *nl = memchr(l, '\n', r->end - r->start);
		if (nl) {
			*len = (size_t)(nl - l);
			r->start = (size_t)(nl - r->buf) + 1;
			return l;
		}
		if (r->eof) {
			if (r->start == r->end)
				return NULL;
			*len = r->end - r->start;
			r->start = r->end;
			return l;
		}
		memmove(r->buf, l, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		if (r->end == r->cap) {
			r->cap *= 2;
			r->buf = lp_xrealloc(r->buf, r->cap);
		}
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			lp_err(LP_EXIT_USAGE, "%s: read error", name);
		}
		if (n == 0)
			r->eof = 1;
		else
			r->end += (size_t)n;
	}
}

void ingest(ctx *c, const char *path, int side)
{
	lreader rd = {.fd = STDIN_FILENO, .cap = 1 << 20};
	const char *name = "<stdin>";
	if (path && strcmp(path, "-") != 0) {
		rd.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (rd.fd < 0)
			lp_err(LP_EXIT_USAGE, "%s", path);
		name = path;
	}
	rd.buf = lp_xmalloc(rd.cap);

	size_t ns0 = c->selectors ? c->sel[0].n : 0, ns1 = c->selectors ? c->sel[1].n : 0;
	size_t nw = W_FIXED + c->nby + c->nfields + ns0 + ns1;
	js_field *w = lp_xcalloc(nw, sizeof *w);
	for (size_t i = 0; i < W_FIXED; i++) /* the lambda-perf ones only when needed */
		js_field_init(&w[i], i <= W_PLATFORM || c->lambda_perf ? fixed_paths[i] : "");
	js_field *wby = w + W_FIXED, *wf = wby + c->nby, *ws0 = wf + c->nfields, *ws1 = ws0 + ns0;
	for (size_t i = 0; i < c->nby; i++)
		js_field_init(&wby[i], c->by[i]);
	for (size_t i = 0; i < c->nfields; i++)
		js_field_init(&wf[i], c->fields[i]);
	for (size_t i = 0; i < ns0; i++)
		js_field_init(&ws0[i], c->sel[0].kv[i].k);
	for (size_t i = 0; i < ns1; i++)
		js_field_init(&ws1[i], c->sel[1].kv[i].k);

	js_plan plan;
	js_plan_init(&plan, w, nw);
	if (nw > 64)
		lp_usage_error("too many fields and keys (%zu > 64)", nw);
	char *line, *key = NULL;
	size_t keycap = 0, len;
	unsigned long lineno = 0;
	group *last = NULL;
	js_error e;
	while ((line = next_line(&rd, &len, name)) != NULL) {
		lineno++;
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
			i++;
		if (i == len)
			continue;
		if (js_scan_plan(line, len, &plan, &e) != 0) {
			if (e.path[0])
				lp_errx(LP_EXIT_USAGE, "%s:%lu: field '%s': malformed JSON at column %zu: %s", name, lineno,
					e.path, e.column, e.msg);
			lp_errx(LP_EXIT_USAGE, "%s:%lu: malformed JSON at column %zu: %s", name, lineno, e.column, e.msg);
		}
		if (!str_is(&w[W_TYPE], "invocation")) {
			char *t = w[W_TYPE].kind == JS_STRING ? field_string(&w[W_TYPE]) : lp_xstrdup("(no type)");
			bump(&c->ignored, &c->nignored, t);
			free(t);
			continue;
		}
		if (w[W_STATUS].kind != JS_STRING)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: field 'status': %s, want a string (ok, error, timeout, ...)", name,
				lineno, w[W_STATUS].kind == JS_MISSING ? "missing" : js_kind_name(w[W_STATUS].kind));
		int s = side;
		if (c->selectors) {
			if (selected(&c->sel[SIDE_REF], ws1))
				s = SIDE_REF;
			else if (selected(&c->sel[SIDE_CUR], ws0))
				s = SIDE_CUR;
			else {
				c->unselected++;
				continue;
			}
		}
		c->invocations++;

		/* group key: side, then kind and raw text of each --by value */
		size_t need = 1;
		for (size_t k = 0; k < c->nby; k++)
			need += wby[k].len + 2;
		if (need > keycap) {
			keycap = need * 2;
			key = lp_xrealloc(key, keycap);
		}
		size_t kl = 0;
		key[kl++] = (char)('0' + s);
		for (size_t k = 0; k < c->nby; k++) {
			key[kl++] = (char)('a' + wby[k].kind);
			if (wby[k].len)
				memcpy(key + kl, wby[k].raw, wby[k].len);
			kl += wby[k].len;
			key[kl++] = '\x1f';
		}
		group *g = last;
		if (!g || g->keylen != kl || memcmp(g->key, key, kl) != 0) {
			if (c->ngroups * 2 >= tabcap)
				grow(c);
			group **sl = slot(key, kl);
			if (!*sl) {
				g = lp_xcalloc(1, sizeof *g);
				g->side = s;
				g->key = lp_xmalloc(kl);
				memcpy(g->key, key, kl);
				g->keylen = kl;
				g->gobj = json_object();
				for (size_t k = 0; k < c->nby; k++)
					json_object_set_new(g->gobj, c->by[k], field_json(&wby[k]));
				g->label = group_label(g->gobj, 1);
				g->s = lp_xcalloc(c->nfields, sizeof *g->s);
				*sl = g;
				c->groups = lp_xreallocarray(c->groups, c->ngroups + 1, sizeof *c->groups);
				c->groups[c->ngroups++] = g;
			}
			g = *sl;
			last = g;
		}
		g->records++;
		/* platform: every summary says where its numbers come from */
		if (w[W_PLATFORM].kind == JS_STRING) {
			/* compare the raw text first: no decoding on the common path */
			js_field *pf = &w[W_PLATFORM];
			if (!g->platform) {
				g->platform = field_string(pf);
				g->platform_raw = lp_xmalloc(pf->len);
				memcpy(g->platform_raw, pf->raw, pf->len);
				g->platform_rawlen = pf->len;
			} else if (!(pf->len == g->platform_rawlen && memcmp(pf->raw, g->platform_raw, pf->len) == 0)) {
				char *p = field_string(pf);
				if (strcmp(g->platform, p) != 0)
					g->platform_mixed = 1;
				free(p);
			}
		} else
			g->platform_mixed = 1;

		if (!str_is(&w[W_STATUS], "ok")) {
			char *st = field_string(&w[W_STATUS]);
			bump(&g->excl, &g->nexcl, st);
			free(st);
			g->excluded++;
			continue;
		}
		for (size_t k = 0; k < c->nfields; k++) {
			js_field *f = &wf[k];
			series *sr = &g->s[k];
			if (f->kind != JS_MISSING)
				c->seen_field[k]++;
			if (f->kind == JS_NUMBER) {
				double d = js_number(f);
				if (!isfinite(d))
					lp_errx(LP_EXIT_USAGE, "%s:%lu: field '%s': %.*s is out of the range of a double",
						name, lineno, c->fields[k], (int)(f->len > 40 ? 40 : f->len), f->raw);
				if (sr->n == sr->cap) {
					sr->cap = sr->cap ? sr->cap * 2 : 64;
					sr->v = lp_xreallocarray(sr->v, sr->cap, sizeof *sr->v);
				}
				sr->v[sr->n++] = d;
			} else if (f->kind == JS_NULL || f->kind == JS_MISSING) {
				sr->n_null++;
			} else {
				lp_errx(LP_EXIT_USAGE, "%s:%lu: field '%s': found %s %.*s, want a number (or null)", name,
					lineno, c->fields[k], js_kind_name(f->kind), (int)(f->len > 40 ? 40 : f->len), f->raw);
			}
		}
		if (c->lambda_perf && g->lpn < 10 && w[W_INIT].kind == JS_NUMBER) {
			size_t j = g->lpn++;
			g->lpi[j] = js_number(&w[W_INIT]);
			if (!isfinite(g->lpi[j]))
				lp_errx(LP_EXIT_USAGE, "%s:%lu: field 'init_ms': out of range", name, lineno);
			g->lpdur_ok[j] = w[W_DUR].kind == JS_NUMBER && isfinite(g->lpdur[j] = js_number(&w[W_DUR]));
			g->lpmem_ok[j] = w[W_MEM].kind == JS_NUMBER && isfinite(g->lpmem[j] = js_number(&w[W_MEM]));
			if (!g->arch && w[W_ARCH].kind == JS_STRING)
				g->arch = field_string(&w[W_ARCH]);
			if (!g->impl && w[W_IMPL].kind == JS_STRING)
				g->impl = field_string(&w[W_IMPL]);
			if (!g->func && w[W_FUNC].kind == JS_STRING)
				g->func = field_string(&w[W_FUNC]);
			if (!g->memory_ok && w[W_MEMORY].kind == JS_NUMBER) {
				g->memory_mb = js_number(&w[W_MEMORY]);
				g->memory_ok = isfinite(g->memory_mb);
			}
		}
	}
	free(rd.buf);
	free(key);
	free(w);
	if (rd.fd != STDIN_FILENO)
		close(rd.fd);
}

/* --- ordering: groups sort by their key values, numbers numerically, so
 * the output does not depend on the input order. */

static int cmp_json(json_t *a, json_t *b)
{
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);
		return (x > y) - (x < y);
	}
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	return (int)json_typeof(a) - (int)json_typeof(b);
}

static int cmp_group(const void *pa, const void *pb)
{
	const group *a = *(group *const *)pa, *b = *(group *const *)pb;
	if (a->side != b->side)
		return a->side - b->side;
	const char *k;
	json_t *v;
	json_object_foreach(a->gobj, k, v) {
		int r = cmp_json(v, json_object_get(b->gobj, k));
		if (r)
			return r;
	}
	return 0;
}

void groups_sort(ctx *c)
{
	if (c->ngroups > 1)
		qsort(c->groups, c->ngroups, sizeof *c->groups, cmp_group);
}

void series_summarize(series *s)
{
	if (s->done)
		return;
	s->done = 1;
	st_sort(s->v, s->n);
	s->sorted = 1;
	s->mean = s->sd = s->cv = s->min = s->max = s->p50 = s->p90 = s->p95 = s->p99 = NAN;
	memset(&s->out, 0, sizeof s->out);
	s->out.mad = s->out.median = NAN;
	if (s->n == 0)
		return;
	st_acc a = {0};
	for (size_t i = 0; i < s->n; i++)
		st_acc_add(&a, s->v[i]);
	s->mean = a.mean;
	s->sd = st_acc_sd(&a);
	s->cv = (isfinite(s->sd) && s->mean != 0) ? 100.0 * s->sd / fabs(s->mean) : NAN;
	s->min = s->v[0];
	s->max = s->v[s->n - 1];
	s->p50 = st_percentile(s->v, s->n, 50);
	s->p90 = st_percentile(s->v, s->n, 90);
	s->p95 = st_percentile(s->v, s->n, 95);
	s->p99 = st_percentile(s->v, s->n, 99);
	s->mci_ok = st_mean_ci(s->n, s->mean, s->sd, 0.95, &s->mci_lo, &s->mci_hi) == 0;
	s->dci_ok = st_median_ci(s->v, s->n, 0.95, &s->dci_lo, &s->dci_hi, &s->dci_cov, &s->dci_rlo, &s->dci_rhi) == 0;
	double *scratch = lp_xreallocarray(NULL, s->n, sizeof *scratch);
	st_find_outliers(s->v, s->n, scratch, &s->out);
	free(scratch);
}

const char *unit_of(const char *field)
{
	static const char *units[][2] = {{"_ms", "ms"}, {"_us", "us"}, {"_ns", "ns"}, {"_kb", "kb"},
					 {"_mb", "mb"}, {"_bytes", "bytes"}, {"_pct", "%"}};
	size_t n = strlen(field);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t m = strlen(units[i][0]);
		if (n > m && strcmp(field + n - m, units[i][0]) == 0)
			return units[i][1];
	}
	return NULL;
}
