//! lp_runtime — a small AWS Lambda Runtime API (2018-06-01) client, std only.
//!
//! One keep-alive HTTP/1.1 connection over `std::net::TcpStream` to
//! `AWS_LAMBDA_RUNTIME_API`; buffers are allocated once and reused, so an
//! invocation costs no allocation beyond what the handler itself does.
//!
//! ```no_run
//! lp_runtime::run(|_event: &[u8], _ctx: &lp_runtime::Context| {
//!     Ok::<_, lp_runtime::Error>(&b"{\"ok\":true}"[..])
//! })
//! ```
//!
//! API (stable; see lambdas/runtime/README.md):
//! - [`run`]`(handler) -> !` — the invocation loop.
//! - [`run_with_init`]`(init, handler) -> !` — `init` runs once; its `Err`
//!   is posted to /init/error and the process exits 1.
//! - [`init_error`]`(&Error) -> !` — post /init/error yourself and exit 1.
//! - [`Context`] — request id, deadline, ARN, trace id, client context,
//!   cognito identity of the current invocation.
//! - [`Error`] — `{errorType, errorMessage}`; handlers' `Err` is posted to
//!   .../error with the Lambda-Runtime-Function-Error-Type header.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

const API_PREFIX: &str = "/2018-06-01/runtime";
/// Largest header block accepted from the Runtime API.
const MAX_HEADER: usize = 64 * 1024;
/// Largest event accepted (Lambda's invocation payload limit is 6 MB; the
/// margin covers future limits without letting a hostile peer exhaust memory).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// Exit status when the Runtime API cannot be reached or misbehaves.
const EXIT_ENV: i32 = 3;

/// The current invocation, as the Runtime API described it.
#[derive(Debug)]
pub struct Context<'a> {
    /// Lambda-Runtime-Aws-Request-Id.
    pub request_id: &'a str,
    /// Lambda-Runtime-Deadline-Ms: the deadline in epoch milliseconds (0 if absent).
    pub deadline_ms: u64,
    /// Lambda-Runtime-Invoked-Function-Arn.
    pub invoked_function_arn: &'a str,
    /// Lambda-Runtime-Trace-Id (also exported as `_X_AMZN_TRACE_ID`).
    pub trace_id: &'a str,
    /// Lambda-Runtime-Client-Context, when sent.
    pub client_context: Option<&'a str>,
    /// Lambda-Runtime-Cognito-Identity, when sent.
    pub cognito_identity: Option<&'a str>,
}

impl Context<'_> {
    /// Milliseconds left before the deadline (0 when passed or unknown).
    pub fn remaining_ms(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.deadline_ms.saturating_sub(now)
    }
}

/// A function error: posted as `{"errorMessage":..,"errorType":..}`.
#[derive(Debug, Clone)]
pub struct Error {
    pub error_type: Cow<'static, str>,
    pub message: Cow<'static, str>,
}

impl Error {
    pub fn new(error_type: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Error { error_type: error_type.into(), message: message.into() }
    }
}

