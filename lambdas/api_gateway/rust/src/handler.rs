//! api_gateway (Rust): an API Gateway proxy event (REST v1 or HTTP API v2)
//! routed by method and path to six routes over a synthetic user store;
//! answers a proxy response with 400, 404 and 405 where due. Same routes
//! and output bytes as the C implementation (docs/suite.md).

use crate::jw;
use serde_json::{Map, Value};

const USER_COUNT: i64 = 500;
const FIRST: [&str; 10] =
    ["Ada", "Alan", "Barbara", "Dennis", "Edsger", "Frances", "Grace", "John", "Ken", "Margaret"];
const LAST: [&str; 10] =
    ["Allen", "Hamilton", "Hopper", "Kernighan", "Knuth", "Lamport", "Liskov", "Ritchie", "Thompson", "Turing"];
const ORDER_STATUS: [&str; 3] = ["pending", "shipped", "delivered"];

#[derive(Clone, Copy, PartialEq)]
enum Route {
    Health,
    Users,
    User,
    Orders,
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::Health => "/health",
            Route::Users => "/users",
            Route::User => "/users/{id}",
            Route::Orders => "/users/{id}/orders",
        }
    }
    fn allow(self) -> &'static str {
        match self {
            Route::Users => "GET, POST",
            Route::User => "GET, DELETE",
            _ => "GET",
        }
    }
}

struct Resp {
    status: i64,
    route: Option<Route>,
    allow: Option<&'static str>,
    location: Option<i64>,
    body: String,
}

impl Resp {
    fn error(&mut self, status: i64, msg: &str) {
        self.status = status;
        self.body = jw::error(msg);
    }
}

