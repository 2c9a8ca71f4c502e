/* dzip — deterministic zip archives for Lambda deployment packages, and a
 * careful extractor for the ones `lp-invoke serve` receives.  Prefix: dz_.
 *
 * Writer: entries sorted by name, deflate (zlib, level 9, raw), a fixed
 * DOS timestamp (1980-01-01 00:00:00), the mode given per entry (0755 for
 * bootstrap) as Unix external attributes, no extra fields, no comment, no
 * data descriptors: the same input files give the same bytes, every time.
 *
 * Extractor: stored and deflated entries, CRC-checked; refuses absolute
 * names, "..", symlinks, zip64, encrypted entries and more than
 * DZ_MAX_UNZIPPED bytes (Lambda's 250 MB unzipped limit). */
#ifndef DZIP_H
#define DZIP_H

#include <stddef.h>

#define DZ_MAX_UNZIPPED 262144000ULL /* Lambda: 250 MB unzipped */

struct dz_entry {
	const char *name;  /* name inside the archive ("bootstrap") */
	const char *path;  /* file to read */
	unsigned mode;     /* permission bits, e.g. 0755 */
};

/* Write the archive to zip_path (through a temporary file and rename).
 * 0 ok, -1 with err. */
int dz_write(const char *zip_path, const struct dz_entry *entries, size_t n,
    char *err, size_t errlen);

/* Extract an archive held in memory into dir (created if missing).
 * 0 ok, -1 with err (dir may then hold part of the files). */
int dz_extract(const void *zip, size_t len, const char *dir, char *err, size_t errlen);

/* Read a whole file into memory (NUL-terminated); NULL with err. */
unsigned char *dz_read_file(const char *path, size_t *len, char *err, size_t errlen);

#endif
