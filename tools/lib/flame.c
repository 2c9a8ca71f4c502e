/* flame — folded stacks, speedscope JSON and an interactive SVG flame
 * graph (see flame.h).  The SVG's script is lp's own. */
#include "flame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"

struct node {
	char *name;
	uint64_t total, self;
	struct node **kids;
	size_t nkids, capkids;
};

struct fg_tree {
	struct node root;
	size_t maxdepth;
};

fg_tree *
fg_new(void)
{
	fg_tree *t = lp_xcalloc(1, sizeof *t);
	t->root.name = lp_xstrdup("all");
	return t;
}

static void
node_free(struct node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		node_free(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->name);
}

void
fg_free(fg_tree *t)
{
	if (t == NULL)
		return;
	node_free(&t->root);
	free(t);
}

static char *
clean(const char *s)
{
	char *c = lp_xstrdup(s && *s ? s : "[unknown]"), *p;

	for (p = c; *p; p++) {
		if (*p == ';')
			*p = ':';
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	return c;
}

void
fg_add(fg_tree *t, const char *const *frames, size_t n, uint64_t count)
{
	struct node *cur = &t->root;
	size_t i, k;

	cur->total += count;
	for (i = 0; i < n; i++) {
		char *nm = clean(frames[i]);
		struct node *next = NULL;
		for (k = 0; k < cur->nkids; k++)
			if (strcmp(cur->kids[k]->name, nm) == 0) {
				next = cur->kids[k];
				break;
			}
		if (next == NULL) {
			if (cur->nkids == cur->capkids) {
				cur->capkids = cur->capkids ? cur->capkids * 2 : 4;
				cur->kids = lp_xreallocarray(cur->kids, cur->capkids,
				    sizeof *cur->kids);
			}
			next = lp_xcalloc(1, sizeof *next);
			next->name = nm;
			cur->kids[cur->nkids++] = next;
		} else {
			free(nm);
		}
		next->total += count;
		cur = next;
	}
	cur->self += count;
	if (n > t->maxdepth)
		t->maxdepth = n;
}

uint64_t
fg_total(const fg_tree *t)
{
	return t->root.total;
}

static int
kid_cmp(const void *a, const void *b)
{
	const struct node *x = *(const struct node *const *)a;
	const struct node *y = *(const struct node *const *)b;
	return strcmp(x->name, y->name);
}

/* Children in name order, like flamegraph.pl (stable output). */
static void
sort_kids(const struct node *n)
{
	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof *n->kids, kid_cmp);
}

struct pathbuf {
	const char **v;
	size_t n, cap;
};

static void
pb_push(struct pathbuf *p, const char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->v = lp_xreallocarray(p->v, p->cap, sizeof *p->v);
	}
	p->v[p->n++] = s;
}

static int
folded_rec(const struct node *n, struct pathbuf *p, FILE *f)
{
	size_t i;

	sort_kids(n);
	if (n->self > 0 && p->n > 0) {
		for (i = 0; i < p->n; i++)
			if (fprintf(f, "%s%s", i ? ";" : "", p->v[i]) < 0)
				return -1;
		if (fprintf(f, " %llu\n", (unsigned long long)n->self) < 0)
			return -1;
	}
	for (i = 0; i < n->nkids; i++) {
		pb_push(p, n->kids[i]->name);
		if (folded_rec(n->kids[i], p, f) == -1)
			return -1;
		p->n--;
	}
	return 0;
}

int
fg_write_folded(const fg_tree *t, FILE *f)
{
	struct pathbuf p = { 0 };
	int r = folded_rec(&t->root, &p, f);

	free(p.v);
	if (r == 0 && fflush(f) == EOF)
		r = -1;
	return r;
}

/* SVG */

static void
xml_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s < 0x20)
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

