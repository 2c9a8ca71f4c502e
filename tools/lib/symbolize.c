/* symbolize — perf mmap records + libdwfl -> function, module, file:line
 * (see symbolize.h). */
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "demangle.h"
#include "lputil.h"

struct load { uint64_t off, vaddr, filesz; int exec; };

struct file {
	char *path;
	const char *base;
	int state;           /* 0 not opened, 1 ok, -1 failed */
	const char *reason;  /* static string when state == -1 */
	struct load *loads;
	size_t nloads;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	int dwfl_state;      /* 0 not tried, 1 ok, -1 failed */
};

struct centry {
	int used;
	int file;            /* -1: kernel */
	uint64_t addr;
	struct sym_frame f;
};

struct ksym { uint64_t addr; char *name; };

struct sym_ctx {
	struct file *files;
	size_t nfiles, capfiles;
	struct centry *cache;
	size_t ncache, capcache;  /* capcache power of two */
	char **owned;             /* demangled names */
	size_t nowned, capowned;
	struct ksym *ksyms;
	size_t nksyms;
	int kstate;               /* 0 not loaded, 1 ok, -1 failed */
};

static const Dwfl_Callbacks offline_cb = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = NULL,
};

sym_ctx *
sym_new(void)
{
	sym_ctx *c = lp_xcalloc(1, sizeof *c);

	(void)elf_version(EV_CURRENT);
	c->capcache = 1024;
	c->cache = lp_xcalloc(c->capcache, sizeof *c->cache);
	return c;
}

void
sym_free(sym_ctx *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfiles; i++) {
		free(c->files[i].path);
		free(c->files[i].loads);
		if (c->files[i].dwfl != NULL)
			dwfl_end(c->files[i].dwfl);
	}
	free(c->files);
	free(c->cache);
	for (i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	for (i = 0; i < c->nksyms; i++)
		free(c->ksyms[i].name);
	free(c->ksyms);
	free(c);
}

static const char *
own(sym_ctx *c, char *s)
{
	if (c->nowned == c->capowned) {
		c->capowned = c->capowned ? c->capowned * 2 : 64;
		c->owned = lp_xreallocarray(c->owned, c->capowned, sizeof *c->owned);
	}
	c->owned[c->nowned++] = s;
	return s;
}

static void
file_load(struct file *f)
{
	int fd;
	Elf *e;
	size_t n, i;

	f->state = -1;
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		f->reason = errno == ENOENT ? "file gone (deleted after the run)" :
		    "file unreadable";
		return;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e == NULL || elf_kind(e) != ELF_K_ELF) {
		f->reason = "not an ELF file";
		goto out;
	}
	if (elf_getphdrnum(e, &n) != 0) {
		f->reason = "no program headers";
		goto out;
	}
	f->loads = lp_xcalloc(n ? n : 1, sizeof *f->loads);
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) == NULL || ph.p_type != PT_LOAD)
			continue;
		f->loads[f->nloads].off = ph.p_offset;
		f->loads[f->nloads].vaddr = ph.p_vaddr;
		f->loads[f->nloads].filesz = ph.p_filesz;
		f->loads[f->nloads].exec = (ph.p_flags & PF_X) != 0;
		f->nloads++;
	}
	if (f->nloads == 0) {
		f->reason = "no PT_LOAD segment";
		goto out;
	}
	f->state = 1;
out:
	if (e != NULL)
		elf_end(e);
	close(fd);
}

static int
file_index(sym_ctx *c, const char *path)
{
	size_t i;
	struct file *f;
	const char *slash;

	for (i = 0; i < c->nfiles; i++)
		if (strcmp(c->files[i].path, path) == 0)
			return (int)i;
	if (c->nfiles == c->capfiles) {
		c->capfiles = c->capfiles ? c->capfiles * 2 : 16;
		c->files = lp_xreallocarray(c->files, c->capfiles, sizeof *c->files);
	}
	f = &c->files[c->nfiles];
	memset(f, 0, sizeof *f);
	f->path = lp_xstrdup(path);
	slash = strrchr(f->path, '/');
	f->base = slash ? slash + 1 : f->path;
	if (path[0] == '[')
		f->state = -1, f->reason = "no file behind this mapping";
	else
		file_load(f);
	return (int)c->nfiles++;
}

int
sym_bias(sym_ctx *c, const char *path, uint64_t start, uint64_t pgoff,
    uint64_t *bias, const char **why)
{
	struct file *f = &c->files[file_index(c, path)];
	size_t i;
	int pass;

	if (f->state != 1) {
		*why = f->reason;
		return -1;
	}
	/* The kernel maps a segment from its offset rounded down to a page:
	 * match that exactly (an executable segment first, since segments
	 * may share a page), and only then by containment. */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < f->nloads; i++) {
			const struct load *l = &f->loads[i];
			uint64_t lo = l->off & ~(uint64_t)0xfff;
			int hit = pass == 0 ? lo == pgoff && l->exec :
			    pass == 1 ? lo == pgoff :
			    pgoff >= lo && pgoff < l->off + (l->filesz ? l->filesz : 1);
			if (hit) {
				*bias = start - pgoff + l->off - l->vaddr;
				return 0;
			}
		}
	}
	*why = "mapping offset outside every PT_LOAD segment";
	return -1;
}

