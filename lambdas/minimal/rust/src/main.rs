//! minimal — the smallest useful Lambda: a fixed API-Gateway-style response.
//! Byte-identical to lambdas/minimal/c and handler.ruchy (tests compare them).

const RESPONSE: &[u8] =
    br#"{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}"#;

fn main() {
    lp_runtime::run(|_event: &[u8], _ctx: &lp_runtime::Context| Ok::<_, lp_runtime::Error>(RESPONSE))
}
