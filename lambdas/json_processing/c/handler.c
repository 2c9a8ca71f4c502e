/* json_processing (C): parse a document of orders, keep the paid, shipped
 * and delivered ones in the event's currency, aggregate per customer and
 * per SKU, sort, and write the canonical response (docs/suite.md). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../suite/jw.h"
#include "../../suite/suite.h"

struct ord {
	const char *customer, *created;
	long long total, items;
	int express;
};

struct skuq {
	const char *sku;
	long long qty;
};

struct cust {
	const char *customer, *first, *last;
	long long orders, items, total, express;
};

static int cmp_ord(const void *a, const void *b)
{
	return strcmp(((const struct ord *)a)->customer, ((const struct ord *)b)->customer);
}

static int cmp_sku_name(const void *a, const void *b)
{
	return strcmp(((const struct skuq *)a)->sku, ((const struct skuq *)b)->sku);
}

static int cmp_sku_qty(const void *a, const void *b)
{
	const struct skuq *x = a, *y = b;
	if (x->qty != y->qty)
		return x->qty > y->qty ? -1 : 1;
	return strcmp(x->sku, y->sku);
}

static int cmp_cust(const void *a, const void *b)
{
	const struct cust *x = a, *y = b;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->customer, y->customer);
}

static const char *str_field(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int int_field(json_t *o, const char *k, long long lo, long long hi, long long *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return *out < lo || *out > hi ? -1 : 0;
}

/* Validates one order; 0 and fills *o (items appended to skus) if valid. */
static int read_order(json_t *jo, struct ord *o, struct skuq *skus, size_t *nsku)
{
	json_t *items, *ship, *it;
	size_t i, n0 = *nsku;

	if (!json_is_object(jo))
		return -1;
	o->customer = str_field(jo, "customer");
	o->created = str_field(jo, "created");
	if (!o->customer || !o->created || !str_field(jo, "status") || !str_field(jo, "currency"))
		return -1;
	items = json_object_get(jo, "items");
	if (!json_is_array(items))
		return -1;
	ship = json_object_get(jo, "shipping");
	o->express = 0;
	if (ship) {
		json_t *ex;
		if (!json_is_object(ship))
			return -1;
		ex = json_object_get(ship, "express");
		if (ex && !json_is_boolean(ex))
			return -1;
		o->express = json_is_true(ex);
	}
	o->total = o->items = 0;
	json_array_foreach(items, i, it) {
		long long qty, price;
		const char *sku;
		if (!json_is_object(it) || !(sku = str_field(it, "sku")) ||
		    int_field(it, "qty", 1, 1000000, &qty) ||
		    int_field(it, "unit_price_cents", 0, 100000000, &price)) {
			*nsku = n0;
			return -1;
		}
		o->total += qty * price;
		o->items += qty;
		skus[*nsku].sku = sku;
		skus[*nsku].qty = qty;
		(*nsku)++;
	}
	return 0;
}

static int status_counts(const char *s)
{
	return !strcmp(s, "paid") || !strcmp(s, "shipped") || !strcmp(s, "delivered");
}

