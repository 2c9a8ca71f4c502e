/* b64 — base64 encode/decode (RFC 4648 section 4). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "lputil.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n = (len + 2) / 3 * 4;
	char *out = lp_xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_alpha[v >> 18 & 63];
		*o++ = b64_alpha[v >> 12 & 63];
		*o++ = b64_alpha[v >> 6 & 63];
		*o++ = b64_alpha[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = b64_alpha[v >> 18 & 63];
		*o++ = b64_alpha[v >> 12 & 63];
		*o++ = i + 1 < len ? b64_alpha[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

unsigned char *
b64_decode(const char *in, size_t len, size_t *outlen)
{
	unsigned char *out = lp_xmalloc(len / 4 * 3 + 4);
	size_t n = 0, q = 0, pad = 0;
	uint32_t acc = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i], v;
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			/* padding only completes a quantum */
			if (q + pad > 4 || q < 2)
				goto bad;
			continue;
		}
		if (pad || (v = b64_val(c)) < 0)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++q == 4) {
			out[n++] = acc >> 16 & 0xff;
			out[n++] = acc >> 8 & 0xff;
			out[n++] = acc & 0xff;
			q = 0;
			acc = 0;
		}
	}
	if (pad) {
		if (q + pad != 4)
			goto bad;
		if (q == 2) {
			out[n++] = acc >> 4 & 0xff;
		} else { /* q == 3 */
			out[n++] = acc >> 10 & 0xff;
			out[n++] = acc >> 2 & 0xff;
		}
	} else if (q != 0) {
		goto bad;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
bad:
	free(out);
	return NULL;
}
