/* sha256 — SHA-256 (FIPS 180-4).  Prefix: sha256_.
 * For Lambda's CodeSha256 (base64 of the zip's SHA-256): `lp-invoke
 * deploy` compares it with its zip, `lp-invoke serve` reports it. */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* One call: digest of data. */
void sha256(const void *data, size_t len, unsigned char out[32]);

#endif
