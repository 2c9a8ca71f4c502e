//! rsprobe — exercises lp_runtime: LP_TEST_FAIL_INIT makes init fail; an
//! event containing "fail" makes the handler fail; otherwise it answers
//! with what it was given (length, trace id exported, context fields).
use lp_runtime::{Context, Error};

fn main() {
    lp_runtime::run_with_init(
        || match std::env::var("LP_TEST_FAIL_INIT") {
            Ok(why) => Err(Error::new("Init.Broken", format!("cannot start: {why}"))),
            Err(_) => Ok(0u32),
        },
        |calls: &mut u32, event: &[u8], ctx: &Context| {
            *calls += 1;
            if event.windows(6).any(|w| w == b"\"fail\"") {
                return Err(Error::new("Bad\r\nType", "said \"no\"\tto it"));
            }
            let trace = std::env::var("_X_AMZN_TRACE_ID").map(|t| t == ctx.trace_id).unwrap_or(false);
            Ok(format!(
                "{{\"len\":{},\"trace\":{},\"calls\":{},\"arn\":{}}}",
                event.len(),
                trace as u8,
                calls,
                !ctx.invoked_function_arn.is_empty() && !ctx.request_id.is_empty()
            ))
        },
    )
}
