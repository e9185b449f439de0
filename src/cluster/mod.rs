//! Detection on an Apache DataFusion Ballista cluster (feature `ballista`).
//!
//! In: a scheduler URL (`ballista://HOST:PORT`). Out: a client session whose queries are
//! planned by that scheduler and run by its executors ([`remote_session`]), and the two kinds
//! of server process, started through the Ballista crates' library entry points with
//! lightsout's UDFs known to them ([`scheduler`], [`executor`]; `lightsout cluster`).
//!
//! What travels between them: logical plans (client to scheduler) and physical plans
//! (scheduler to executors) in DataFusion's protobuf form. `prefix_contains`, `prefix_trunc`,
//! `moving_median` and `moving_count` travel by name and every process has them registered;
//! `ip_to_asn` carries its routing table's file reference ([`codec`]). Tables travel as
//! listing-table scans of absolute paths, so the lake and the pipeline's shared table folder
//! must be visible at the same path to every executor.

pub mod codec;
pub mod executor;
pub mod scheduler;

use crate::engine::{session_config, udf};
use ballista::extension::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use datafusion::error::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::SessionContext;
use std::sync::Arc;

/// A session on the scheduler at `url` (`ballista://HOST:PORT`), with lightsout's settings
/// ([`session_config`]), codecs and UDFs.
pub async fn remote_session(url: &str, threads: usize) -> Result<SessionContext> {
    let mut config = session_config(threads);
    // Ballista 55's planner may swap a hash join's inputs after DataFusion has built its
    // dynamic filters; the scheduler then fails the task update and the job hangs. Dynamic
    // filters only prune reads, so results are the same without them.
    let o = &mut config.options_mut().optimizer;
    o.enable_dynamic_filter_pushdown = false;
    o.enable_join_dynamic_filter_pushdown = false;
    o.enable_topk_dynamic_filter_pushdown = false;
    o.enable_aggregate_dynamic_filter_pushdown = false;
    let config = config
        .with_ballista_logical_extension_codec(Arc::new(codec::LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(codec::PhysicalCodec::default()))
        // Ballista 55's adaptive planner re-plans the first query's stages without end (12,000
        // stages and counting on the demo lake); the static planner runs the same plans.
        .with_ballista_adaptive_query_planner(false);
    let state = SessionStateBuilder::new().with_config(config).with_default_features().build();
    let ctx = SessionContext::remote_with_state(url, state).await?;
    // After the upgrade to a Ballista session, whose function list is Ballista's own.
    udf::register_all(&ctx);
    Ok(ctx)
}
