//! api_gateway bootstrap (Rust): the handler in handler.rs, served by
//! lp_runtime (docs/suite.md).
mod handler;
#[path = "../../../suite/jw.rs"]
mod jw;

fn main() {
    lp_runtime::run(|ev: &[u8], _ctx: &lp_runtime::Context| Ok::<_, lp_runtime::Error>(handler::handle(ev)))
}
