//! A Ballista scheduler that knows lightsout's UDFs and codecs.
//!
//! In: the address to listen on. Out: a running scheduler (until the process is stopped),
//! started through `ballista_scheduler`'s library entry point: the stock binary cannot
//! decode plans that use lightsout's functions. Sessions are Ballista's default ones plus
//! lightsout's UDFs; state is kept in memory (one scheduler).

use super::codec::{LogicalCodec, PhysicalCodec};
use crate::engine::udf;
use ballista_core::error::Result;
use ballista_core::utils::default_session_builder;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};
use std::net::SocketAddr;
use std::sync::Arc;

/// A client's session on the scheduler: Ballista's, with lightsout's UDFs.
fn session_state(config: SessionConfig) -> datafusion::error::Result<SessionState> {
    let ctx = SessionContext::new_with_state(default_session_builder(config)?);
    udf::register_all(&ctx);
    Ok(ctx.state())
}

/// Runs a scheduler listening on `bind` until the process ends.
pub async fn run(bind: SocketAddr) -> Result<()> {
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        external_host: bind.ip().to_string(),
        override_session_builder: Some(Arc::new(session_state)),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config).await?;
    start_server(cluster, bind, Arc::new(config)).await
}
