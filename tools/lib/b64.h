/* b64 — base64 (RFC 4648, standard alphabet, padded).  Prefix: b64_.
 * Used for Lambda's X-Amz-Log-Result header and the ZipFile blob of
 * CreateFunction / UpdateFunctionCode. */
#ifndef B64_H
#define B64_H

#include <stddef.h>

/* Encoded text (NUL-terminated, malloc'd; exits 3 when out of memory). */
char *b64_encode(const void *data, size_t len);
/* Decode in (len bytes; ASCII whitespace is ignored).  Returns a malloc'd
 * buffer (NUL-terminated for convenience) with its length in *outlen, or
 * NULL when in is not valid padded base64. */
unsigned char *b64_decode(const char *in, size_t len, size_t *outlen);

#endif
