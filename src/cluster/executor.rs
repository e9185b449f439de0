//! A Ballista executor that knows lightsout's UDFs and codecs.
//!
//! In: where the scheduler is, the ports to serve on, a work folder for shuffle files and the
//! number of tasks to run at once. Out: a running executor (until the process is stopped),
//! started through `ballista_executor`'s library entry point with a function registry that
//! holds DataFusion's functions plus lightsout's, and the codecs of [`super::codec`].

use super::codec::{LogicalCodec, PhysicalCodec};
use crate::engine::udf;
use ballista_core::error::Result;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use datafusion::prelude::SessionContext;
use std::sync::Arc;

/// Where an executor serves and whom it serves.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's host and gRPC port.
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// Address to bind, and the host name others reach this executor by.
    pub bind_host: String,
    pub external_host: Option<String>,
    /// Arrow Flight port (shuffle data) and gRPC port.
    pub flight_port: u16,
    pub grpc_port: u16,
    /// Folder for shuffle files (a temporary folder when `None`).
    pub work_dir: Option<String>,
    /// Tasks run at once (0: one per core).
    pub concurrent_tasks: usize,
}

/// Every function a DataFusion session has by default (Ballista's default registry lacks
/// the nested ones, such as `range`) and lightsout's (`ip_to_asn` arrives with each plan, see
/// [`super::codec`]).
pub fn function_registry() -> BallistaFunctionRegistry {
    let ctx = SessionContext::new();
    udf::register_all(&ctx);
    BallistaFunctionRegistry::from(&ctx.state())
}

/// Runs an executor until the process ends (or the scheduler tells it to stop).
pub async fn run(o: ExecutorOptions) -> Result<()> {
    let config = ExecutorProcessConfig {
        scheduler_host: o.scheduler_host,
        scheduler_port: o.scheduler_port,
        bind_host: o.bind_host,
        external_host: o.external_host,
        port: o.flight_port,
        grpc_port: o.grpc_port,
        work_dir: o.work_dir,
        vcores: o.concurrent_tasks,
        // Heartbeats often enough that a restarted scheduler learns of us soon.
        executor_heartbeat_interval_seconds: 5,
        override_function_registry: Some(Arc::new(function_registry())),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config)).await
}
