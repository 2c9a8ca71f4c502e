/* ndjson — newline-delimited JSON records (jansson).  Prefix: nd_.
 *
 * Reading: blank lines are skipped; a line that is not a JSON object is an
 * input error reported as "FILE:LINE: message" with exit 2, so no tool ever
 * computes a number from a half-read stream.
 * Writing: one compact object per line, flushed at once, so an interrupted
 * run keeps every finished record whole. */
#ifndef NDJSON_H
#define NDJSON_H

#include <jansson.h>
#include <stdio.h>

typedef struct nd_reader nd_reader;

/* path "-" or NULL reads stdin.  Exits 2 if the file cannot be opened. */
nd_reader *nd_open(const char *path);
/* Next object (caller owns the reference), NULL at end of input. */
json_t *nd_read(nd_reader *r);
const char *nd_name(const nd_reader *r); /* "<stdin>" for stdin */
unsigned long nd_line(const nd_reader *r); /* line of the last record */
void nd_close(nd_reader *r);

/* Write rec as one line to f and flush; a write error exits 3. */
void nd_write(FILE *f, const json_t *rec);
/* Same, then drop the reference (convenient for json_pack results). */
void nd_emit(FILE *f, json_t *rec);

/* Look up "a.b.c" in nested objects; NULL when any step is missing. */
json_t *nd_get_path(const json_t *obj, const char *dotted);
/* 1: number stored in *out; 0: missing or null; -1: present but not a
 * finite number. */
int nd_get_number(const json_t *obj, const char *dotted, double *out);
/* The number nd_get_number finds, else NaN (missing, null or not a finite
 * number): for sorting and arithmetic where NaN already means "none". */
double nd_num(const json_t *obj, const char *dotted);
/* String field or NULL. */
const char *nd_get_string(const json_t *obj, const char *dotted);

/* json_real that stays an integer-looking value out of the output when it
 * is integral is not wanted: times are always reals.  NaN/inf become null. */
json_t *nd_real(double v);

#endif