/// Any std error converts (type "HandlerError"), so handlers can use `?`.
impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Self {
        Error::new("HandlerError", e.to_string())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

/// Run the invocation loop forever with `handler`.
pub fn run<F, R>(mut handler: F) -> !
where
    F: FnMut(&[u8], &Context) -> Result<R, Error>,
    R: AsRef<[u8]>,
{
    let mut rt = Runtime::connect_or_exit();
    rt.serve(|ev, ctx| handler(ev, ctx))
}

/// Run `init` once (its error goes to /init/error, exit 1), then the
/// invocation loop with `handler` and the state `init` returned.
pub fn run_with_init<S, I, F, R>(init: I, mut handler: F) -> !
where
    I: FnOnce() -> Result<S, Error>,
    F: FnMut(&mut S, &[u8], &Context) -> Result<R, Error>,
    R: AsRef<[u8]>,
{
    let mut rt = Runtime::connect_or_exit();
    let mut state = match init() {
        Ok(s) => s,
        Err(e) => rt.post_init_error(&e),
    };
    rt.serve(|ev, ctx| handler(&mut state, ev, ctx))
}

/// Post `err` to /init/error and exit 1.
pub fn init_error(err: &Error) -> ! {
    Runtime::connect_or_exit().post_init_error(err)
}

fn fatal(what: &str, e: &dyn std::fmt::Display) -> ! {
    eprintln!("lp_runtime: {what}: {e}");
    std::process::exit(EXIT_ENV)
}

struct Runtime {
    api: String,
    conn: Option<TcpStream>,
    /// Bytes read from the connection; [0, rpos) consumed, [rpos, rlen) pending.
    rbuf: Vec<u8>,
    rpos: usize,
    rlen: usize,
    /// Outgoing request (headers + body), reused.
    wbuf: Vec<u8>,
    request_id: String,
    arn: String,
    trace_id: String,
    client_context: String,
    cognito_identity: String,
}

/// Where a response's parts sit in rbuf.
struct Resp {
    status: u16,
    body_start: usize,
    body_len: usize,
    close: bool,
}

impl Runtime {
    fn connect_or_exit() -> Runtime {
        let api = match std::env::var("AWS_LAMBDA_RUNTIME_API") {
            Ok(v) if !v.is_empty() => v,
            _ => fatal("AWS_LAMBDA_RUNTIME_API", &"not set (run under Lambda or lp-invoke)"),
        };
        let mut rt = Runtime {
            api,
            conn: None,
            rbuf: vec![0; 16 * 1024],
            rpos: 0,
            rlen: 0,
            wbuf: Vec::with_capacity(1024),
            request_id: String::with_capacity(64),
            arn: String::with_capacity(128),
            trace_id: String::with_capacity(128),
            client_context: String::new(),
            cognito_identity: String::new(),
        };
        if let Err(e) = rt.reconnect() {
            fatal(&format!("connect {}", rt.api), &e);
        }
        rt
    }

    fn reconnect(&mut self) -> io::Result<()> {
        self.conn = None;
        self.rpos = 0;
        self.rlen = 0;
        let s = TcpStream::connect(self.api.as_str())?;
        // Requests are written in one piece; Nagle would only add latency.
        s.set_nodelay(true)?;
        self.conn = Some(s);
        Ok(())
    }

    fn serve<F, R>(&mut self, mut handler: F) -> !
    where
        F: FnMut(&[u8], &Context) -> Result<R, Error>,
        R: AsRef<[u8]>,
    {
        loop {
            let (start, len, deadline) = match self.next() {
                Ok(v) => v,
                Err(e) => fatal("invocation/next", &e),
            };
            // The header strings are owned by self; the event stays in rbuf
            // until the next read, which happens only after the handler ran.
            let result = {
                let ctx = Context {
                    request_id: &self.request_id,
                    deadline_ms: deadline,
                    invoked_function_arn: &self.arn,
                    trace_id: &self.trace_id,
                    client_context: opt(&self.client_context),
                    cognito_identity: opt(&self.cognito_identity),
                };
                handler(&self.rbuf[start..start + len], &ctx)
            };
            let posted = match &result {
                Ok(body) => self.post_response(body.as_ref()),
                Err(e) => self.post_error(e),
            };
            if let Err(e) = posted {
                fatal("posting the invocation result", &e);
            }
        }
    }

    /// GET /next; returns (event start, event length, deadline ms).
    fn next(&mut self) -> io::Result<(usize, usize, u64)> {
        self.wbuf.clear();
        self.wbuf.extend_from_slice(b"GET ");
        self.wbuf.extend_from_slice(API_PREFIX.as_bytes());
        self.wbuf.extend_from_slice(b"/invocation/next HTTP/1.1\r\nHost: ");
        self.wbuf.extend_from_slice(self.api.as_bytes());
        self.wbuf.extend_from_slice(b"\r\n\r\n");
        let resp = self.exchange()?;
        if resp.status != 200 {
            return Err(io::Error::other(format!("HTTP status {}", resp.status)));
        }
        let deadline = self.parse_invocation_headers(resp.body_start)?;
        Ok((resp.body_start, resp.body_len, deadline))
    }

    /// Copy the invocation headers into the context strings (no allocation
    /// once they have grown to size) and export the trace id.
    fn parse_invocation_headers(&mut self, hdr_end: usize) -> io::Result<u64> {
        self.request_id.clear();
        self.arn.clear();
        self.trace_id.clear();
        self.client_context.clear();
        self.cognito_identity.clear();
        let mut deadline = 0u64;
        let head = &self.rbuf[..hdr_end]; // exchange_once reads each response at 0
        for line in head.split(|&b| b == b'\n').skip(1) {
            let line = trim_cr(line);
            let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
            let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
            let Ok(value) = std::str::from_utf8(value) else { continue };
            if eq_ic(name, b"lambda-runtime-aws-request-id") {
                self.request_id.push_str(value);
            } else if eq_ic(name, b"lambda-runtime-deadline-ms") {
                deadline = value.parse().unwrap_or(0);
            } else if eq_ic(name, b"lambda-runtime-invoked-function-arn") {
                self.arn.push_str(value);
            } else if eq_ic(name, b"lambda-runtime-trace-id") {
                self.trace_id.push_str(value);
            } else if eq_ic(name, b"lambda-runtime-client-context") {
                self.client_context.push_str(value);
            } else if eq_ic(name, b"lambda-runtime-cognito-identity") {
                self.cognito_identity.push_str(value);
            }
        }
        if self.request_id.is_empty() || !self.request_id.bytes().all(is_id_byte) {
            return Err(io::Error::other("missing or malformed Lambda-Runtime-Aws-Request-Id"));
        }
        if self.trace_id.is_empty() {
            std::env::remove_var("_X_AMZN_TRACE_ID");
        } else {
            std::env::set_var("_X_AMZN_TRACE_ID", &self.trace_id);
        }
        Ok(deadline)
    }

    fn post_response(&mut self, body: &[u8]) -> io::Result<()> {
        self.start_post("/invocation/", "/response", None, body.len());
        self.wbuf.extend_from_slice(body);
        self.finish_post()
    }

    fn post_error(&mut self, err: &Error) -> io::Result<()> {
        let ty = header_safe(&err.error_type);
        let body = error_json(&ty, &err.message);
        self.start_post("/invocation/", "/error", Some(&ty), body.len());
        self.wbuf.extend_from_slice(body.as_bytes());
        self.finish_post()
    }

    fn post_init_error(&mut self, err: &Error) -> ! {
        let ty = header_safe(&err.error_type);
        let body = error_json(&ty, &err.message);
        self.request_id.clear();
        self.start_post("/init/error", "", Some(&ty), body.len());
        self.wbuf.extend_from_slice(body.as_bytes());
        if let Err(e) = self.finish_post() {
            fatal("init/error", &e);
        }
        eprintln!("lp_runtime: init failed: {err}");
        std::process::exit(1)
    }

    fn start_post(&mut self, mid: &str, tail: &str, error_type: Option<&str>, len: usize) {
        self.wbuf.clear();
        self.wbuf.extend_from_slice(b"POST ");
        self.wbuf.extend_from_slice(API_PREFIX.as_bytes());
        self.wbuf.extend_from_slice(mid.as_bytes());
        self.wbuf.extend_from_slice(self.request_id.as_bytes());
        self.wbuf.extend_from_slice(tail.as_bytes());
        self.wbuf.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        self.wbuf.extend_from_slice(self.api.as_bytes());
        if let Some(t) = error_type {
            self.wbuf.extend_from_slice(b"\r\nLambda-Runtime-Function-Error-Type: ");
            self.wbuf.extend_from_slice(t.as_bytes()); // header_safe already
            self.wbuf.extend_from_slice(b"\r\nContent-Type: application/json");
        }
        self.wbuf.extend_from_slice(b"\r\nContent-Length: ");
        let mut digits = [0u8; 20];
        self.wbuf.extend_from_slice(fmt_usize(len, &mut digits));
        self.wbuf.extend_from_slice(b"\r\n\r\n");
    }

    /// Ok for 2xx. A 4xx (e.g. 413 for a response over 6 MB) fails only
    /// that invocation: it is reported and the loop goes on, as the Runtime
    /// API documents; anything else (500: "runtime should exit") is an Err.
    fn finish_post(&mut self) -> io::Result<()> {
        let resp = self.exchange()?;
        if resp.status / 100 == 2 {
            return Ok(());
        }
        let b = &self.rbuf[resp.body_start..resp.body_start + resp.body_len];
        let msg = format!("HTTP status {}: {}", resp.status, String::from_utf8_lossy(&b[..b.len().min(512)]));
        if resp.status / 100 == 4 && !self.request_id.is_empty() {
            eprintln!("lp_runtime: invocation {} rejected: {msg}", self.request_id);
            return Ok(());
        }
        Err(io::Error::other(msg))
    }

    /// Send wbuf, read one response. Retries once on a fresh connection
    /// when the kept-alive one was closed by the peer before answering.
    fn exchange(&mut self) -> io::Result<Resp> {
        match self.exchange_once() {
            Ok(r) => Ok(r),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset
                || e.kind() == io::ErrorKind::BrokenPipe
                || e.kind() == io::ErrorKind::UnexpectedEof =>
            {
                self.reconnect()?;
                self.exchange_once()
            }
            Err(e) => Err(e),
        }
    }

    fn exchange_once(&mut self) -> io::Result<Resp> {
        if self.conn.is_none() {
            self.reconnect()?;
        }
        // Drop what the previous response left consumed.
        if self.rpos > 0 {
            self.rbuf.copy_within(self.rpos..self.rlen, 0);
            self.rlen -= self.rpos;
            self.rpos = 0;
        }
        let conn = self.conn.as_mut().expect("connected");
        conn.write_all(&self.wbuf)?;
        let resp = self.read_response()?;
        if resp.close {
            // Consumed after the caller reads the body; reconnect lazily.
            self.conn = None;
        }
        Ok(resp)
    }

    /// Read one response into rbuf starting at 0; handles Content-Length,
    /// chunked bodies and read-to-close.
    fn read_response(&mut self) -> io::Result<Resp> {
        // Headers.
        let hdr_end = loop {
            if let Some(i) = find_crlfcrlf(&self.rbuf[..self.rlen]) {
                break i + 4;
            }
            if self.rlen >= MAX_HEADER {
                return Err(io::Error::other("response header too large"));
            }
            self.fill()?;
        };
        let head = &self.rbuf[..hdr_end];
        let status = parse_status(head).ok_or_else(|| io::Error::other("malformed HTTP status line"))?;
        let mut content_length: Option<usize> = None;
        let mut chunked = false;
        let mut close = false;
        for line in head.split(|&b| b == b'\n').skip(1) {
            let line = trim_cr(line);
            let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
            let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
            if eq_ic(name, b"content-length") {
                let n = parse_len(value).ok_or_else(|| io::Error::other("bad Content-Length"))?;
                if content_length.is_some_and(|c| c != n) {
                    return Err(io::Error::other("conflicting Content-Length headers"));
                }
                content_length = Some(n);
            } else if eq_ic(name, b"transfer-encoding") {
                chunked = contains_ic(value, b"chunked");
            } else if eq_ic(name, b"connection") {
                close = contains_ic(value, b"close");
            }
        }
        let body_start = hdr_end;
        let body_len;
        if chunked {
            body_len = self.read_chunked(body_start)?;
        } else if let Some(n) = content_length {
            if n > MAX_BODY {
                return Err(io::Error::other(format!("body of {n} bytes exceeds {MAX_BODY}")));
            }
            // Size the buffer once for the whole body (kept for later events).
            if self.rbuf.len() < body_start + n {
                self.rbuf.resize(body_start + n, 0);
            }
            while self.rlen - body_start < n {
                self.fill()?;
            }
            body_len = n;
        } else if status == 204 || status == 304 || (100..200).contains(&status) {
            body_len = 0;
        } else {
            // No framing: the body runs to the end of the connection.
            loop {
                match self.fill() {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
                if self.rlen - body_start > MAX_BODY {
                    return Err(io::Error::other("unframed body too large"));
                }
            }
            body_len = self.rlen - body_start;
            close = true;
        }
        self.rpos = body_start + body_len;
        Ok(Resp { status, body_start, body_len, close })
    }

    /// Decode a chunked body in place; returns its length (data ends up
    /// contiguous at `start`).
    fn read_chunked(&mut self, start: usize) -> io::Result<usize> {
        let mut out = start; // end of decoded data
        let mut pos = start; // start of undecoded input
        loop {
            // Chunk-size line.
            let line_end = loop {
                if let Some(i) = find_crlf(&self.rbuf[pos..self.rlen]) {
                    break pos + i;
                }
                if self.rlen - pos > 1024 {
                    return Err(io::Error::other("chunk size line too long"));
                }
                self.fill()?;
            };
            let size_field = &self.rbuf[pos..line_end];
            let size_field = match size_field.iter().position(|&b| b == b';') {
                Some(i) => &size_field[..i],
                None => size_field,
            };
            let size = parse_hex(trim(size_field)).ok_or_else(|| io::Error::other("bad chunk size"))?;
            pos = line_end + 2;
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    let end = loop {
                        if let Some(i) = find_crlf(&self.rbuf[pos..self.rlen]) {
                            break pos + i;
                        }
                        if self.rlen - pos > MAX_HEADER {
                            return Err(io::Error::other("chunk trailer too large"));
                        }
                        self.fill()?;
                    };
                    let empty = end == pos;
                    pos = end + 2;
                    if empty {
                        break;
                    }
                }
                // Keep whatever follows (next response) right after the body.
                let rest = self.rlen - pos;
                self.rbuf.copy_within(pos..self.rlen, out);
                self.rlen = out + rest;
                return Ok(out - start);
            }
            if out - start + size > MAX_BODY {
                return Err(io::Error::other("chunked body too large"));
            }
            while self.rlen - pos < size + 2 {
                self.fill()?;
            }
            if &self.rbuf[pos + size..pos + size + 2] != b"\r\n" {
                return Err(io::Error::other("chunk not followed by CRLF"));
            }
            self.rbuf.copy_within(pos..pos + size, out);
            out += size;
            pos += size + 2;
        }
    }

    /// Read more bytes into rbuf (growing it when full).
    fn fill(&mut self) -> io::Result<()> {
        if self.rlen == self.rbuf.len() {
            let n = self.rbuf.len() * 2;
            self.rbuf.resize(n, 0);
        }
        let conn = self.conn.as_mut().ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        loop {
            match conn.read(&mut self.rbuf[self.rlen..]) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "Runtime API closed the connection")),
                Ok(n) => {
                    self.rlen += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

fn opt(s: &str) -> Option<&str> {
    if s.is_empty() { None } else { Some(s) }
}

fn is_id_byte(b: u8) -> bool {
    // The id goes into a request path: no spaces, slashes or controls.
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

/// The error type goes into a header: printable ASCII only, every other
/// byte becomes '_' (as lprt does).
fn header_safe(t: &str) -> String {
    t.bytes().map(|b| if (0x20..=0x7e).contains(&b) { b as char } else { '_' }).collect()
}

fn error_json(error_type: &str, message: &str) -> String {
    let mut s = String::with_capacity(message.len() + error_type.len() + 32);
    s.push_str("{\"errorMessage\":");
    json_str(&mut s, message);
    s.push_str(",\"errorType\":");
    json_str(&mut s, error_type);
    s.push('}');
    s
}

fn json_str(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn fmt_usize(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

fn find_crlfcrlf(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n")
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fn eq_ic(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn contains_ic(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// "HTTP/1.x NNN ..." -> NNN.
fn parse_status(head: &[u8]) -> Option<u16> {
    let rest = head.strip_prefix(b"HTTP/1.")?;
    let d = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0u16, |a, &c| a * 10 + (c - b'0') as u16))
}

/// Strict decimal, no sign, no overflow.
fn parse_len(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    v.iter().try_fold(0usize, |a, &c| {
        if c.is_ascii_digit() { a.checked_mul(10)?.checked_add((c - b'0') as usize) } else { None }
    })
}

fn parse_hex(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 15 {
        return None;
    }
    v.iter().try_fold(0usize, |a, &c| {
        let d = (c as char).to_digit(16)? as usize;
        a.checked_mul(16)?.checked_add(d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lengths_strictly() {
        assert_eq!(parse_len(b"0"), Some(0));
        assert_eq!(parse_len(b"123"), Some(123));
        assert_eq!(parse_len(b"-1"), None);
        assert_eq!(parse_len(b"99999999999999999999"), None);
        assert_eq!(parse_len(b""), None);
        assert_eq!(parse_hex(b"1f"), Some(31));
        assert_eq!(parse_hex(b"fffffffffffffffffff"), None);
    }

    #[test]
    fn parses_status() {
        assert_eq!(parse_status(b"HTTP/1.1 202 Accepted\r\n"), Some(202));
        assert_eq!(parse_status(b"HTTP/1.0 200 OK\r\n"), Some(200));
        assert_eq!(parse_status(b"HTTP/2 200\r\n"), None);
        assert_eq!(parse_status(b"HTTP/1.1 2x0\r\n"), None);
    }

    #[test]
    fn error_json_escapes() {
        assert_eq!(
            error_json(&header_safe("Bad\"Type\r\n"), "line\n\u{1}"),
            "{\"errorMessage\":\"line\\n\\u0001\",\"errorType\":\"Bad\\\"Type__\"}"
        );
    }
}
