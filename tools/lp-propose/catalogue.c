/* The proposal catalogue: stanzas of "field: value" lines separated by
 * blank lines, '#' comments, a line starting with whitespace continues the
 * previous field (RFC 822 style).  Read at run time, so adding an entry
 * needs no recompiling.  Format in docs/lp-propose.1 (CATALOGUE). */
#include "propose.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"

double pr_effort_weight(const char *effort)
{
	if (!effort)
		return NAN;
	return strcmp(effort, "S") == 0 ? 1 : strcmp(effort, "M") == 0 ? 2 : strcmp(effort, "L") == 0 ? 4 : NAN;
}

static char **split_words(const char *s, size_t *n)
{
	char **v = NULL;
	*n = 0;
	char *dup = lp_xstrdup(s), *save = NULL;
	for (char *t = strtok_r(dup, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		v = lp_xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = lp_xstrdup(t);
	}
	free(dup);
	return v;
}

static void free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void set_field(pr_entry *e, const char *file, unsigned long line, const char *key, const char *val)
{
	char **dst = NULL;
	if (strcmp(key, "id") == 0) dst = &e->id;
	else if (strcmp(key, "layer") == 0) dst = &e->layer;
	else if (strcmp(key, "title") == 0) dst = &e->title;
	else if (strcmp(key, "change") == 0) dst = &e->change;
	else if (strcmp(key, "effort") == 0) dst = &e->effort;
	else if (strcmp(key, "assumption") == 0) dst = &e->assumption;
	else if (strcmp(key, "validate") == 0) dst = &e->validate;
	else if (strcmp(key, "metric") == 0) dst = &e->metric;
	else if (strcmp(key, "sweep") == 0) dst = &e->sweep;
	if (dst) {
		if (*dst)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: field '%s' given twice in one entry", file, line, key);
		*dst = lp_xstrdup(val);
		return;
	}
	if (strcmp(key, "answers") == 0) {
		if (e->answers)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: field 'answers' given twice in one entry", file, line);
		e->answers = split_words(val, &e->nanswers);
	} else if (strcmp(key, "impl") == 0) {
		if (e->impls)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: field 'impl' given twice in one entry", file, line);
		e->impls = split_words(val, &e->nimpls);
	} else if (strcmp(key, "match") == 0) {
		if (!strchr(val, '='))
			lp_errx(LP_EXIT_USAGE, "%s:%lu: match wants FIELD=GLOB or FIELD!=GLOB, got '%s'", file, line, val);
		e->match = lp_xreallocarray(e->match, e->nmatch + 1, sizeof *e->match);
		e->match[e->nmatch++] = lp_xstrdup(val);
	} else if (strcmp(key, "gain") == 0) {
		/* "share F": gain = F x the bottleneck's measured impact. */
		double f;
		if (strcmp(val, "none") == 0) {
			e->no_gain = 1;
			return;
		}
		if (strncmp(val, "share ", 6) != 0 || lp_parse_double(val + 6, 0, 1, &f) != 0)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: gain wants 'share F' with F in 0..1 or 'none', got '%s'", file, line, val);
		if (!isnan(e->fraction))
			lp_errx(LP_EXIT_USAGE, "%s:%lu: field 'gain' given twice in one entry", file, line);
		e->fraction = f;
	} else {
		lp_errx(LP_EXIT_USAGE, "%s:%lu: unknown field '%s'", file, line, key);
	}
}

static void check_entry(const pr_entry *e, const char *file)
{
	const char *missing = !e->id ? "id" : !e->layer ? "layer" : !e->title ? "title" : !e->change ? "change"
			    : !e->effort ? "effort" : !e->answers ? "answers" : !e->validate ? "validate" : NULL;
	if (missing)
		lp_errx(LP_EXIT_USAGE, "%s: entry at %s has no '%s'", file, e->at, missing);
	if (isnan(pr_effort_weight(e->effort)))
		lp_errx(LP_EXIT_USAGE, "%s: entry '%s': effort '%s' is not S, M or L", e->at, e->id, e->effort);
	static const char *const layers[] = { "transpiler", "runtime", "build", "handler", NULL };
	int ok = 0;
	for (const char *const *l = layers; *l; l++)
		ok |= strcmp(*l, e->layer) == 0;
	if (!ok)
		lp_errx(LP_EXIT_USAGE, "%s: entry '%s': layer '%s' is not transpiler, runtime, build or handler", e->at,
			e->id, e->layer);
	if (isnan(e->fraction) && !e->sweep && !e->no_gain)
		lp_errx(LP_EXIT_USAGE, "%s: entry '%s' has none of 'gain: share F', 'gain: none', 'sweep:'",
			e->at, e->id);
	if (!isnan(e->fraction) && !e->assumption)
		lp_errx(LP_EXIT_USAGE, "%s: entry '%s': 'gain: share' needs its 'assumption:'", e->at, e->id);
}

void pr_catalogue_load(pr_catalogue *c, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		lp_err(errno == ENOENT ? LP_EXIT_ENV : LP_EXIT_USAGE, "catalogue %s", path);
	memset(c, 0, sizeof *c);
	char *line = NULL, *key = NULL, *val = NULL;
	size_t cap = 0;
	unsigned long ln = 0, key_ln = 0;
	pr_entry *cur = NULL;
	ssize_t n;
	for (;;) {
		n = getline(&line, &cap, f);
		if (n >= 0)
			ln++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		int blank = n < 0;
		if (!blank) {
			size_t i = 0;
			while (line[i] == ' ' || line[i] == '\t')
				i++;
			blank = line[i] == 0;
			if (line[i] == '#')
				continue;
			if (!blank && i > 0) { /* continuation */
				if (!key)
					lp_errx(LP_EXIT_USAGE, "%s:%lu: continuation line without a field", path, ln);
				char *nv = lp_xasprintf("%s %s", val, line + i);
				free(val);
				val = nv;
				continue;
			}
		}
		/* A new field, a blank line or the end: the pending field is whole. */
		if (key) {
			set_field(cur, path, key_ln, key, val);
			free(key);
			free(val);
			key = val = NULL;
		}
		if (blank) {
			if (cur)
				check_entry(cur, path);
			cur = NULL;
			if (n < 0)
				break;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: want 'field: value', got '%s'", path, ln, line);
		if (!cur) {
			c->v = lp_xreallocarray(c->v, c->n + 1, sizeof *c->v);
			cur = &c->v[c->n++];
			memset(cur, 0, sizeof *cur);
			cur->fraction = NAN;
			cur->at = lp_xasprintf("%s:%lu", path, ln);
		}
		if ((key = strndup(line, (size_t)(colon - line))) == NULL)
			lp_err(LP_EXIT_ENV, "strndup");
		const char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		val = lp_xstrdup(v);
		key_ln = ln;
	}
	if (ferror(f))
		lp_err(LP_EXIT_ENV, "%s: read error", path);
	free(line);
	fclose(f);
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->v[i].id, c->v[j].id) == 0)
				lp_errx(LP_EXIT_USAGE, "%s: id '%s' is already used at %s", c->v[i].at, c->v[i].id, c->v[j].at);
	if (c->n == 0)
		lp_errx(LP_EXIT_USAGE, "%s: no entries", path);
}

void pr_catalogue_free(pr_catalogue *c)
{
	for (size_t i = 0; i < c->n; i++) {
		pr_entry *e = &c->v[i];
		free(e->id);
		free(e->layer);
		free(e->title);
		free(e->change);
		free(e->effort);
		free(e->assumption);
		free(e->validate);
		free(e->metric);
		free(e->sweep);
		free(e->at);
		free_words(e->answers, e->nanswers);
		free_words(e->impls, e->nimpls);
		free_words(e->match, e->nmatch);
	}
	free(c->v);
}
