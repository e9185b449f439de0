//! User-defined SQL functions, one per file, all registered in [`register_all`].
//!
//! In: a session. Out: the same session with every UDF of lightsout registered, so that
//! queries in `queries/` and ad hoc SQL can call them.

pub mod ip_to_asn;
mod prefix_contains;

use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;

/// Registers every UDF.
pub fn register_all(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(prefix_contains::PrefixContains::new()));
}
