/* libFuzzer target over lp-size's parsing code: tools/lib/elfx (headers,
 * sections, segments, symbols, notes, dynamic, DWARF compile units) and
 * the demangler on every symbol name.  Built and run by `make fuzz`;
 * its corpus and crash reproducers run through lp-size in `make check`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "elfx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	ex_elf e;
	/* A private copy: libelf is handed a char *. */
	unsigned char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (ex_parse(buf, size, &e, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < e.nsym && i < 2000; i++) {
			char *d = dm_demangle(e.sym[i].name);
			if (d != NULL) {
				char *c = dm_rust_crate(d, NULL);
				free(c);
			}
			free(d);
		}
		for (size_t i = 0; i < e.nsec; i++)
			(void)ex_section_named(&e, e.sec[i].name);
		const char *why;
		ex_cumap *m = ex_cumap_new(&e, &why);
		if (m != NULL) {
			for (size_t i = 0; i < e.nsym && i < 2000; i++)
				(void)ex_cumap_lookup(m, e.sym[i].value);
			ex_cumap_free(m);
		}
	}
	ex_free(&e);
	free(buf);
	return 0;
}