static void
color(const char *name, int *r, int *g, int *b)
{
	uint32_t h = 2166136261u;
	const char *s;

	for (s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	/* Warm palette: red..yellow. */
	*r = 205 + (int)(h % 50);
	*g = 60 + (int)((h >> 8) % 160);
	*b = 30 + (int)((h >> 16) % 40);
	if (strstr(name, "[kernel") != NULL || strncmp(name, "[k]", 3) == 0) {
		*r = 230; *g = 140 + (int)((h >> 8) % 60); *b = 40;
	}
}

#define FG_W 1200
#define FG_PAD 10
#define FG_FH 16
#define FG_TOP 52
#define FG_BOTTOM 28

static void
svg_rec(const struct node *n, size_t depth, uint64_t x, uint64_t total,
    size_t height, FILE *f)
{
	double scale = (double)(FG_W - 2 * FG_PAD) / (double)total;
	double px = FG_PAD + (double)x * scale, pw = (double)n->total * scale;
	double py = (double)height - FG_BOTTOM - (double)(depth + 1) * FG_FH;
	double pct = 100.0 * (double)n->total / (double)total;
	int r, g, b;
	size_t i, chars;
	uint64_t cx = x;

	color(n->name, &r, &g, &b);
	fprintf(f, "<g class=\"f\" data-x=\"%llu\" data-w=\"%llu\" data-d=\"%zu\">"
	    "<title>", (unsigned long long)x, (unsigned long long)n->total, depth);
	xml_put(f, n->name);
	fprintf(f, " (%llu samples, %.2f%%)</title>", (unsigned long long)n->total, pct);
	fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
	    "fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>", px, py, pw, FG_FH - 1, r, g, b);
	fprintf(f, "<text x=\"%.2f\" y=\"%.1f\">", px + 3, py + FG_FH - 4.5);
	chars = pw > 6 ? (size_t)((pw - 6) / 7) : 0;
	if (chars >= 3) {
		size_t len = strlen(n->name);
		if (len <= chars) {
			xml_put(f, n->name);
		} else {
			char *cut = lp_xstrdup(n->name);
			cut[chars - 2] = '\0';
			xml_put(f, cut);
			fputs("..", f);
			free(cut);
		}
	}
	fputs("</text></g>\n", f);
	sort_kids(n);
	for (i = 0; i < n->nkids; i++) {
		svg_rec(n->kids[i], depth + 1, cx, total, height, f);
		cx += n->kids[i]->total;
	}
}