static uint64_t
hkey(int file, uint64_t addr)
{
	uint64_t h = addr * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(file + 2) * 0xC2B2AE3D27D4EB4FULL;
	return h ^ (h >> 29);
}

static struct centry *
cache_find(sym_ctx *c, int file, uint64_t addr, int *found)
{
	size_t mask, i;

	if (c->ncache * 2 >= c->capcache) {
		struct centry *old = c->cache;
		size_t oldcap = c->capcache, j;
		c->capcache *= 2;
		c->cache = lp_xcalloc(c->capcache, sizeof *c->cache);
		mask = c->capcache - 1;
		for (j = 0; j < oldcap; j++) {
			if (!old[j].used)
				continue;
			i = hkey(old[j].file, old[j].addr) & mask;
			while (c->cache[i].used)
				i = (i + 1) & mask;
			c->cache[i] = old[j];
		}
		free(old);
	}
	mask = c->capcache - 1;
	i = hkey(file, addr) & mask;
	while (c->cache[i].used) {
		if (c->cache[i].file == file && c->cache[i].addr == addr) {
			*found = 1;
			return &c->cache[i];
		}
		i = (i + 1) & mask;
	}
	*found = 0;
	c->cache[i].used = 1;
	c->cache[i].file = file;
	c->cache[i].addr = addr;
	c->ncache++;
	return &c->cache[i];
}

static void
file_dwfl(struct file *f)
{
	f->dwfl_state = -1;
	f->dwfl = dwfl_begin(&offline_cb);
	if (f->dwfl == NULL)
		return;
	dwfl_report_begin(f->dwfl);
	/* base 0 + add_p_vaddr: addresses are the file's link-time ones. */
	f->mod = dwfl_report_elf(f->dwfl, f->base, f->path, -1, 0, true);
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (f->mod != NULL)
		f->dwfl_state = 1;
}

static void
resolve(sym_ctx *c, struct file *f, uint64_t addr, struct sym_frame *out)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name;
	Dwfl_Line *ln;

	if (f->dwfl_state == 0)
		file_dwfl(f);
	if (f->dwfl_state != 1) {
		out->reason = "libdwfl could not read the file";
		return;
	}
	name = dwfl_module_addrinfo(f->mod, addr, &off, &sym, NULL, NULL, NULL);
	if (name == NULL) {
		out->reason = "no symbol covers the address (stripped?)";
		return;
	}
	{
		char *d = dm_demangle(name);
		out->function = d ? own(c, d) : name;
	}
	/* The function's own first line: stable across samples. */
	ln = dwfl_module_getsrc(f->mod, addr - off);
	if (ln != NULL) {
		int line = 0;
		const char *src = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
		if (src != NULL) {
			out->file = src;
			out->line = line;
		}
	}
	if (out->file == NULL)
		out->reason = "no DWARF line information";
}

void
sym_lookup(sym_ctx *c, const char *path, uint64_t vaddr, struct sym_frame *out)
{
	int fi = file_index(c, path), found;
	struct file *f = &c->files[fi];
	struct centry *e = cache_find(c, fi, vaddr, &found);

	if (!found) {
		memset(&e->f, 0, sizeof e->f);
		e->f.module = f->base;
		e->f.path = f->path;
		e->f.addr = vaddr;
		if (f->state != 1)
			e->f.reason = f->reason;
		else
			resolve(c, f, vaddr, &e->f);
	}
	*out = e->f;
}

static int
ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* /proc/kallsyms: "ffffffff81000000 T _stext [module]".  Parsed by hand
 * (sscanf costs more than the kernel's formatting of 100k lines). */
static void
kallsyms_load(sym_ctx *c)
{
	FILE *fp = fopen("/proc/kallsyms", "re");
	char line[512];
	size_t cap = 0;

	c->kstate = -1;
	if (fp == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL) {
		char *p = line, *end;
		unsigned long long a = strtoull(p, &end, 16);
		char t;
		size_t n;
		if (end == p || *end != ' ' || a == 0)
			continue;
		t = end[1];
		if ((t != 't' && t != 'T' && t != 'w' && t != 'W') || end[2] != ' ')
			continue;
		p = end + 3;
		n = strcspn(p, " \t\n");
		if (n == 0)
			continue;
		p[n] = '\0';
		if (c->nksyms == cap) {
			cap = cap ? cap * 2 : 65536;
			c->ksyms = lp_xreallocarray(c->ksyms, cap, sizeof *c->ksyms);
		}
		c->ksyms[c->nksyms].addr = a;
		c->ksyms[c->nksyms].name = lp_xstrdup(p);
		c->nksyms++;
	}
	fclose(fp);
	if (c->nksyms == 0)
		return; /* addresses hidden (kptr_restrict) */
	qsort(c->ksyms, c->nksyms, sizeof *c->ksyms, ksym_cmp);
	c->kstate = 1;
}

void
sym_kernel(sym_ctx *c, uint64_t addr, struct sym_frame *out)
{
	int found;
	struct centry *e = cache_find(c, -1, addr, &found);

	if (!found) {
		size_t lo = 0, hi;
		memset(&e->f, 0, sizeof e->f);
		e->f.module = "[kernel.kallsyms]";
		e->f.addr = addr;
		if (c->kstate == 0)
			kallsyms_load(c);
		if (c->kstate != 1) {
			e->f.reason = "/proc/kallsyms unreadable or addresses hidden";
		} else {
			hi = c->nksyms;
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;
				if (c->ksyms[mid].addr <= addr)
					lo = mid;
				else
					hi = mid;
			}
			if (c->ksyms[lo].addr <= addr)
				e->f.function = c->ksyms[lo].name;
			else
				e->f.reason = "below the first kernel symbol";
		}
	}
	*out = e->f;
}

