//! The bootstrap of a Ruchy function (copied into the generated crate by
//! mk/lambdas.mk). `handler.rs` is what `ruchy transpile` made of
//! lambdas/FUNC/handler.ruchy; the contract for a Ruchy handler is
//!
//!     pub fun lambda_handler(request_id: &str, body: &str) -> String
//!
//! (the signature of paiml/ruchy-lambda's handlers); the string it returns
//! is the response. The transpiler appends an empty `fn main() {}` to files
//! without one, hence the allowances.

#[allow(dead_code, unused_variables, unused_imports, unused_parens, clippy::all)]
mod handler;

fn main() {
    lp_runtime::run(|event: &[u8], ctx: &lp_runtime::Context| {
        let body = std::str::from_utf8(event)
            .map_err(|e| lp_runtime::Error::new("InvalidEvent", format!("event is not UTF-8: {e}")))?;
        Ok::<_, lp_runtime::Error>(handler::lambda_handler(ctx.request_id, body))
    })
}