/// A decimal integer of 1-9 digits.
fn parse_uint(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Query parameter `k` as an integer in lo..=hi, `dflt` when absent.
fn query_int(q: Option<&Map<String, Value>>, k: &str, dflt: i64, lo: i64, hi: i64) -> Option<i64> {
    match q.and_then(|q| q.get(k)) {
        None => Some(dflt),
        Some(v) => parse_uint(v.as_str()?).filter(|x| (lo..=hi).contains(x)),
    }
}

fn user_name(out: &mut String, id: i64) {
    let n = format!("{} {}", FIRST[((id - 1) % 10) as usize], LAST[(((id - 1) / 10) % 10) as usize]);
    jw::str(out, &n);
}

fn get_user(r: &mut Resp, id: i64) {
    let w = &mut r.body;
    w.push_str("{\"id\":");
    jw::int(w, id);
    w.push_str(",\"name\":");
    user_name(w, id);
    w.push_str(",\"email\":");
    jw::str(w, &format!("user{}@example.com", id));
    w.push_str(",\"created\":");
    jw::str(w, &format!("2025-{:02}-{:02}", id * 7 % 12 + 1, id * 13 % 28 + 1));
    w.push('}');
}

fn list_users(r: &mut Resp, q: Option<&Map<String, Value>>) {
    let limit = match query_int(q, "limit", 10, 1, 100) {
        Some(x) => x,
        None => return r.error(400, "limit must be an integer in 1..100"),
    };
    let offset = match query_int(q, "offset", 0, 0, 100_000) {
        Some(x) => x,
        None => return r.error(400, "offset must be an integer in 0..100000"),
    };
    let w = &mut r.body;
    w.push_str("{\"users\":[");
    let mut id = offset + 1;
    while id <= USER_COUNT && id <= offset + limit {
        w.push_str(if id > offset + 1 { ",{\"id\":" } else { "{\"id\":" });
        jw::int(w, id);
        w.push_str(",\"name\":");
        user_name(w, id);
        w.push('}');
        id += 1;
    }
    w.push_str("],\"total\":");
    jw::int(w, USER_COUNT);
    w.push_str(",\"limit\":");
    jw::int(w, limit);
    w.push_str(",\"offset\":");
    jw::int(w, offset);
    w.push_str(",\"next\":");
    if offset + limit < USER_COUNT {
        jw::int(w, offset + limit);
    } else {
        w.push_str("null");
    }
    w.push('}');
}

fn list_orders(r: &mut Resp, id: i64, q: Option<&Map<String, Value>>) {
    let limit = match query_int(q, "limit", 20, 1, 100) {
        Some(x) => x,
        None => return r.error(400, "limit must be an integer in 1..100"),
    };
    let want = match q.and_then(|q| q.get("status")) {
        None => None,
        Some(v) => match v.as_str().and_then(|s| ORDER_STATUS.iter().position(|x| *x == s)) {
            Some(k) => Some(k as i64),
            None => return r.error(400, "status must be pending, shipped or delivered"),
        },
    };
    let w = &mut r.body;
    w.push_str("{\"user_id\":");
    jw::int(w, id);
    w.push_str(",\"orders\":[");
    let mut count = 0;
    for k in 0..(id * 3 % 7 + 3) {
        if count >= limit {
            break;
        }
        let s = (id + k) % 3;
        if want.is_some_and(|x| x != s) {
            continue;
        }
        w.push_str(if count > 0 { ",{\"id\":" } else { "{\"id\":" });
        count += 1;
        jw::int(w, id * 100 + k);
        w.push_str(",\"status\":");
        jw::str(w, ORDER_STATUS[s as usize]);
        w.push_str(",\"total_cents\":");
        jw::int(w, (id * 7919 + k * 104_729) % 50_000 + 100);
        w.push('}');
    }
    w.push_str("],\"count\":");
    jw::int(w, count);
    w.push('}');
}

fn create_user(r: &mut Resp, ev: &Value) {
    if ev.get("isBase64Encoded") == Some(&Value::Bool(true)) {
        return r.error(400, "base64 bodies are not accepted");
    }
    let doc: Option<Value> = ev.get("body").and_then(Value::as_str).and_then(|b| serde_json::from_str(b).ok());
    let fields = doc.as_ref().and_then(|d| {
        let name = d.get("name")?.as_str().filter(|n| !n.is_empty() && n.len() <= 100)?;
        let email = match d.get("email") {
            None => None,
            Some(e) => Some(e.as_str()?),
        };
        Some((name, email))
    });
    let (name, email) = match fields {
        Some(x) => x,
        None => return r.error(400, "body must be a JSON object with a name"),
    };
    r.status = 201;
    r.location = Some(USER_COUNT + 1);
    let w = &mut r.body;
    w.push_str("{\"id\":");
    jw::int(w, USER_COUNT + 1);
    w.push_str(",\"name\":");
    jw::str(w, name);
    w.push_str(",\"email\":");
    match email {
        Some(e) => jw::str(w, e),
        None => w.push_str("null"),
    }
    w.push('}');
}

/// The path's segments (a trailing slash ignored), at most 4.
fn split(p: &str) -> Option<Vec<&str>> {
    let p = if p.len() > 1 && p.ends_with('/') { &p[..p.len() - 1] } else { p };
    let rest = p.strip_prefix('/')?;
    let segs: Vec<&str> = rest.split('/').collect();
    if segs.len() > 4 {
        return None;
    }
    Some(segs)
}

fn route(r: &mut Resp, ev: &Value, method: &str, path: &str, q: Option<&Map<String, Value>>) {
    let segs = split(path).unwrap_or_default();
    let rt = match segs.as_slice() {
        ["health"] => Some(Route::Health),
        ["users"] => Some(Route::Users),
        ["users", id] if !id.is_empty() => Some(Route::User),
        ["users", id, "orders"] if !id.is_empty() => Some(Route::Orders),
        _ => None,
    };
    let rt = match rt {
        Some(x) => x,
        None => return r.error(404, &format!("no route for {}", path)),
    };
    r.route = Some(rt);
    let get = method == "GET";
    if !(get || (rt == Route::Users && method == "POST") || (rt == Route::User && method == "DELETE")) {
        r.allow = Some(rt.allow());
        return r.error(405, &format!("method {} not allowed on {}", method, rt.name()));
    }
    let mut id = 0;
    if rt == Route::User || rt == Route::Orders {
        id = match parse_uint(segs[1]).filter(|x| *x >= 1) {
            Some(x) => x,
            None => return r.error(400, "id must be a positive integer"),
        };
        if id > USER_COUNT {
            return r.error(404, &format!("user {} not found", id));
        }
    }
    r.status = 200;
    match rt {
        Route::Health => r.body.push_str("{\"status\":\"ok\",\"routes\":6}"),
        Route::Users if get => list_users(r, q),
        Route::Users => create_user(r, ev),
        Route::User if get => get_user(r, id),
        Route::User => r.status = 204,
        Route::Orders => list_orders(r, id, q),
    }
}

pub fn handle(event: &[u8]) -> String {
    let mut r = Resp { status: 0, route: None, allow: None, location: None, body: String::new() };
    let ev: Option<Value> = serde_json::from_slice(event).ok().filter(Value::is_object);
    match &ev {
        None => r.error(400, "invalid JSON event"),
        Some(ev) => {
            let (method, path) = if ev.get("version").and_then(Value::as_str) == Some("2.0") {
                (ev.pointer("/requestContext/http/method"), ev.get("rawPath"))
            } else {
                (ev.get("httpMethod"), ev.get("path"))
            };
            let query = ev.get("queryStringParameters");
            match (method.and_then(Value::as_str), path.and_then(Value::as_str), query) {
                (Some(m), Some(p), None | Some(Value::Null) | Some(Value::Object(_))) => {
                    route(&mut r, ev, m, p, query.and_then(Value::as_object))
                }
                _ => r.error(400, "not an API Gateway proxy event"),
            }
        }
    }

    let mut out = String::with_capacity(r.body.len() + 256);
    out.push_str("{\"statusCode\":");
    jw::int(&mut out, r.status);
    out.push_str(",\"headers\":{");
    let mut first = true;
    if r.status != 204 {
        out.push_str("\"content-type\":\"application/json\"");
        first = false;
    }
    if let Some(rt) = r.route {
        out.push_str(if first { "\"x-route\":" } else { ",\"x-route\":" });
        jw::str(&mut out, rt.name());
    }
    if let Some(a) = r.allow {
        out.push_str(",\"allow\":");
        jw::str(&mut out, a);
    }
    if let Some(l) = r.location {
        out.push_str(",\"location\":\"/users/");
        jw::int(&mut out, l);
        out.push('"');
    }
    out.push_str("},\"body\":");
    jw::str(&mut out, &r.body);
    out.push_str(",\"isBase64Encoded\":false}");
    out
}
