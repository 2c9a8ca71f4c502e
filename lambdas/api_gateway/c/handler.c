/* api_gateway (C): an API Gateway proxy event (REST v1 or HTTP API v2)
 * routed by method and path to six routes over a synthetic user store;
 * answers a proxy response (statusCode, headers, body) with 400, 404 and
 * 405 where due.  Routes and canonical output: docs/suite.md. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../../suite/jw.h"
#include "../../suite/suite.h"

#define USER_COUNT 500

static const char *first_names[10] = {"Ada", "Alan", "Barbara", "Dennis", "Edsger",
	"Frances", "Grace", "John", "Ken", "Margaret"};
static const char *last_names[10] = {"Allen", "Hamilton", "Hopper", "Kernighan",
	"Knuth", "Lamport", "Liskov", "Ritchie", "Thompson", "Turing"};
static const char *order_status[3] = {"pending", "shipped", "delivered"};

enum route { R_HEALTH, R_USERS, R_USER, R_ORDERS, R_NONE };
static const char *route_names[] = {"/health", "/users", "/users/{id}", "/users/{id}/orders"};
static const char *route_allow[] = {"GET", "GET, POST", "GET, DELETE", "GET"};

struct resp {
	int status;
	const char *route;	/* matched route pattern, or NULL */
	const char *allow;	/* 405 only */
	long long location;	/* 201 only: the new user's id */
	jw body;
};

/* {"error": pre + s[0..n) + post} */
static void msg_body(struct resp *r, int status, const char *pre, const char *s, size_t n, const char *post)
{
	jw m = {0};
	jw_lit(&m, pre);
	jw_raw(&m, s, n);
	jw_lit(&m, post);
	r->status = status;
	r->body.len = 0;
	jw_lit(&r->body, "{\"error\":");
	jw_strn(&r->body, m.p ? m.p : "", m.len);
	jw_lit(&r->body, "}");
	if (m.oom)
		r->body.oom = 1;
	free(m.p);
}

static void err_body(struct resp *r, int status, const char *msg)
{
	r->status = status;
	jw_error(&r->body, msg);
}

