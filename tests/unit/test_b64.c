/* Unit tests for tools/lib/b64: RFC 4648 vectors, round trips, bad input. */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "tap.h"

static int
enc_is(const char *in, const char *want)
{
	char *got = b64_encode(in, strlen(in));
	int r = strcmp(got, want) == 0;
	if (!r)
		printf("#   got \"%s\", want \"%s\"\n", got, want);
	free(got);
	return r;
}

static int
dec_is(const char *in, const char *want)
{
	size_t n;
	unsigned char *got = b64_decode(in, strlen(in), &n);
	int r = got && n == strlen(want) && memcmp(got, want, n) == 0;
	free(got);
	return r;
}

static int
dec_fails(const char *in)
{
	size_t n;
	unsigned char *got = b64_decode(in, strlen(in), &n);
	free(got);
	return got == NULL;
}

int
main(void)
{
	ok(enc_is("", ""), "the empty string encodes to nothing");
	ok(enc_is("f", "Zg=="), "one byte gets two padding characters");
	ok(enc_is("fo", "Zm8="), "two bytes get one padding character");
	ok(enc_is("foo", "Zm9v"), "three bytes need no padding");
	ok(enc_is("foobar", "Zm9vYmFy"), "RFC 4648 vector foobar encodes");
	ok(dec_is("Zm9vYg==", "foob"), "padded text decodes");
	ok(dec_is("Zm9v\nYmFy", "foobar"), "line breaks inside the text are ignored");
	ok(dec_fails("Zm9"), "a truncated quantum is rejected");
	ok(dec_fails("Zm9v!mFy"), "a character outside the alphabet is rejected");
	ok(dec_fails("Zg==Zg=="), "data after padding is rejected");
	ok(dec_fails("Z==="), "three padding characters are rejected");

	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	int rt = 1;
	for (size_t len = 0; len <= 256; len++) {
		char *e = b64_encode(all, len);
		size_t n;
		unsigned char *d = b64_decode(e, strlen(e), &n);
		if (d == NULL || n != len || memcmp(d, all, len) != 0)
			rt = 0;
		free(d);
		free(e);
	}
	ok(rt, "every byte value round-trips at every length up to 256");
	return tap_done();
}