/* Address spaces. */

struct map {
	uint64_t start, end, bias;
	int file;
	const char *why; /* bias unknown */
};

struct proc {
	uint32_t pid;
	struct map *maps;
	size_t n, cap;
};

struct sym_space {
	sym_ctx *c;
	struct proc *procs;
	size_t n, cap;
};

sym_space *
sym_space_new(sym_ctx *c)
{
	sym_space *s = lp_xcalloc(1, sizeof *s);
	s->c = c;
	return s;
}

void
sym_space_free(sym_space *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->procs[i].maps);
	free(s->procs);
	free(s);
}

static struct proc *
proc_get(sym_space *s, uint32_t pid, int create)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	if (!create)
		return NULL;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->procs = lp_xreallocarray(s->procs, s->cap, sizeof *s->procs);
	}
	memset(&s->procs[s->n], 0, sizeof s->procs[s->n]);
	s->procs[s->n].pid = pid;
	return &s->procs[s->n++];
}

void
sym_space_mmap(sym_space *s, uint32_t pid, uint64_t start, uint64_t len,
    uint64_t pgoff, uint32_t prot, const char *path)
{
	struct proc *p;
	struct map m;
	size_t i, j;

	if (!(prot & PROT_EXEC) || len == 0)
		return;
	p = proc_get(s, pid, 1);
	memset(&m, 0, sizeof m);
	m.start = start;
	m.end = start + len;
	m.file = file_index(s->c, path);
	if (sym_bias(s->c, path, start, pgoff, &m.bias, &m.why) == 0)
		m.why = NULL;
	/* A new mapping replaces whatever it overlaps. */
	for (i = j = 0; i < p->n; i++)
		if (p->maps[i].end <= m.start || p->maps[i].start >= m.end)
			p->maps[j++] = p->maps[i];
	p->n = j;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->maps = lp_xreallocarray(p->maps, p->cap, sizeof *p->maps);
	}
	p->maps[p->n++] = m;
}

void
sym_space_fork(sym_space *s, uint32_t ppid, uint32_t pid)
{
	struct proc *pp, *p;

	if (ppid == pid)
		return; /* a new thread shares the address space */
	p = proc_get(s, pid, 1);
	pp = proc_get(s, ppid, 0); /* after proc_get(pid): may have moved */
	p = proc_get(s, pid, 0);
	p->n = 0;
	if (pp == NULL || pp->n == 0)
		return;
	p->cap = pp->n;
	p->maps = lp_xreallocarray(p->maps, p->cap, sizeof *p->maps);
	memcpy(p->maps, pp->maps, pp->n * sizeof *pp->maps);
	p->n = pp->n;
}

void
sym_space_exec(sym_space *s, uint32_t pid)
{
	struct proc *p = proc_get(s, pid, 0);
	if (p != NULL)
		p->n = 0;
}

void
sym_space_lookup(sym_space *s, uint32_t pid, uint64_t addr, struct sym_frame *f)
{
	struct proc *p = proc_get(s, pid, 0);
	size_t i;

	if (p != NULL) {
		for (i = 0; i < p->n; i++) {
			const struct map *m = &p->maps[i];
			struct file *fl;
			if (addr < m->start || addr >= m->end)
				continue;
			fl = &s->c->files[m->file];
			if (m->why != NULL) {
				memset(f, 0, sizeof *f);
				f->module = fl->path[0] == '[' ? fl->path : fl->base;
				f->path = fl->path;
				f->addr = addr - m->start;
				f->reason = m->why;
				return;
			}
			sym_lookup(s->c, fl->path, addr - m->bias, f);
			if (fl->path[0] == '[')
				f->module = fl->path;
			return;
		}
	}
	memset(f, 0, sizeof *f);
	f->module = "[unknown]";
	f->addr = addr;
	f->reason = "no executable mapping covers the address";
}
