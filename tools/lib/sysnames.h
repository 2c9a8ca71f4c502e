/* sysnames — x86_64 syscall number -> name.  Prefix: sn_. */
#ifndef SYSNAMES_H
#define SYSNAMES_H

/* "openat", ...; NULL for a number without a name (caller prints
 * "syscall_NNN"). */
const char *sn_name(long nr);
/* One past the highest known number. */
long sn_count(void);

#endif
