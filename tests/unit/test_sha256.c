/* Unit tests for tools/lib/sha256: FIPS 180-4 vectors, every padding
 * boundary against sha256sum, incremental updates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "tap.h"

static void
hex(const unsigned char d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int
is(const char *msg, const char *want)
{
	unsigned char d[32];
	char h[65];
	sha256(msg, strlen(msg), d);
	hex(d, h);
	if (strcmp(h, want) != 0)
		printf("#   got %s\n#  want %s\n", h, want);
	return strcmp(h, want) == 0;
}

int
main(void)
{
	ok(is("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "the empty message");
	ok(is("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "FIPS vector abc");
	ok(is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"), "FIPS vector of 448 bits (two blocks)");

	/* lengths around the 55/56/64-byte padding edges, against sha256sum */
	int agree = 1;
	for (size_t n = 50; n <= 130 && agree; n++) {
		char *m = malloc(n), path[] = "/tmp/lp-sha-XXXXXX", cmd[128], line[128], h[65];
		for (size_t i = 0; i < n; i++)
			m[i] = (char)('a' + i % 26);
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");
		fwrite(m, 1, n, f);
		fclose(f);
		snprintf(cmd, sizeof cmd, "sha256sum %s", path);
		FILE *p = popen(cmd, "r");
		if (p == NULL || fgets(line, sizeof line, p) == NULL)
			agree = 0;
		if (p)
			pclose(p);
		unsigned char d[32];
		/* incremental, in uneven pieces */
		struct sha256 s;
		sha256_init(&s);
		for (size_t i = 0; i < n; i += 7)
			sha256_update(&s, m + i, n - i < 7 ? n - i : 7);
		sha256_final(&s, d);
		hex(d, h);
		if (strncmp(line, h, 64) != 0) {
			printf("#   length %zu: got %s, sha256sum %.64s\n", n, h, line);
			agree = 0;
		}
		unlink(path);
		free(m);
	}
	ok(agree, "lengths 50..130 in 7-byte pieces agree with sha256sum");
	return tap_done();
}
