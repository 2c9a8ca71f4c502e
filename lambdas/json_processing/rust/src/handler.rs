//! json_processing (Rust): parse a document of orders, keep the paid,
//! shipped and delivered ones in the event's currency, aggregate per
//! customer and per SKU, sort, and write the canonical response
//! (docs/suite.md). Same rules and output bytes as the C implementation.

use crate::jw;
use serde_json::Value;
use std::collections::BTreeMap;

struct Order<'a> {
    customer: &'a str,
    created: &'a str,
    total: i64,
    items: i64,
    express: bool,
}

#[derive(Default)]
struct Cust<'a> {
    orders: i64,
    items: i64,
    total: i64,
    express: i64,
    first: &'a str,
    last: &'a str,
}

fn int_field(o: &Value, k: &str, lo: i64, hi: i64) -> Option<i64> {
    o.get(k)?.as_i64().filter(|v| (lo..=hi).contains(v))
}

/// Validates one order; Some(order) with its (sku, qty) items if valid.
fn read_order<'a>(o: &'a Value, skus: &mut Vec<(&'a str, i64)>) -> Option<Order<'a>> {
    let obj = o.as_object()?;
    let customer = obj.get("customer")?.as_str()?;
    let created = obj.get("created")?.as_str()?;
    obj.get("status")?.as_str()?;
    obj.get("currency")?.as_str()?;
    let items = obj.get("items")?.as_array()?;
    let express = match obj.get("shipping") {
        None => false,
        Some(s) => {
            let s = s.as_object()?;
            match s.get("express") {
                None => false,
                Some(e) => e.as_bool()?,
            }
        }
    };
    let mark = skus.len();
    let (mut total, mut count) = (0i64, 0i64);
    for it in items {
        let ok = (|| {
            it.as_object()?;
            let sku = it.get("sku")?.as_str()?;
            let qty = int_field(it, "qty", 1, 1_000_000)?;
            let price = int_field(it, "unit_price_cents", 0, 100_000_000)?;
            Some((sku, qty, price))
        })();
        match ok {
            Some((sku, qty, price)) => {
                total += qty * price;
                count += qty;
                skus.push((sku, qty));
            }
            None => {
                skus.truncate(mark);
                return None;
            }
        }
    }
    Some(Order { customer, created, total, items: count, express })
}

pub fn handle(event: &[u8]) -> String {
    // jansson (the C side) accepts only an object or an array at the top.
    let root: Value = match serde_json::from_slice(event) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        _ => return jw::error("invalid JSON event"),
    };
    let orders = match root.get("orders").and_then(Value::as_array) {
        Some(a) => a,
        None => return jw::error("event has no orders array"),
    };
    let currency = match root.get("currency") {
        None => "EUR",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return jw::error("currency must be a string"),
    };

    let mut skus: Vec<(&str, i64)> = Vec::new();
    let mut kept: Vec<Order> = Vec::new();
    let (mut invalid, mut total) = (0i64, 0i64);
    for o in orders {
        let mark = skus.len();
        let ord = match read_order(o, &mut skus) {
            Some(x) => x,
            None => {
                invalid += 1;
                continue;
            }
        };
        let status = o["status"].as_str().unwrap_or("");
        let counts = matches!(status, "paid" | "shipped" | "delivered");
        if !counts || o["currency"].as_str() != Some(currency) {
            skus.truncate(mark);
            continue;
        }
        total += ord.total;
        kept.push(ord);
    }

    let mut by_cust: BTreeMap<&str, Cust> = BTreeMap::new();
    for o in &kept {
        let c = by_cust.entry(o.customer).or_insert_with(|| Cust {
            first: o.created,
            last: o.created,
            ..Default::default()
        });
        c.orders += 1;
        c.items += o.items;
        c.total += o.total;
        c.express += o.express as i64;
        if o.created < c.first {
            c.first = o.created;
        }
        if o.created > c.last {
            c.last = o.created;
        }
    }
    let mut custs: Vec<(&str, Cust)> = by_cust.into_iter().collect();
    custs.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));

    let mut by_sku: BTreeMap<&str, i64> = BTreeMap::new();
    for (s, q) in &skus {
        *by_sku.entry(s).or_insert(0) += q;
    }
    let mut top: Vec<(&str, i64)> = by_sku.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    let mut out = String::with_capacity(16 * 1024);
    out.push_str("{\"currency\":");
    jw::str(&mut out, currency);
    out.push_str(",\"orders_in\":");
    jw::int(&mut out, orders.len() as i64);
    out.push_str(",\"orders_used\":");
    jw::int(&mut out, kept.len() as i64);
    out.push_str(",\"orders_invalid\":");
    jw::int(&mut out, invalid);
    out.push_str(",\"total_cents\":");
    jw::int(&mut out, total);
    out.push_str(",\"customers\":[");
    for (i, (name, c)) in custs.iter().enumerate() {
        out.push_str(if i > 0 { ",{\"customer\":" } else { "{\"customer\":" });
        jw::str(&mut out, name);
        out.push_str(",\"orders\":");
        jw::int(&mut out, c.orders);
        out.push_str(",\"items\":");
        jw::int(&mut out, c.items);
        out.push_str(",\"total_cents\":");
        jw::int(&mut out, c.total);
        out.push_str(",\"avg_order_cents\":");
        jw::int(&mut out, c.total / c.orders);
        out.push_str(",\"express_orders\":");
        jw::int(&mut out, c.express);
        out.push_str(",\"first_order\":");
        jw::str(&mut out, c.first);
        out.push_str(",\"last_order\":");
        jw::str(&mut out, c.last);
        out.push('}');
    }
    out.push_str("],\"top_skus\":[");
    for (i, (sku, q)) in top.iter().take(5).enumerate() {
        out.push_str(if i > 0 { ",{\"sku\":" } else { "{\"sku\":" });
        jw::str(&mut out, sku);
        out.push_str(",\"qty\":");
        jw::int(&mut out, *q);
        out.push('}');
    }
    out.push_str("]}");
    out
}
