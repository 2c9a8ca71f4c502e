//! data_transform (Rust): validate and normalize records (names, emails,
//! dates, amounts, currencies, countries), derive age, USD amount and tier,
//! and return the accepted records and the rejected ones with every reason.
//! Same rules and output bytes as the C implementation (docs/suite.md).

use crate::jw;
use serde_json::Value;

/// The business rules' fixed conversion table, micro-USD per unit.
const RATES: [(&str, i64); 5] =
    [("USD", 1_000_000), ("EUR", 1_085_000), ("GBP", 1_270_000), ("JPY", 6_700), ("CHF", 1_130_000)];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Date {
    y: i64,
    m: i64,
    d: i64,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// The string field `k`, trimmed of ASCII whitespace.
fn trimmed<'a>(o: &'a Value, k: &str) -> Option<&'a str> {
    Some(o.get(k)?.as_str()?.trim_matches(|c: char| c.is_ascii() && is_ws(c as u8)))
}

fn num(s: &[u8]) -> i64 {
    s.iter().fold(0, |v, c| v * 10 + (c - b'0') as i64)
}

fn days_in(y: i64, m: i64) -> i64 {
    const DM: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if m == 2 && leap {
        29
    } else {
        DM[(m - 1) as usize]
    }
}

/// YYYY-MM-DD, and DD/MM/YYYY and YYYYMMDD when `any_format`.
fn parse_date(s: &str, any_format: bool) -> Option<Date> {
    let b = s.as_bytes();
    let n = b.len();
    for (i, &c) in b.iter().enumerate() {
        let sep = n == 10 && (((i == 4 || i == 7) && c == b'-') || ((i == 2 || i == 5) && c == b'/'));
        if !c.is_ascii_digit() && !sep {
            return None;
        }
    }
    let d = if n == 10 && b[4] == b'-' && b[7] == b'-' {
        Date { y: num(&b[0..4]), m: num(&b[5..7]), d: num(&b[8..10]) }
    } else if any_format && n == 10 && b[2] == b'/' && b[5] == b'/' {
        Date { y: num(&b[6..10]), m: num(&b[3..5]), d: num(&b[0..2]) }
    } else if any_format && n == 8 {
        Date { y: num(&b[0..4]), m: num(&b[4..6]), d: num(&b[6..8]) }
    } else {
        return None;
    };
    if d.y < 1900 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > days_in(d.y, d.m) {
        return None;
    }
    Some(d)
}

/// "1234", "1234.5", "1,234.50": non-negative, at most 2 decimals and 10
/// integer digits; commas only as thousands separators (groups of 3).
fn parse_amount(s: &str) -> Option<i64> {
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (mut whole, mut digits, mut group, mut groups) = (0i64, 0, 0, 0);
    for c in int.bytes() {
        if c == b',' {
            if group == 0 || group > 3 || (groups > 0 && group != 3) {
                return None;
            }
            groups += 1;
            group = 0;
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        digits += 1;
        if digits > 10 {
            return None;
        }
        whole = whole * 10 + (c - b'0') as i64;
        group += 1;
    }
    if group == 0 || (groups > 0 && group != 3) {
        return None;
    }
    let mut cents = 0;
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 2 || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        cents = num(f.as_bytes()) * if f.len() == 1 { 10 } else { 1 };
    }
    Some(whole * 100 + cents)
}

