//! The suite's canonical JSON writer (Rust side), identical in output to
//! jw.h: compact, keys in a fixed order written by the caller, integers
//! only, strings escaped as \" \\ \b \f \n \r \t and \u00xx (lowercase)
//! for the other control characters; every other character copied as is.

use std::fmt::Write;

pub fn str(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => {
                continue;
            }
        };
        out.push_str(&s[run..i]);
        run = i + 1;
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}

pub fn int(out: &mut String, v: i64) {
    let _ = write!(out, "{}", v);
}

/// The whole response for a rejected event.
pub fn error(msg: &str) -> String {
    let mut out = String::from("{\"error\":");
    str(&mut out, msg);
    out.push('}');
    out
}