int suite_handle(const char *event, size_t len, jw *w)
{
	json_error_t err;
	json_t *root, *orders, *jo, *jc;
	const char *currency = "EUR";
	struct ord *ords = NULL;
	struct skuq *skus = NULL;
	struct cust *custs = NULL;
	size_t i, nord = 0, nsku = 0, nsku_max = 0, ncust = 0, invalid = 0;
	long long total = 0;

	root = json_loadb(event, len, 0, &err);
	if (!root) {
		jw_error(w, "invalid JSON event");
		return 0;
	}
	orders = json_object_get(root, "orders");
	jc = json_object_get(root, "currency");
	if (!json_is_array(orders)) {
		jw_error(w, "event has no orders array");
		goto out;
	}
	if (jc) {
		if (!json_is_string(jc)) {
			jw_error(w, "currency must be a string");
			goto out;
		}
		currency = json_string_value(jc);
	}
	json_array_foreach(orders, i, jo) {
		json_t *items = json_object_get(jo, "items");
		if (json_is_array(items))
			nsku_max += json_array_size(items);
	}
	ords = calloc(json_array_size(orders) + 1, sizeof *ords);
	skus = calloc(nsku_max + 1, sizeof *skus);
	custs = calloc(json_array_size(orders) + 1, sizeof *custs);
	if (!ords || !skus || !custs) {
		w->oom = 1;
		goto out;
	}
	json_array_foreach(orders, i, jo) {
		size_t mark = nsku;
		if (read_order(jo, &ords[nord], skus, &nsku)) {
			invalid++;
			continue;
		}
		if (!status_counts(str_field(jo, "status")) ||
		    strcmp(str_field(jo, "currency"), currency)) {
			nsku = mark;
			continue;
		}
		total += ords[nord].total;
		nord++;
	}

	/* Per customer: sort the kept orders by customer, fold each run. */
	qsort(ords, nord, sizeof *ords, cmp_ord);
	for (i = 0; i < nord; i++) {
		struct ord *o = &ords[i];
		struct cust *c = ncust ? &custs[ncust - 1] : NULL;
		if (!c || strcmp(c->customer, o->customer)) {
			c = &custs[ncust++];
			c->customer = o->customer;
			c->first = c->last = o->created;
		}
		c->orders++;
		c->items += o->items;
		c->total += o->total;
		c->express += o->express;
		if (strcmp(o->created, c->first) < 0)
			c->first = o->created;
		if (strcmp(o->created, c->last) > 0)
			c->last = o->created;
	}
	qsort(custs, ncust, sizeof *custs, cmp_cust);

	/* Per SKU: sort by name, fold runs in place, then sort by quantity. */
	qsort(skus, nsku, sizeof *skus, cmp_sku_name);
	size_t nu = 0;
	for (i = 0; i < nsku; i++) {
		if (nu && !strcmp(skus[nu - 1].sku, skus[i].sku))
			skus[nu - 1].qty += skus[i].qty;
		else
			skus[nu++] = skus[i];
	}
	qsort(skus, nu, sizeof *skus, cmp_sku_qty);

	jw_lit(w, "{\"currency\":");
	jw_str(w, currency);
	jw_lit(w, ",\"orders_in\":");
	jw_int(w, (long long)json_array_size(orders));
	jw_lit(w, ",\"orders_used\":");
	jw_int(w, (long long)nord);
	jw_lit(w, ",\"orders_invalid\":");
	jw_int(w, (long long)invalid);
	jw_lit(w, ",\"total_cents\":");
	jw_int(w, total);
	jw_lit(w, ",\"customers\":[");
	for (i = 0; i < ncust; i++) {
		struct cust *c = &custs[i];
		jw_lit(w, i ? ",{\"customer\":" : "{\"customer\":");
		jw_str(w, c->customer);
		jw_lit(w, ",\"orders\":");
		jw_int(w, c->orders);
		jw_lit(w, ",\"items\":");
		jw_int(w, c->items);
		jw_lit(w, ",\"total_cents\":");
		jw_int(w, c->total);
		jw_lit(w, ",\"avg_order_cents\":");
		jw_int(w, c->total / c->orders);
		jw_lit(w, ",\"express_orders\":");
		jw_int(w, c->express);
		jw_lit(w, ",\"first_order\":");
		jw_str(w, c->first);
		jw_lit(w, ",\"last_order\":");
		jw_str(w, c->last);
		jw_lit(w, "}");
	}
	jw_lit(w, "],\"top_skus\":[");
	for (i = 0; i < nu && i < 5; i++) {
		jw_lit(w, i ? ",{\"sku\":" : "{\"sku\":");
		jw_str(w, skus[i].sku);
		jw_lit(w, ",\"qty\":");
		jw_int(w, skus[i].qty);
		jw_lit(w, "}");
	}
	jw_lit(w, "]}");
out:
	free(ords);
	free(skus);
	free(custs);
	json_decref(root);
	return w->oom ? -1 : 0;
}
