//! db_query (Rust): one parameterized SQLite query per event against
//! data.db in the task root (opened read-only and the statement prepared
//! once, in init); canonical JSON, byte-identical to the C implementation
//! (docs/suite.md).

use crate::jw;
use crate::sqlite::{Db, Stmt, SQLITE_DONE, SQLITE_ROW};
use serde_json::Value;

/// The one query: the customer, and its orders (a LEFT JOIN, so a customer
/// without matching orders still answers one row with NULL order fields).
const QUERY_SQL: &str = "SELECT c.name, c.country, o.id, o.ordered_at, o.status, p.sku, p.name, o.qty, \
     o.qty * p.price_cents \
     FROM customers c \
     LEFT JOIN orders o ON o.customer_id = c.id AND (?2 IS NULL OR o.status = ?2) \
     LEFT JOIN products p ON p.id = o.product_id \
     WHERE c.id = ?1 \
     ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?3";

const STATUSES: [&str; 4] = ["pending", "paid", "shipped", "delivered"];

pub struct State {
    _db: Db,
    stmt: Stmt,
}

/// Init: open $LAMBDA_TASK_ROOT/data.db (else next to the executable).
pub fn init() -> Result<State, String> {
    let path = match std::env::var("LAMBDA_TASK_ROOT") {
        Ok(r) if !r.is_empty() => format!("{}/data.db", r),
        _ => {
            let exe = std::env::current_exe().map_err(|e| format!("no LAMBDA_TASK_ROOT and {}", e))?;
            exe.with_file_name("data.db").to_string_lossy().into_owned()
        }
    };
    let db = Db::open_readonly(&path)?;
    let stmt = db.prepare(QUERY_SQL).map_err(|e| format!("{}: {}", path, e))?;
    Ok(State { _db: db, stmt })
}

pub fn handle(st: &mut State, event: &[u8]) -> String {
    // jansson (the C side) accepts only an object or an array at the top.
    let ev: Value = match serde_json::from_slice(event) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        _ => return jw::error("invalid JSON event"),
    };
    let id = match ev.get("customer_id").and_then(Value::as_i64).filter(|x| (1..=i32::MAX as i64).contains(x)) {
        Some(x) => x,
        None => return jw::error("customer_id must be a positive integer"),
    };
    let status: Option<&'static str> = match ev.get("status") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_str().and_then(|s| STATUSES.iter().find(|x| **x == s)) {
            Some(s) => Some(*s),
            None => return jw::error("status must be one of pending, paid, shipped, delivered"),
        },
    };
    let limit = match ev.get("limit") {
        None => 20,
        Some(v) => match v.as_i64().filter(|x| (1..=100).contains(x)) {
            Some(x) => x,
            None => return jw::error("limit must be an integer in 1..100"),
        },
    };

    let s = &mut st.stmt;
    s.reset();
    s.bind_i64(1, id);
    match status {
        Some(x) => s.bind_static_str(2, x),
        None => s.bind_null(2),
    }
    s.bind_i64(3, limit);
    let mut out = String::with_capacity(4096);
    let mut orders = String::new();
    let (mut found, mut count, mut total) = (false, 0i64, 0i64);
    let rc = loop {
        let rc = s.step();
        if rc != SQLITE_ROW {
            break rc;
        }
        if !found {
            found = true;
            out.push_str("{\"customer\":{\"id\":");
            jw::int(&mut out, id);
            out.push_str(",\"name\":");
            jw::str(&mut out, &s.text(0));
            out.push_str(",\"country\":");
            jw::str(&mut out, &s.text(1));
            out.push_str("},\"status\":");
            match status {
                Some(x) => jw::str(&mut out, x),
                None => out.push_str("null"),
            }
            out.push_str(",\"limit\":");
            jw::int(&mut out, limit);
        }
        if s.is_null(2) {
            continue;
        }
        orders.push_str(if count > 0 { ",{\"id\":" } else { "{\"id\":" });
        count += 1;
        jw::int(&mut orders, s.i64(2));
        orders.push_str(",\"ordered_at\":");
        jw::str(&mut orders, &s.text(3));
        orders.push_str(",\"status\":");
        jw::str(&mut orders, &s.text(4));
        orders.push_str(",\"sku\":");
        jw::str(&mut orders, &s.text(5));
        orders.push_str(",\"product\":");
        jw::str(&mut orders, &s.text(6));
        orders.push_str(",\"qty\":");
        jw::int(&mut orders, s.i64(7));
        orders.push_str(",\"amount_cents\":");
        jw::int(&mut orders, s.i64(8));
        orders.push('}');
        total += s.i64(8);
    };
    let resp = if rc != SQLITE_DONE {
        jw::error(&format!("query failed: {}", s.errmsg()))
    } else if !found {
        jw::error(&format!("customer {} not found", id))
    } else {
        out.push_str(",\"count\":");
        jw::int(&mut out, count);
        out.push_str(",\"total_cents\":");
        jw::int(&mut out, total);
        out.push_str(",\"orders\":[");
        out.push_str(&orders);
        out.push_str("]}");
        out
    };
    s.reset();
    resp
}
