/* dzip — deterministic zip writer and careful extractor (zlib). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dzip.h"
#include "lputil.h"

#define DZ_DOS_DATE 0x0021 /* 1980-01-01 */
#define DZ_DOS_TIME 0x0000 /* 00:00:00 */

unsigned char *
dz_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t cap = 65536, n = 0, r;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = lp_xmalloc(cap + 1);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = lp_xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24 & 0xff;
}

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
dz_cmp(const void *a, const void *b)
{
	const struct dz_entry *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* raw deflate of the whole buffer; NULL on failure */
static unsigned char *
dz_deflate(const unsigned char *in, size_t len, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong bound = deflateBound(&z, (uLong)len);
	unsigned char *out = lp_xmalloc(bound + 1);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

int
dz_write(const char *zip_path, const struct dz_entry *entries, size_t n,
    char *err, size_t errlen)
{
	struct dz_entry *e = lp_xreallocarray(NULL, n ? n : 1, sizeof *e);
	unsigned char *cd = NULL, hdr[64];
	size_t cdlen = 0, off = 0;
	char *tmp = lp_xasprintf("%s.tmp.%ld", zip_path, (long)getpid());
	FILE *f = NULL;
	int rc = -1;

	memcpy(e, entries, n * sizeof *e);
	qsort(e, n, sizeof *e, dz_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(e[i - 1].name, e[i].name) == 0) {
			snprintf(err, errlen, "duplicate entry %s", e[i].name);
			goto out;
		}
	if ((f = fopen(tmp, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len, clen, nlen = strlen(e[i].name);
		unsigned char *data = dz_read_file(e[i].path, &len, err, errlen), *z;
		if (data == NULL)
			goto out;
		if (len >= 0xffffffffUL || off >= 0xffffffffUL) {
			snprintf(err, errlen, "%s: too large for a zip without zip64", e[i].path);
			free(data);
			goto out;
		}
		uint32_t crc = (uint32_t)crc32(0L, data, (uInt)len);
		if ((z = dz_deflate(data, len, &clen)) == NULL) {
			snprintf(err, errlen, "%s: deflate failed", e[i].path);
			free(data);
			goto out;
		}
		free(data);
		/* local file header */
		put32(hdr, 0x04034b50);
		put16(hdr + 4, 20);            /* version needed: 2.0 (deflate) */
		put16(hdr + 6, 0);             /* flags: no data descriptor */
		put16(hdr + 8, 8);             /* deflate */
		put16(hdr + 10, DZ_DOS_TIME);
		put16(hdr + 12, DZ_DOS_DATE);
		put32(hdr + 14, crc);
		put32(hdr + 18, (uint32_t)clen);
		put32(hdr + 22, (uint32_t)len);
		put16(hdr + 26, (unsigned)nlen);
		put16(hdr + 28, 0);            /* no extra field */
		if (fwrite(hdr, 1, 30, f) != 30 || fwrite(e[i].name, 1, nlen, f) != nlen ||
		    fwrite(z, 1, clen, f) != clen) {
			snprintf(err, errlen, "%s: write: %s", tmp, strerror(errno));
			free(z);
			goto out;
		}
		free(z);
		/* central directory entry */
		cd = lp_xrealloc(cd, cdlen + 46 + nlen);
		unsigned char *c = cd + cdlen;
		put32(c, 0x02014b50);
		put16(c + 4, 3 << 8 | 20);     /* made by Unix, spec 2.0 */
		put16(c + 6, 20);
		put16(c + 8, 0);
		put16(c + 10, 8);
		put16(c + 12, DZ_DOS_TIME);
		put16(c + 14, DZ_DOS_DATE);
		put32(c + 16, crc);
		put32(c + 20, (uint32_t)clen);
		put32(c + 24, (uint32_t)len);
		put16(c + 28, (unsigned)nlen);
		put16(c + 30, 0);
		put16(c + 32, 0);
		put16(c + 34, 0);
		put16(c + 36, 0);
		put32(c + 38, (uint32_t)(S_IFREG | (e[i].mode & 07777)) << 16);
		put32(c + 42, (uint32_t)off);
		memcpy(c + 46, e[i].name, nlen);
		cdlen += 46 + nlen;
		off += 30 + nlen + clen;
	}
	put32(hdr, 0x06054b50);
	put16(hdr + 4, 0);
	put16(hdr + 6, 0);
	put16(hdr + 8, (unsigned)n);
	put16(hdr + 10, (unsigned)n);
	put32(hdr + 12, (uint32_t)cdlen);
	put32(hdr + 16, (uint32_t)off);
	put16(hdr + 20, 0);
	if ((cdlen && fwrite(cd, 1, cdlen, f) != cdlen) || fwrite(hdr, 1, 22, f) != 22 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: write: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, zip_path) != 0) {
		snprintf(err, errlen, "rename %s -> %s: %s", tmp, zip_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(cd);
	free(e);
	return rc;
}

/* mkdir -p of the parents of path (relative to dirfd-less absolute path) */
static int
dz_mkparents(char *path, char *err, size_t errlen)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

static int
dz_bad_name(const char *name, size_t len)
{
	if (len == 0 || name[0] == '/' || memchr(name, '\\', len) || memchr(name, '\0', len))
		return 1;
	/* no ".." component anywhere */
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && name[j] != '/')
			j++;
		if (j - i == 2 && name[i] == '.' && name[i + 1] == '.')
			return 1;
		i = j + 1;
	}
	return 0;
}

int
dz_extract(const void *zip, size_t len, const char *dir, char *err, size_t errlen)
{
	const unsigned char *z = zip, *eocd = NULL;
	unsigned long long total = 0;

	if (len < 22) {
		snprintf(err, errlen, "not a zip file (%zu bytes)", len);
		return -1;
	}
	/* the end record is within the last 22 + 65535 bytes */
	for (size_t i = len - 22 + 1; i-- > 0 && len - i <= 22 + 65535;)
		if (get32(z + i) == 0x06054b50) {
			eocd = z + i;
			break;
		}
	if (eocd == NULL) {
		snprintf(err, errlen, "not a zip file: no end of central directory record");
		return -1;
	}
	unsigned count = get16(eocd + 10);
	uint32_t cdsize = get32(eocd + 12), cdoff = get32(eocd + 16);
	if (count == 0xffff || cdoff == 0xffffffffU) {
		snprintf(err, errlen, "zip64 archives are not supported");
		return -1;
	}
	if ((size_t)cdoff + cdsize > (size_t)(eocd - z)) {
		snprintf(err, errlen, "corrupt zip: central directory outside the file");
		return -1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	const unsigned char *c = z + cdoff, *cend = z + cdoff + cdsize;
	for (unsigned i = 0; i < count; i++) {
		if (c + 46 > cend || get32(c) != 0x02014b50) {
			snprintf(err, errlen, "corrupt zip: bad central directory entry %u", i + 1);
			return -1;
		}
		unsigned flags = get16(c + 8), method = get16(c + 10);
		uint32_t crc = get32(c + 16), clen = get32(c + 20), ulen = get32(c + 24);
		unsigned nlen = get16(c + 28), xlen = get16(c + 30), klen = get16(c + 32);
		uint32_t ext = get32(c + 38), loff = get32(c + 42);
		const char *name = (const char *)c + 46;
		if (c + 46 + nlen + xlen + klen > cend) {
			snprintf(err, errlen, "corrupt zip: entry %u runs past the directory", i + 1);
			return -1;
		}
		if (dz_bad_name(name, nlen)) {
			snprintf(err, errlen, "zip entry %u has an unsafe name \"%.*s\"", i + 1,
			    (int)(nlen > 80 ? 80 : nlen), name);
			return -1;
		}
		if (flags & 1) {
			snprintf(err, errlen, "zip entry %.*s is encrypted", (int)nlen, name);
			return -1;
		}
		unsigned made_by = get16(c + 4) >> 8;
		unsigned mode = made_by == 3 ? ext >> 16 : 0;
		if (made_by == 3 && (mode & S_IFMT) == S_IFLNK) {
			snprintf(err, errlen, "zip entry %.*s is a symbolic link (refused)", (int)nlen, name);
			return -1;
		}
		char *path = lp_xasprintf("%s/%.*s", dir, (int)nlen, name);
		if (dz_mkparents(path, err, errlen) < 0) {
			free(path);
			return -1;
		}
		if (name[nlen - 1] == '/') {
			if (mkdir(path, 0755) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
				free(path);
				return -1;
			}
			free(path);
			c += 46 + nlen + xlen + klen;
			continue;
		}
		total += ulen;
		if (total > DZ_MAX_UNZIPPED) {
			snprintf(err, errlen, "zip unpacks to more than %llu bytes (Lambda's limit)",
			    (unsigned long long)DZ_MAX_UNZIPPED);
			free(path);
			return -1;
		}
		const unsigned char *l = z + loff;
		if ((size_t)loff + 30 > len || get32(l) != 0x04034b50 ||
		    (size_t)loff + 30 + get16(l + 26) + get16(l + 28) + clen > len) {
			snprintf(err, errlen, "corrupt zip: bad local header for %.*s", (int)nlen, name);
			free(path);
			return -1;
		}
		const unsigned char *data = l + 30 + get16(l + 26) + get16(l + 28);
		unsigned char *out = lp_xmalloc((size_t)ulen + 1);
		if (method == 0) {
			if (clen != ulen) {
				snprintf(err, errlen, "corrupt zip: stored %.*s has two sizes", (int)nlen, name);
				goto bad;
			}
			memcpy(out, data, ulen);
		} else if (method == 8) {
			z_stream s;
			memset(&s, 0, sizeof s);
			if (inflateInit2(&s, -15) != Z_OK) {
				snprintf(err, errlen, "inflateInit failed");
				goto bad;
			}
			s.next_in = (Bytef *)(uintptr_t)data;
			s.avail_in = clen;
			s.next_out = out;
			s.avail_out = ulen + 1; /* one spare byte detects a lying size */
			int zr = inflate(&s, Z_FINISH);
			uLong got = s.total_out;
			inflateEnd(&s);
			if (zr != Z_STREAM_END || got != ulen) {
				snprintf(err, errlen, "corrupt zip: %.*s does not inflate to its size",
				    (int)nlen, name);
				goto bad;
			}
		} else {
			snprintf(err, errlen, "zip entry %.*s uses compression method %u (only stored and deflate)",
			    (int)nlen, name, method);
			goto bad;
		}
		if ((uint32_t)crc32(0L, out, ulen) != crc) {
			snprintf(err, errlen, "corrupt zip: CRC mismatch for %.*s", (int)nlen, name);
			goto bad;
		}
		unsigned perm = mode & 0777 ? mode & 0777 : 0644;
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, perm);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto bad;
		}
		size_t w = 0;
		while (w < ulen) {
			ssize_t r = write(fd, out + w, ulen - w);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
				close(fd);
				goto bad;
			}
			w += (size_t)r;
		}
		if (fchmod(fd, perm) != 0 || close(fd) != 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto bad;
		}
		free(out);
		free(path);
		c += 46 + nlen + xlen + klen;
		continue;
bad:
		free(out);
		free(path);
		return -1;
	}
	return 0;
}
