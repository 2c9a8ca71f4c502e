/* flame — stack aggregation and its three renderings: folded stacks
 * (Brendan Gregg's "a;b;c 123", readable by flamegraph.pl, inferno and
 * speedscope), speedscope JSON, and a self-contained interactive SVG flame
 * graph (hover: frame and share; click: zoom; Search: regex highlight and
 * the matched share; URL fragment "#s=REGEX" searches on load, "#z=NAME"
 * clicks the first frame named NAME, for scripted checks).  Prefix: fg_. */
#ifndef FLAME_H
#define FLAME_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fg_tree fg_tree;

fg_tree *fg_new(void);
void fg_free(fg_tree *t);
/* frames[0] is the root (outermost caller), frames[n-1] the leaf.  Names
 * are copied; ';' and newlines in names become ':' and ' '. */
void fg_add(fg_tree *t, const char *const *frames, size_t n, uint64_t count);
uint64_t fg_total(const fg_tree *t);
/* -1 on a write error (errno set). */
int fg_write_folded(const fg_tree *t, FILE *f);
/* title: heading; subtitle: one line of context (may be NULL). */
int fg_write_svg(const fg_tree *t, FILE *f, const char *title, const char *subtitle);
/* A speedscope document (https://www.speedscope.app/file-format-schema.json)
 * with one "sampled" profile per tree, sharing one frame table. */
json_t *fg_speedscope(const fg_tree *const *trees, const char *const *names,
    size_t n, const char *doc_name);

#endif
