/* db_query (C): one parameterized SQLite query per event against data.db
 * in the task root (opened read-only and the statement prepared once, in
 * init), results formatted as canonical JSON (docs/suite.md). */
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lprt.h"
#include "../../suite/jw.h"
#include "../../suite/suite.h"

/* The one query: the customer, and its orders (a LEFT JOIN, so a customer
 * without matching orders still answers one row with NULL order fields). */
static const char query_sql[] =
	"SELECT c.name, c.country, o.id, o.ordered_at, o.status, p.sku, p.name, o.qty,"
	" o.qty * p.price_cents"
	" FROM customers c"
	" LEFT JOIN orders o ON o.customer_id = c.id AND (?2 IS NULL OR o.status = ?2)"
	" LEFT JOIN products p ON p.id = o.product_id"
	" WHERE c.id = ?1"
	" ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?3";

static const char *statuses[] = {"pending", "paid", "shipped", "delivered"};

static sqlite3 *db;
static sqlite3_stmt *stmt;

/* Init: open $LAMBDA_TASK_ROOT/data.db (else next to the executable). */
int suite_init(void)
{
	char path[PATH_MAX];
	const char *root = getenv("LAMBDA_TASK_ROOT");
	int rc;

	if (root && *root) {
		if ((size_t)snprintf(path, sizeof path, "%s/data.db", root) >= sizeof path)
			lprt_init_error("DatabaseError", "LAMBDA_TASK_ROOT is too long");
	} else {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
		char *slash;
		if (n < 0)
			lprt_init_error("DatabaseError", "no LAMBDA_TASK_ROOT and /proc/self/exe unreadable");
		path[n] = '\0';
		slash = strrchr(path, '/');
		strcpy(slash ? slash + 1 : path, "data.db");
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		lprt_init_error("DatabaseError", "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	if (sqlite3_prepare_v3(db, query_sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
		lprt_init_error("DatabaseError", "%s: %s", path, sqlite3_errmsg(db));
	return 0;
}

static void put_col(jw *w, int col)
{
	jw_strn(w, (const char *)sqlite3_column_text(stmt, col), (size_t)sqlite3_column_bytes(stmt, col));
}

int suite_handle(const char *event, size_t len, jw *w)
{
	json_error_t err;
	json_t *ev = json_loadb(event, len, 0, &err), *jid, *jst, *jlim;
	long long id, limit = 20, count = 0, total = 0;
	const char *status = NULL;
	int rc, found = 0;
	jw orders = {0};

	if (!ev) {
		jw_error(w, "invalid JSON event");
		return 0;
	}
	jid = json_object_get(ev, "customer_id");
	jst = json_object_get(ev, "status");
	jlim = json_object_get(ev, "limit");
	if (!json_is_integer(jid) || (id = json_integer_value(jid)) < 1 || id > INT_MAX) {
		jw_error(w, "customer_id must be a positive integer");
		goto out;
	}
	if (jst && !json_is_null(jst)) {
		for (size_t k = 0; k < 4; k++)
			if (json_is_string(jst) && !strcmp(json_string_value(jst), statuses[k]))
				status = statuses[k];
		if (!status) {
			jw_error(w, "status must be one of pending, paid, shipped, delivered");
			goto out;
		}
	}
	if (jlim && (!json_is_integer(jlim) || (limit = json_integer_value(jlim)) < 1 || limit > 100)) {
		jw_error(w, "limit must be an integer in 1..100");
		goto out;
	}

	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, id);
	if (status)
		sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_int64(stmt, 3, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!found) {
			found = 1;
			jw_lit(w, "{\"customer\":{\"id\":");
			jw_int(w, id);
			jw_lit(w, ",\"name\":");
			put_col(w, 0);
			jw_lit(w, ",\"country\":");
			put_col(w, 1);
			jw_lit(w, "},\"status\":");
			if (status)
				jw_str(w, status);
			else
				jw_lit(w, "null");
			jw_lit(w, ",\"limit\":");
			jw_int(w, limit);
		}
		if (sqlite3_column_type(stmt, 2) == SQLITE_NULL)
			continue;
		jw_lit(&orders, count++ ? ",{\"id\":" : "{\"id\":");
		jw_int(&orders, sqlite3_column_int64(stmt, 2));
		jw_lit(&orders, ",\"ordered_at\":");
		put_col(&orders, 3);
		jw_lit(&orders, ",\"status\":");
		put_col(&orders, 4);
		jw_lit(&orders, ",\"sku\":");
		put_col(&orders, 5);
		jw_lit(&orders, ",\"product\":");
		put_col(&orders, 6);
		jw_lit(&orders, ",\"qty\":");
		jw_int(&orders, sqlite3_column_int64(stmt, 7));
		jw_lit(&orders, ",\"amount_cents\":");
		jw_int(&orders, sqlite3_column_int64(stmt, 8));
		jw_lit(&orders, "}");
		total += sqlite3_column_int64(stmt, 8);
	}
	if (rc != SQLITE_DONE) {
		char msg[256];
		snprintf(msg, sizeof msg, "query failed: %s", sqlite3_errmsg(db));
		jw_error(w, msg);
	} else if (!found) {
		char msg[64];
		snprintf(msg, sizeof msg, "customer %lld not found", id);
		jw_error(w, msg);
	} else {
		jw_lit(w, ",\"count\":");
		jw_int(w, count);
		jw_lit(w, ",\"total_cents\":");
		jw_int(w, total);
		jw_lit(w, ",\"orders\":[");
		jw_raw(w, orders.p ? orders.p : "", orders.len);
		jw_lit(w, "]}");
	}
	sqlite3_reset(stmt);
	if (orders.oom)
		w->oom = 1;
out:
	free(orders.p);
	json_decref(ev);
	return w->oom ? -1 : 0;
}
