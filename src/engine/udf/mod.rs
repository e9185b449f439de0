//! User-defined SQL functions, one per file, all registered in [`register_all`].
//!
//! In: a session. Out: the same session with every UDF of lightsout registered, so that
//! queries in `queries/` and ad hoc SQL can call them.

pub mod ip_to_asn;
mod moving_median;
mod prefix_contains;

use datafusion::logical_expr::{ScalarUDF, WindowUDF};
use datafusion::prelude::SessionContext;

/// Registers every UDF.
pub fn register_all(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(prefix_contains::PrefixContains::new()));
    ctx.register_udwf(WindowUDF::from(moving_median::MovingWindow::new(moving_median::Stat::Median)));
    ctx.register_udwf(WindowUDF::from(moving_median::MovingWindow::new(moving_median::Stat::Count)));
}
