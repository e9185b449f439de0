//! User-defined SQL functions, one per file, all registered in [`register_all`].
//!
//! In: a session. Out: the same session with every UDF of lightsout registered, so that
//! queries in `queries/` and ad hoc SQL can call them.

pub mod ip_to_asn;
mod moving_median;
mod prefix_contains;
mod prefix_trunc;
mod route_end;

use datafusion::logical_expr::{ScalarUDF, WindowUDF};
use datafusion::prelude::SessionContext;

/// The stateless scalar UDFs (every process of a cluster knows them by name).
pub fn scalar_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(prefix_contains::PrefixContains::new()), ScalarUDF::from(prefix_trunc::PrefixTrunc::new())]
}

/// The window UDFs.
pub fn window_udfs() -> Vec<WindowUDF> {
    vec![
        WindowUDF::from(moving_median::MovingWindow::new(moving_median::Stat::Median)),
        WindowUDF::from(moving_median::MovingWindow::new(moving_median::Stat::Count)),
        WindowUDF::from(route_end::RouteEnd::new()),
    ]
}

/// Registers every UDF.
pub fn register_all(ctx: &SessionContext) {
    for f in scalar_udfs() {
        ctx.register_udf(f);
    }
    for f in window_udfs() {
        ctx.register_udwf(f);
    }
}
