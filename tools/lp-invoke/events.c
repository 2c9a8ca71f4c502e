/* events — where lp-invoke's events come from, for every platform:
 * --event FILE (one JSON document, the file's bytes sent as they are, less
 * trailing newlines, for every invocation) or NDJSON events on stdin. */
#include "invoke.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lputil.h"

static void load_event_file(struct inv_events *ev, const char *path)
{
	/* Parse first, so a malformed event is an input error with its line,
	 * not something the function is handed. */
	json_error_t je;
	json_t *j = json_load_file(path, JSON_DECODE_ANY, &je);
	if (!j) {
		if (access(path, R_OK) != 0)
			lp_err(LP_EXIT_USAGE, "%s", path);
		lp_errx(LP_EXIT_USAGE, "%s:%d: %s", path, je.line, je.text);
	}
	json_decref(j);
	FILE *f = fopen(path, "re");
	if (!f)
		lp_err(LP_EXIT_USAGE, "%s", path);
	size_t cap = 4096, n = 0;
	char *b = lp_xmalloc(cap);
	size_t r;
	while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0)
			b = lp_xrealloc(b, cap *= 2);
	}
	if (ferror(f))
		lp_err(LP_EXIT_USAGE, "%s", path);
	fclose(f);
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	b[n] = '\0';
	ev->fixed = b;
	ev->fixed_len = n;
}

void inv_events_open(struct inv_events *ev, const char *event_file)
{
	memset(ev, 0, sizeof *ev);
	if (event_file) {
		load_event_file(ev, event_file);
	} else {
		if (isatty(0))
			lp_usage_error("no events: give --event FILE or NDJSON events on stdin");
		ev->in = nd_open("-");
	}
}

int inv_next_event(struct inv_events *ev, char **buf, size_t *len)
{
	if (ev->fixed) {
		*buf = lp_xmalloc(ev->fixed_len + 1);
		memcpy(*buf, ev->fixed, ev->fixed_len + 1);
		*len = ev->fixed_len;
		return 1;
	}
	json_t *j = nd_read(ev->in);
	if (!j)
		return 0;
	*buf = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (!*buf)
		lp_errx(LP_EXIT_ENV, "out of memory");
	*len = strlen(*buf);
	return 1;
}

void inv_events_close(struct inv_events *ev)
{
	if (ev->in)
		nd_close(ev->in);
	free(ev->fixed);
	memset(ev, 0, sizeof *ev);
}