/// Collapse whitespace, title-case ASCII letters after a start, '-' or '\''.
fn name(s: &str) -> String {
    let mut b: Vec<u8> = Vec::with_capacity(s.len());
    for &c in s.as_bytes() {
        if is_ws(c) {
            if !b.is_empty() && b[b.len() - 1] != b' ' {
                b.push(b' ');
            }
            continue;
        }
        let prev = b.last().copied().unwrap_or(b' ');
        b.push(if matches!(prev, b' ' | b'-' | b'\'') { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
    }
    // Only ASCII bytes changed, so the bytes are still UTF-8.
    String::from_utf8(b).unwrap_or_default()
}

fn email_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let at = match b.iter().position(|&c| c == b'@') {
        Some(0) | None => return false,
        Some(i) => i,
    };
    let dom = &b[at + 1..];
    if dom.contains(&b'@') || b.iter().any(|&c| is_ws(c)) {
        return false;
    }
    dom.len() > 2 && dom[1..dom.len() - 1].contains(&b'.')
}

pub fn handle(event: &[u8]) -> String {
    // jansson (the C side) accepts only an object or an array at the top.
    let root: Value = match serde_json::from_slice(event) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        _ => return jw::error("invalid JSON event"),
    };
    let (as_s, asof) = match trimmed(&root, "as_of").and_then(|s| Some((s, parse_date(s, false)?))) {
        Some(x) => x,
        None => return jw::error("as_of must be a YYYY-MM-DD date"),
    };
    let recs = match root.get("records").and_then(Value::as_array) {
        Some(a) => a,
        None => return jw::error("event has no records array"),
    };

    let mut out = String::with_capacity(64 * 1024);
    let mut rej = String::new();
    let (mut n_acc, mut n_rej, mut total_usd) = (0i64, 0i64, 0i64);
    let mut tiers = [0i64; 3];
    const TIER_NAMES: [&str; 3] = ["gold", "silver", "bronze"];
    out.push_str("{\"as_of\":");
    jw::str(&mut out, as_s);
    out.push_str(",\"accepted\":[");
    for r in recs {
        if !r.is_object() {
            rej.push_str(if n_rej > 0 { "," } else { "" });
            n_rej += 1;
            rej.push_str("{\"id\":null,\"reasons\":[\"not an object\"]}");
            continue;
        }
        let mut reasons: Vec<&str> = Vec::new();
        let id = trimmed(r, "id").filter(|s| !s.is_empty());
        if id.is_none() {
            reasons.push("missing id");
        }
        let nm = trimmed(r, "name").filter(|s| !s.is_empty());
        if nm.is_none() {
            reasons.push("missing name");
        }
        let em = trimmed(r, "email").filter(|s| email_ok(s));
        if em.is_none() {
            reasons.push("invalid email");
        }
        let birth = trimmed(r, "birth_date").and_then(|s| parse_date(s, true)).filter(|d| *d <= asof);
        if birth.is_none() {
            reasons.push("invalid birth_date");
        }
        let cents = trimmed(r, "amount").and_then(parse_amount);
        if cents.is_none() {
            reasons.push("invalid amount");
        }
        let cu = trimmed(r, "currency");
        let rate = cu.and_then(|c| RATES.iter().find(|(code, _)| c.eq_ignore_ascii_case(code)).map(|x| x.1));
        if rate.is_none() {
            reasons.push("unsupported currency");
        }
        let co = trimmed(r, "country").filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()));
        if co.is_none() {
            reasons.push("invalid country");
        }
        if !reasons.is_empty() {
            rej.push_str(if n_rej > 0 { ",{\"id\":" } else { "{\"id\":" });
            n_rej += 1;
            match id {
                Some(s) => jw::str(&mut rej, s),
                None => rej.push_str("null"),
            }
            rej.push_str(",\"reasons\":[");
            for (k, why) in reasons.iter().enumerate() {
                rej.push_str(if k > 0 { "," } else { "" });
                jw::str(&mut rej, why);
            }
            rej.push_str("]}");
            continue;
        }
        let (id, nm, em, birth, cents, cu, rate, co) =
            (id.unwrap(), nm.unwrap(), em.unwrap(), birth.unwrap(), cents.unwrap(), cu.unwrap(), rate.unwrap(), co.unwrap());
        let usd = (cents * rate + 500_000) / 1_000_000;
        let t = if usd >= 100_000 { 0 } else if usd >= 10_000 { 1 } else { 2 };
        total_usd += usd;
        tiers[t] += 1;
        out.push_str(if n_acc > 0 { ",{\"id\":" } else { "{\"id\":" });
        n_acc += 1;
        jw::str(&mut out, id);
        out.push_str(",\"name\":");
        jw::str(&mut out, &name(nm));
        out.push_str(",\"email\":");
        jw::str(&mut out, &em.to_ascii_lowercase());
        out.push_str(",\"birth_date\":");
        jw::str(&mut out, &format!("{:04}-{:02}-{:02}", birth.y, birth.m, birth.d));
        out.push_str(",\"age\":");
        let before = (asof.m, asof.d) < (birth.m, birth.d);
        jw::int(&mut out, asof.y - birth.y - before as i64);
        out.push_str(",\"country\":");
        jw::str(&mut out, &co.to_ascii_uppercase());
        out.push_str(",\"amount_cents\":");
        jw::int(&mut out, cents);
        out.push_str(",\"currency\":");
        jw::str(&mut out, &cu.to_ascii_uppercase());
        out.push_str(",\"amount_usd_cents\":");
        jw::int(&mut out, usd);
        out.push_str(",\"tier\":");
        jw::str(&mut out, TIER_NAMES[t]);
        out.push('}');
    }
    out.push_str("],\"rejected\":[");
    out.push_str(&rej);
    out.push_str("],\"summary\":{\"records\":");
    jw::int(&mut out, recs.len() as i64);
    out.push_str(",\"accepted\":");
    jw::int(&mut out, n_acc);
    out.push_str(",\"rejected\":");
    jw::int(&mut out, n_rej);
    out.push_str(",\"total_usd_cents\":");
    jw::int(&mut out, total_usd);
    out.push_str(",\"by_tier\":{\"gold\":");
    jw::int(&mut out, tiers[0]);
    out.push_str(",\"silver\":");
    jw::int(&mut out, tiers[1]);
    out.push_str(",\"bronze\":");
    jw::int(&mut out, tiers[2]);
    out.push_str("}}}");
    out
}