/* The viewer script: zoom, search and details, no dependencies. */
static const char svg_script[] =
"var FW=" "1200" ",PAD=10,frames=[],total=1,zoomed=null,term=null,details,matched,unzoom,sbtn;\n"
"function fr(g){return {g:g,x:+g.getAttribute('data-x'),w:+g.getAttribute('data-w'),"
"d:+g.getAttribute('data-d'),name:g.getElementsByTagName('title')[0].textContent.replace(/ \\(\\d+ samples, [0-9.]+%\\)$/,''),"
"r:g.getElementsByTagName('rect')[0],t:g.getElementsByTagName('text')[0]};}\n"
"function init(){details=document.getElementById('details');matched=document.getElementById('matched');"
"unzoom=document.getElementById('unzoom');sbtn=document.getElementById('search');"
"var gs=document.querySelectorAll('g.f');for(var i=0;i<gs.length;i++){var f=fr(gs[i]);frames.push(f);"
"if(f.d===0)total=f.w;(function(f){f.g.addEventListener('click',function(e){zoom(f);e.stopPropagation();});"
"f.g.addEventListener('mouseover',function(){details.textContent=f.name+' ('+f.w+' samples, '+pct(f.w)+'%)';});"
"f.g.addEventListener('mouseout',function(){details.textContent=' ';});})(f);}"
"unzoom.addEventListener('click',function(){zoom(null);});"
"sbtn.addEventListener('click',function(){if(term!==null){search(null);return;}"
"var s=prompt('Search (regular expression)','');if(s)search(s);});"
"document.addEventListener('keydown',function(e){if((e.ctrlKey||e.metaKey)&&e.key==='f'){e.preventDefault();"
"var s=prompt('Search (regular expression)','');if(s)search(s);}});"
"var h=decodeURIComponent(location.hash||'');var m=/[#&]z=([^&]*)/.exec(h);"
"if(m){for(var j=0;j<frames.length;j++)if(frames[j].name===m[1]){"
"frames[j].g.dispatchEvent(new MouseEvent('click',{bubbles:true}));break;}}"
"m=/[#&]s=([^&]*)/.exec(h);if(m&&m[1])search(m[1]);}\n"
"function pct(w){return (100*w/total).toFixed(2);}\n"
"function label(f,pw){var n=Math.floor((pw-6)/7);if(n<3)return '';"
"return f.name.length<=n?f.name:f.name.substring(0,n-2)+'..';}\n"
"function place(f,x0,w0){var sc=(FW-2*PAD)/w0;var px=PAD+(f.x-x0)*sc,pw=f.w*sc;"
"if(px<PAD){pw-=PAD-px;px=PAD;}if(px+pw>FW-PAD)pw=FW-PAD-px;"
"f.r.setAttribute('x',px.toFixed(2));f.r.setAttribute('width',Math.max(pw,0).toFixed(2));"
"f.t.setAttribute('x',(px+3).toFixed(2));f.t.textContent=label(f,pw);}\n"
"function zoom(z){zoomed=z;var x0=z?z.x:0,w0=z?z.w:total;"
"for(var i=0;i<frames.length;i++){var f=frames[i];"
"var inside=f.x+f.w>x0&&f.x<x0+w0;var anc=z&&f.d<z.d&&f.x<=z.x&&f.x+f.w>=z.x+z.w;"
"if(!z||(inside&&f.d>=z.d)||anc){f.g.style.display='';f.g.style.opacity=anc?'0.55':'';place(f,x0,w0);}"
"else f.g.style.display='none';}"
"unzoom.style.opacity=z?'1':'0.3';document.documentElement.setAttribute('data-zoom',z?z.name:'');}\n"
"function search(s){var re=null;term=s;if(s){try{re=new RegExp(s);}catch(e){matched.textContent='bad regex';return;}}"
"var iv=[];for(var i=0;i<frames.length;i++){var f=frames[i];"
"if(!f.r.hasAttribute('data-fill'))f.r.setAttribute('data-fill',f.r.getAttribute('fill'));"
"if(re&&f.d>0&&re.test(f.name)){f.r.setAttribute('fill','rgb(230,0,230)');iv.push([f.x,f.x+f.w]);}"
"else f.r.setAttribute('fill',f.r.getAttribute('data-fill'));}"
"if(!re){matched.textContent=' ';sbtn.textContent='Search';"
"document.documentElement.removeAttribute('data-matched-pct');return;}"
"iv.sort(function(a,b){return a[0]-b[0];});var sum=0,cs=-1,ce=-1;"
"for(var k=0;k<iv.length;k++){if(iv[k][0]>=ce){if(ce>cs)sum+=ce-cs;cs=iv[k][0];ce=iv[k][1];}"
"else if(iv[k][1]>ce)ce=iv[k][1];}if(ce>cs)sum+=ce-cs;"
"var p=pct(sum);matched.textContent='Matched: '+p+'%';sbtn.textContent='Reset Search';"
"document.documentElement.setAttribute('data-matched-pct',p);}\n"
"window.addEventListener('load',init);window.addEventListener('hashchange',function(){"
"var h=decodeURIComponent(location.hash||'');var m=/[#&]s=([^&]*)/.exec(h);search(m&&m[1]?m[1]:null);});\n";

