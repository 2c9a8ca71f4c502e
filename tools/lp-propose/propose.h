/* lp-propose internals: the catalogue (catalogue.c), proposals (main.c),
 * the sweep summary (sweep.c), the report (report.c) and the validation of
 * applied proposals (confirm.c). */
#ifndef LP_PROPOSE_H
#define LP_PROPOSE_H

#include <jansson.h>
#include <stddef.h>

/* One catalogue entry (share/proposals/catalogue, docs/lp-propose.1). */
typedef struct {
	char *id, *layer, *title, *change, *effort, *assumption, *validate, *metric;
	char **answers;   /* rule names */
	size_t nanswers;
	char **impls;     /* empty: every implementation */
	size_t nimpls;
	char **match;     /* "field=glob" / "field!=glob", all must hold */
	size_t nmatch;
	char *sweep;      /* "key=value,..." | "best" | "smallest" | NULL */
	double fraction;  /* NAN when none */
	int no_gain;      /* gain: none */
	char *at;         /* FILE:LINE of the stanza */
} pr_entry;

typedef struct {
	pr_entry *v;
	size_t n;
} pr_catalogue;

void pr_catalogue_load(pr_catalogue *c, const char *path);
void pr_catalogue_free(pr_catalogue *c);
double pr_effort_weight(const char *effort); /* S 1, M 2, L 4 */

/* Everything read from the input stream. */
typedef struct {
	json_t *bottlenecks, *skipped, *variants, *proposals, *comparisons, *binaries;
	json_t *hot_profile;   /* last profile record of a sampling run, or NULL */
	char *func, *impl, *platform, *arch;
	double memory_mb;
	void *cold;            /* qt_cold * */
} pr_input;

void pr_read(pr_input *in, int argc, char **argv);
void pr_input_free(pr_input *in);

/* Substitute {name} from vars (a JSON object of strings/numbers). */
char *pr_template(const char *tpl, const json_t *vars);

int pr_sweep_main(int argc, char **argv);
int pr_confirm_main(int argc, char **argv);
void pr_markdown(const pr_input *in, const json_t *proposals, size_t top, const char *results_dir);
void pr_table(const pr_input *in, const json_t *proposals, size_t top);

#endif
