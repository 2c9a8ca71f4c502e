/* Unit tests for tools/lib/dzip: deterministic archives that unzip reads,
 * byte-identical twice, round-trip through the extractor; hostile archives
 * are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dzip.h"
#include "tap.h"

static void
write_file(const char *path, const char *data, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(3);
	}
	chmod(path, mode);
}

int
main(void)
{
	char dir[] = "/tmp/lp-dzip-XXXXXX", err[512];
	if (mkdtemp(dir) == NULL)
		return perror("mkdtemp"), 3;
	char p1[256], p2[256], z1[256], z2[256], out[256], big[8192];
	snprintf(p1, sizeof p1, "%s/bootstrap", dir);
	snprintf(p2, sizeof p2, "%s/data.txt", dir);
	snprintf(z1, sizeof z1, "%s/a.zip", dir);
	snprintf(z2, sizeof z2, "%s/b.zip", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7 % 251);
	write_file(p1, big, sizeof big, 0700);
	write_file(p2, "hello\n", 6, 0600);

	struct dz_entry e[] = { { "data.txt", p2, 0644 }, { "bootstrap", p1, 0755 } };
	ok(dz_write(z1, e, 2, err, sizeof err) == 0, "an archive is written");
	/* touch the inputs: the archive must not depend on file times */
	write_file(p1, big, sizeof big, 0777);
	ok(dz_write(z2, e, 2, err, sizeof err) == 0, "the same files are archived again");

	size_t n1, n2;
	unsigned char *a = dz_read_file(z1, &n1, err, sizeof err), *b = dz_read_file(z2, &n2, err, sizeof err);
	ok(a && b && n1 == n2 && memcmp(a, b, n1) == 0, "the two archives are byte-identical");
	ok(n1 > 22 && memcmp(a, "PK\003\004", 4) == 0, "the archive starts with a local file header");
	ok(memcmp(a + 30, "bootstrap", 9) == 0, "entries are sorted by name (bootstrap first)");
	ok(a[10] == 0 && a[11] == 0 && a[12] == 0x21 && a[13] == 0, "the timestamp is fixed at 1980-01-01 00:00");

	char cmd[1024];
	snprintf(cmd, sizeof cmd, "unzip -Z -l %s 2>&1 | grep -q -- '-rwxr-xr-x.*bootstrap'", z1);
	ok(system(cmd) == 0, "unzip lists bootstrap with mode 0755");
	snprintf(cmd, sizeof cmd, "unzip -tq %s >/dev/null 2>&1", z1);
	ok(system(cmd) == 0, "unzip -t finds no error in the archive");

	ok(dz_extract(a, n1, out, err, sizeof err) == 0, "the extractor reads the archive back");
	char q[300];
	snprintf(q, sizeof q, "%s/bootstrap", out);
	size_t bn;
	unsigned char *bb = dz_read_file(q, &bn, err, sizeof err);
	ok(bb && bn == sizeof big && memcmp(bb, big, bn) == 0, "the bootstrap round-trips byte for byte");
	struct stat st;
	ok(stat(q, &st) == 0 && (st.st_mode & 0777) == 0755, "the bootstrap is extracted executable (0755)");
	free(bb);

	/* corruptions */
	unsigned char *c = malloc(n1);
	memcpy(c, a, n1);
	c[30 + 9 + 5] ^= 0xff; /* a byte inside the deflated bootstrap */
	ok(dz_extract(c, n1, out, err, sizeof err) == -1, "a corrupted entry is refused (%s)", err);
	ok(dz_extract(a, 10, out, err, sizeof err) == -1 && strstr(err, "not a zip"), "a truncated file is not a zip");
	memcpy(c, a, n1);
	/* rename the first central entry to "../x......" */
	size_t cdoff = (size_t)a[n1 - 6] | (size_t)a[n1 - 5] << 8 | (size_t)a[n1 - 4] << 16;
	memcpy(c + cdoff + 46, "../evil", 7);
	ok(dz_extract(c, n1, out, err, sizeof err) == -1 && strstr(err, "unsafe name"), "a name with .. is refused");
	memcpy(c, a, n1);
	c[cdoff + 46] = '/';
	ok(dz_extract(c, n1, out, err, sizeof err) == -1 && strstr(err, "unsafe name"), "an absolute name is refused");
	memcpy(c, a, n1);
	c[cdoff + 40] = 0xff; c[cdoff + 41] = 0xa1; /* S_IFLNK | 0777 */
	ok(dz_extract(c, n1, out, err, sizeof err) == -1 && strstr(err, "symbolic link"), "a symlink entry is refused");
	free(c);
	free(a);
	free(b);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 3;
	return tap_done();
}