int
fg_write_svg(const fg_tree *t, FILE *f, const char *title, const char *subtitle)
{
	size_t height = FG_TOP + FG_BOTTOM + (t->maxdepth + 1) * FG_FH;

	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
	    "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
	    "data-total-samples=\"%llu\">\n", FG_W, height, FG_W, height,
	    (unsigned long long)t->root.total);
	fputs("<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
	    "g.f:hover rect{stroke:#000;stroke-width:0.6;cursor:pointer}"
	    "g.f text{pointer-events:none}"
	    "#title{font-size:17px;text-anchor:middle}#sub{fill:#555;text-anchor:middle}"
	    ".btn{cursor:pointer;fill:#06c}</style>\n", f);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", f);
	fputs(svg_script, f);
	fputs("]]></script>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%zu\" fill=\"#f8f8f0\"/>\n",
	    FG_W, height);
	fprintf(f, "<text id=\"title\" x=\"%d\" y=\"22\">", FG_W / 2);
	xml_put(f, title ? title : "Flame graph");
	fputs("</text>\n", f);
	fprintf(f, "<text id=\"sub\" x=\"%d\" y=\"40\">", FG_W / 2);
	xml_put(f, subtitle ? subtitle : "");
	fputs("</text>\n", f);
	fprintf(f, "<text id=\"unzoom\" class=\"btn\" x=\"%d\" y=\"22\" "
	    "style=\"opacity:0.3\">Reset Zoom</text>\n", FG_PAD);
	fprintf(f, "<text id=\"search\" class=\"btn\" x=\"%d\" y=\"22\" "
	    "text-anchor=\"end\">Search</text>\n", FG_W - FG_PAD);
	fprintf(f, "<text id=\"details\" x=\"%d\" y=\"%zu\"> </text>\n", FG_PAD,
	    height - 9);
	fprintf(f, "<text id=\"matched\" x=\"%d\" y=\"%zu\" text-anchor=\"end\"> </text>\n",
	    FG_W - FG_PAD, height - 9);
	if (t->root.total > 0)
		svg_rec(&t->root, 0, 0, t->root.total, height, f);
	else
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no samples</text>\n",
		    FG_W / 2, FG_TOP + 20);
	fputs("</svg>\n", f);
	return fflush(f) == EOF || ferror(f) ? -1 : 0;
}

/* speedscope */

struct fidx {
	json_t *frames;   /* array */
	json_t *index;    /* name -> integer */
};

static size_t
frame_id(struct fidx *fx, const char *name)
{
	json_t *v = json_object_get(fx->index, name);
	size_t id;

	if (v != NULL)
		return (size_t)json_integer_value(v);
	id = json_array_size(fx->frames);
	json_array_append_new(fx->frames, json_pack("{s:s}", "name", name));
	json_object_set_new(fx->index, name, json_integer((json_int_t)id));
	return id;
}

static void
ss_rec(const struct node *n, struct fidx *fx, json_t *stack, json_t *samples,
    json_t *weights)
{
	size_t i;

	if (n->self > 0 && json_array_size(stack) > 0) {
		json_array_append_new(samples, json_deep_copy(stack));
		json_array_append_new(weights, json_integer((json_int_t)n->self));
	}
	for (i = 0; i < n->nkids; i++) {
		json_array_append_new(stack,
		    json_integer((json_int_t)frame_id(fx, n->kids[i]->name)));
		ss_rec(n->kids[i], fx, stack, samples, weights);
		json_array_remove(stack, json_array_size(stack) - 1);
	}
}

json_t *
fg_speedscope(const fg_tree *const *trees, const char *const *names, size_t n,
    const char *doc_name)
{
	struct fidx fx;
	json_t *profiles = json_array();
	size_t i;

	fx.frames = json_array();
	fx.index = json_object();
	for (i = 0; i < n; i++) {
		json_t *samples = json_array(), *weights = json_array();
		json_t *stack = json_array();
		ss_rec(&trees[i]->root, &fx, stack, samples, weights);
		json_decref(stack);
		json_array_append_new(profiles, json_pack("{s:s,s:s,s:s,s:i,s:I,s:o,s:o}",
		    "type", "sampled", "name", names[i], "unit", "none",
		    "startValue", 0, "endValue", (json_int_t)trees[i]->root.total,
		    "samples", samples, "weights", weights));
	}
	json_decref(fx.index);
	return json_pack("{s:s,s:{s:o},s:o,s:s,s:i,s:s}",
	    "$schema", "https://www.speedscope.app/file-format-schema.json",
	    "shared", "frames", fx.frames, "profiles", profiles,
	    "name", doc_name, "activeProfileIndex", 0, "exporter", "lp-perfrec");
}
