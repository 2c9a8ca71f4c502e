/* minimal — the smallest useful Lambda: a fixed API-Gateway-style response.
 * Byte-identical to lambdas/minimal/rust and handler.ruchy (tests compare). */
#include "lprt.h"

static const char response[] =
    "{\"statusCode\":200,\"headers\":{\"content-type\":\"application/json\"},"
    "\"body\":\"{\\\"ok\\\":true}\"}";

static int handler(const char *event, size_t len, const lprt_ctx *ctx, lprt_buf *out, void *user)
{
	(void)event; (void)len; (void)ctx; (void)user;
	return lprt_buf_append(out, response, sizeof response - 1) == 0 ? 0
	    : lprt_fail(out, "OutOfMemory", "cannot allocate the response");
}

int main(void)
{
	return lprt_run(handler, NULL);
}
