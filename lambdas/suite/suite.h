/* suite.h — the one entry point every suite function's C handler exports.
 * suite_handle: write the response to the event (len bytes, not
 * NUL-terminated) into *w; 0 on success, -1 if out of memory. A rejected
 * event is a normal response ({"error": ...}), not a failure. */
#ifndef SUITE_H
#define SUITE_H
#include <stddef.h>
#include "jw.h"
int suite_handle(const char *event, size_t len, jw *w);
#endif
