//! db_query bootstrap (Rust): open the database in init, then the handler
//! in handler.rs for each event, served by lp_runtime (docs/suite.md).
mod handler;
#[path = "../../../suite/jw.rs"]
mod jw;
mod sqlite;

fn main() {
    lp_runtime::run_with_init(
        || handler::init().map_err(|e| lp_runtime::Error::new("DatabaseError", e)),
        |st: &mut handler::State, ev: &[u8], _ctx: &lp_runtime::Context| {
            Ok::<_, lp_runtime::Error>(handler::handle(st, ev))
        },
    )
}