/* A decimal integer of 1-9 digits, or -1. */
static long long parse_uint(const char *s, size_t n)
{
	long long v = 0;
	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Query parameter k as an integer in [lo, hi], dflt when absent; -1 if bad. */
static long long query_int(json_t *query, const char *k, long long dflt, long long lo, long long hi)
{
	json_t *v = json_object_get(query, k);
	long long x;
	if (!v)
		return dflt;
	if (!json_is_string(v))
		return -1;
	x = parse_uint(json_string_value(v), json_string_length(v));
	return x < lo || x > hi ? -1 : x;
}

static void user_name(jw *w, long long id)
{
	char b[64];
	snprintf(b, sizeof b, "%s %s", first_names[(id - 1) % 10], last_names[((id - 1) / 10) % 10]);
	jw_str(w, b);
}

static void get_user(struct resp *r, long long id)
{
	char b[32];
	jw *w = &r->body;
	jw_lit(w, "{\"id\":");
	jw_int(w, id);
	jw_lit(w, ",\"name\":");
	user_name(w, id);
	snprintf(b, sizeof b, "user%lld@example.com", id);
	jw_lit(w, ",\"email\":");
	jw_str(w, b);
	snprintf(b, sizeof b, "2025-%02lld-%02lld", id * 7 % 12 + 1, id * 13 % 28 + 1);
	jw_lit(w, ",\"created\":");
	jw_str(w, b);
	jw_lit(w, "}");
}

static void list_users(struct resp *r, json_t *query)
{
	long long limit = query_int(query, "limit", 10, 1, 100);
	long long offset = query_int(query, "offset", 0, 0, 100000);
	jw *w = &r->body;
	if (limit < 0)
		return err_body(r, 400, "limit must be an integer in 1..100");
	if (offset < 0)
		return err_body(r, 400, "offset must be an integer in 0..100000");
	jw_lit(w, "{\"users\":[");
	for (long long id = offset + 1; id <= USER_COUNT && id <= offset + limit; id++) {
		jw_lit(w, id > offset + 1 ? ",{\"id\":" : "{\"id\":");
		jw_int(w, id);
		jw_lit(w, ",\"name\":");
		user_name(w, id);
		jw_lit(w, "}");
	}
	jw_lit(w, "],\"total\":");
	jw_int(w, USER_COUNT);
	jw_lit(w, ",\"limit\":");
	jw_int(w, limit);
	jw_lit(w, ",\"offset\":");
	jw_int(w, offset);
	jw_lit(w, ",\"next\":");
	if (offset + limit < USER_COUNT)
		jw_int(w, offset + limit);
	else
		jw_lit(w, "null");
	jw_lit(w, "}");
}

static void list_orders(struct resp *r, long long id, json_t *query)
{
	json_t *st = json_object_get(query, "status");
	long long limit = query_int(query, "limit", 20, 1, 100), count = 0;
	int want = -1;
	jw *w = &r->body;
	if (limit < 0)
		return err_body(r, 400, "limit must be an integer in 1..100");
	if (st) {
		for (int k = 0; k < 3; k++)
			if (json_is_string(st) && !strcmp(json_string_value(st), order_status[k]))
				want = k;
		if (want < 0)
			return err_body(r, 400, "status must be pending, shipped or delivered");
	}
	jw_lit(w, "{\"user_id\":");
	jw_int(w, id);
	jw_lit(w, ",\"orders\":[");
	for (long long k = 0, n = id * 3 % 7 + 3; k < n && count < limit; k++) {
		int s = (int)((id + k) % 3);
		if (want >= 0 && s != want)
			continue;
		jw_lit(w, count++ ? ",{\"id\":" : "{\"id\":");
		jw_int(w, id * 100 + k);
		jw_lit(w, ",\"status\":");
		jw_str(w, order_status[s]);
		jw_lit(w, ",\"total_cents\":");
		jw_int(w, (id * 7919 + k * 104729) % 50000 + 100);
		jw_lit(w, "}");
	}
	jw_lit(w, "],\"count\":");
	jw_int(w, count);
	jw_lit(w, "}");
}

static void create_user(struct resp *r, json_t *ev)
{
	json_t *body = json_object_get(ev, "body"), *doc, *name, *email;
	json_error_t e;
	if (json_is_true(json_object_get(ev, "isBase64Encoded")))
		return err_body(r, 400, "base64 bodies are not accepted");
	if (!json_is_string(body) ||
	    !(doc = json_loadb(json_string_value(body), json_string_length(body), 0, &e)))
		return err_body(r, 400, "body must be a JSON object with a name");
	name = json_object_get(doc, "name");
	email = json_object_get(doc, "email");
	if (!json_is_string(name) || json_string_length(name) < 1 || json_string_length(name) > 100 ||
	    (email && !json_is_string(email))) {
		json_decref(doc);
		return err_body(r, 400, "body must be a JSON object with a name");
	}
	r->status = 201;
	r->location = USER_COUNT + 1;
	jw_lit(&r->body, "{\"id\":");
	jw_int(&r->body, USER_COUNT + 1);
	jw_lit(&r->body, ",\"name\":");
	jw_strn(&r->body, json_string_value(name), json_string_length(name));
	jw_lit(&r->body, ",\"email\":");
	if (email)
		jw_strn(&r->body, json_string_value(email), json_string_length(email));
	else
		jw_lit(&r->body, "null");
	jw_lit(&r->body, "}");
	json_decref(doc);
}

/* Split path into at most 4 segments; the number, or -1 beyond 4. */
static int split(const char *p, size_t n, const char *seg[4], size_t len[4])
{
	int k = 0;
	if (n > 1 && p[n - 1] == '/')
		n--;
	if (n == 0 || p[0] != '/')
		return -1;
	for (size_t i = 1, start = 1; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (k == 4)
				return -1;
			seg[k] = p + start;
			len[k++] = i - start;
			start = i + 1;
		}
	}
	return k;
}

static int seg_is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(s, lit, n);
}

