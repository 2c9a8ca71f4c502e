/* Unit tests: flame (folded stacks, speedscope, SVG), sysnames, and
 * symbolize's bias and lookup on this test program itself. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flame.h"
#include "sysnames.h"
#include "symbolize.h"
#include "tap.h"

static char *
render_folded(const fg_tree *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL || fg_write_folded(t, f) != 0)
		return NULL;
	fclose(f);
	return buf;
}

__attribute__((noinline)) int
probe_function(int x)
{
	return x * 3 + 1;
}

int
main(void)
{
	fg_tree *t = fg_new();
	const char *a[] = { "main", "handler", "fib" };
	const char *b[] = { "main", "handler" };
	const char *c[] = { "main", "x;y\nz" };
	fg_add(t, a, 3, 5);
	fg_add(t, b, 2, 2);
	fg_add(t, a, 3, 1);
	fg_add(t, c, 2, 1);
	ok(fg_total(t) == 9, "fg_total adds up every count");
	char *s = render_folded(t);
	int same = s != NULL && strcmp(s, "main;handler 2\nmain;handler;fib 6\nmain;x:y z 1\n") == 0;
	if (!same)
		printf("# got: %s\n", s ? s : "NULL");
	ok(same, "folded output merges equal stacks, sorts children, cleans ';' and newlines");
	free(s);

	const fg_tree *trees[] = { t };
	const char *names[] = { "init" };
	json_t *ss = fg_speedscope(trees, names, 1, "doc");
	json_t *p0 = json_array_get(json_object_get(ss, "profiles"), 0);
	json_t *w = json_object_get(p0, "weights");
	json_int_t sum = 0;
	for (size_t i = 0; i < json_array_size(w); i++)
		sum += json_integer_value(json_array_get(w, i));
	ok(sum == 9 && json_array_size(json_object_get(json_object_get(ss, "shared"), "frames")) == 4,
	    "speedscope weights add up and frames are shared (4 names)");
	ok(strcmp(json_string_value(json_object_get(p0, "type")), "sampled") == 0, "speedscope profile is sampled");
	json_decref(ss);

	char *svg = NULL;
	size_t svglen = 0;
	FILE *f = open_memstream(&svg, &svglen);
	ok(fg_write_svg(t, f, "t<&>", NULL) == 0, "SVG written");
	fclose(f);
	ok(strstr(svg, "t&lt;&amp;&gt;") != NULL, "SVG escapes the title");
	ok(strstr(svg, "<title>fib (6 samples, 66.67%)</title>") != NULL, "SVG frames carry name, samples and share");
	free(svg);
	fg_free(t);

	ok(strcmp(sn_name(0), "read") == 0 && strcmp(sn_name(59), "execve") == 0 &&
	    strcmp(sn_name(257), "openat") == 0 && strcmp(sn_name(110), "getppid") == 0,
	    "x86_64 syscall names by number");
	ok(sn_name(-1) == NULL && sn_name(100000) == NULL, "out-of-range numbers have no name");

	/* Symbolize this very program through its own mapping. */
	sym_ctx *sc = sym_new();
	sym_space *sp = sym_space_new(sc);
	FILE *m = fopen("/proc/self/maps", "re");
	char line[1024], self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	while (m != NULL && fgets(line, sizeof line, m) != NULL) {
		unsigned long lo, hi, off;
		char perm[8], path[512] = "";
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %511s", &lo, &hi, perm, &off, path) >= 4 &&
		    strcmp(path, self) == 0)
			sym_space_mmap(sp, 1, lo, hi - lo, off, perm[2] == 'x' ? PROT_EXEC : 0, path);
	}
	if (m)
		fclose(m);
	struct sym_frame fr;
	sym_space_lookup(sp, 1, (uint64_t)(uintptr_t)probe_function + 2, &fr);
	ok(fr.function != NULL && strcmp(fr.function, "probe_function") == 0,
	    "a live address resolves to its function (got %s: %s)", fr.function ? fr.function : "NULL",
	    fr.reason ? fr.reason : "");
	ok(fr.file != NULL && strstr(fr.file, "test_flame.c") != NULL && fr.line > 0,
	    "with its source file and line");
	sym_space_lookup(sp, 1, 16, &fr);
	ok(fr.function == NULL && strcmp(fr.module, "[unknown]") == 0 && fr.reason != NULL,
	    "an unmapped address is [unknown] with a reason");
	sym_space_free(sp);
	sym_free(sc);
	return tap_done();
}