static void route(struct resp *r, json_t *ev, const char *method, const char *path, size_t path_n, json_t *query)
{
	const char *seg[4];
	size_t len[4];
	int n = split(path, path_n, seg, len);
	enum route rt = R_NONE;
	long long id = 0;
	int get = !strcmp(method, "GET");

	if (n == 1 && seg_is(seg[0], len[0], "health"))
		rt = R_HEALTH;
	else if (n == 1 && seg_is(seg[0], len[0], "users"))
		rt = R_USERS;
	else if (n == 2 && seg_is(seg[0], len[0], "users") && len[1])
		rt = R_USER;
	else if (n == 3 && seg_is(seg[0], len[0], "users") && len[1] && seg_is(seg[2], len[2], "orders"))
		rt = R_ORDERS;
	if (rt == R_NONE) {
		msg_body(r, 404, "no route for ", path, path_n, "");
		return;
	}
	r->route = route_names[rt];
	if (!(get || (rt == R_USERS && !strcmp(method, "POST")) ||
	    (rt == R_USER && !strcmp(method, "DELETE")))) {
		r->allow = route_allow[rt];
		r->status = 405;
		jw m = {0};
		jw_lit(&m, "method ");
		jw_lit(&m, method);
		jw_lit(&m, " not allowed on ");
		jw_lit(&m, route_names[rt]);
		jw_lit(&r->body, "{\"error\":");
		jw_strn(&r->body, m.p, m.len);
		jw_lit(&r->body, "}");
		if (m.oom)
			r->body.oom = 1;
		free(m.p);
		return;
	}
	if (rt == R_USER || rt == R_ORDERS) {
		id = parse_uint(seg[1], len[1]);
		if (id < 1)
			return err_body(r, 400, "id must be a positive integer");
		if (id > USER_COUNT) {
			char b[64];
			snprintf(b, sizeof b, "user %lld not found", id);
			return err_body(r, 404, b);
		}
	}
	r->status = 200;
	switch (rt) {
	case R_HEALTH:
		jw_lit(&r->body, "{\"status\":\"ok\",\"routes\":6}");
		break;
	case R_USERS:
		if (get)
			list_users(r, query);
		else
			create_user(r, ev);
		break;
	case R_USER:
		if (get)
			get_user(r, id);
		else
			r->status = 204;
		break;
	case R_ORDERS:
		list_orders(r, id, query);
		break;
	case R_NONE:
		break;
	}
}

int suite_handle(const char *event, size_t len, jw *w)
{
	json_error_t err;
	json_t *ev = json_loadb(event, len, 0, &err), *method, *path, *query;
	struct resp r = {0};

	if (!json_is_object(ev)) {
		err_body(&r, 400, "invalid JSON event");
		goto respond;
	}
	if (json_is_string(json_object_get(ev, "version")) &&
	    !strcmp(json_string_value(json_object_get(ev, "version")), "2.0")) {
		method = json_object_get(json_object_get(json_object_get(ev, "requestContext"), "http"), "method");
		path = json_object_get(ev, "rawPath");
	} else {
		method = json_object_get(ev, "httpMethod");
		path = json_object_get(ev, "path");
	}
	query = json_object_get(ev, "queryStringParameters");
	if (!json_is_string(method) || !json_is_string(path) || (query && !json_is_object(query) && !json_is_null(query))) {
		err_body(&r, 400, "not an API Gateway proxy event");
		goto respond;
	}
	route(&r, ev, json_string_value(method), json_string_value(path), json_string_length(path),
	    json_is_object(query) ? query : NULL);

respond:
	jw_lit(w, "{\"statusCode\":");
	jw_int(w, r.status);
	jw_lit(w, ",\"headers\":{");
	int first = 1;
	if (r.status != 204) {
		jw_lit(w, "\"content-type\":\"application/json\"");
		first = 0;
	}
	if (r.route) {
		jw_lit(w, first ? "\"x-route\":" : ",\"x-route\":");
		jw_str(w, r.route);
		first = 0;
	}
	if (r.allow) {
		jw_lit(w, ",\"allow\":");
		jw_str(w, r.allow);
	}
	if (r.location) {
		jw_lit(w, ",\"location\":\"/users/");
		jw_int(w, r.location);
		jw_lit(w, "\"");
	}
	jw_lit(w, "},\"body\":");
	jw_strn(w, r.body.p ? r.body.p : "", r.body.len);
	jw_lit(w, ",\"isBase64Encoded\":false}");
	if (r.body.oom)
		w->oom = 1;
	free(r.body.p);
	json_decref(ev);
	return w->oom ? -1 : 0;
}
