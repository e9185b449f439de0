//! `lightsout detect`: from the lake to signals, outage windows and verdicts.
//!
//! In: a [`Case`] and a lake. Out: [`Detection`]: the derived tables of the SQL pipeline
//! (`queries/*.sql`, run in [`queries::PIPELINE`] order through DataFusion, each result
//! registered under its name for the next query), the windows with their verdict and
//! evidence ([`verdict`]), and row counts and query hashes for the manifest. Writing the
//! outputs is [`output`]'s job.

pub mod case;
pub mod duration;
pub mod events;
pub mod output;
pub mod params;
pub mod queries;
pub mod verdict;

pub use case::{Case, CaseError};

use crate::engine::udf::ip_to_asn::{IpToAsn, RoutingTable};
use crate::engine::{EngineError, register_lake};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors of detection.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("query {query}: {source}")]
    Query { query: String, source: DataFusionError },
    #[error("queries: {0}")]
    Queries(String),
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },
}

/// A derived table: its schema and batches.
#[derive(Debug, Clone)]
pub struct Derived {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl Derived {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

/// The result of detection.
#[derive(Debug)]
pub struct Detection {
    pub tables: BTreeMap<&'static str, Derived>,
    pub queries: Vec<queries::Query>,
    pub windows: Vec<verdict::Window>,
    pub events: Vec<events::Event>,
    /// The lake's ledger: (path, sha256, status) of every input file, sorted by path.
    pub inputs: Vec<(String, String, String)>,
}

/// Options of a detection run.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Read the queries from this folder instead of the built-in ones.
    pub queries: Option<PathBuf>,
}

/// The routing table behind `ip_to_asn`: the case's CAIDA pfx2as file when it names one,
/// else the route intervals of the lake.
fn routing_table(case: &Case, intervals: &[RecordBatch]) -> Result<RoutingTable, DetectError> {
    match &case.pfx2as {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| DetectError::Output { path: p.clone(), message: e.to_string() })?;
            Ok(RoutingTable::from_pfx2as(&text).0)
        }
        None => RoutingTable::from_intervals(intervals).map_err(|source| DetectError::Query { query: "ip_to_asn".into(), source }),
    }
}

/// Runs the SQL pipeline for `case` over the lake at `lake` in a new session.
pub async fn detect(case: &Case, lake: &Path, opts: &DetectOptions) -> Result<Detection, DetectError> {
    let ctx = crate::engine::new_session(opts.threads);
    register_lake(&ctx, lake).await?;
    detect_in(&ctx, case, opts).await
}

/// Runs the SQL pipeline in `ctx`, whose lake tables are registered already.
pub async fn detect_in(ctx: &SessionContext, case: &Case, opts: &DetectOptions) -> Result<Detection, DetectError> {
    let qerr = |query: &str| {
        let query = query.to_string();
        move |source| DetectError::Query { query: query.clone(), source }
    };
    params::register_case_tables(ctx, case).map_err(qerr("case tables"))?;
    let queries = queries::load(opts.queries.as_deref()).map_err(DetectError::Queries)?;
    let values = params::param_values(case);
    let mut tables = BTreeMap::new();
    // LIGHTSOUT_TIMINGS=1 prints how long each query took (for profiling, on stderr).
    let timings = std::env::var_os("LIGHTSOUT_TIMINGS").is_some();
    for q in &queries {
        let started = std::time::Instant::now();
        let df = ctx.sql(&q.text).await.map_err(qerr(q.name))?;
        let df = df.with_param_values(values.clone()).map_err(qerr(q.name))?;
        let planned: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await.map_err(qerr(q.name))?;
        // The batches' schema can differ from the plan's in nullability; theirs is the truth.
        let schema = batches.first().map(|b| b.schema()).unwrap_or(planned);
        let table = MemTable::try_new(schema.clone(), vec![batches.clone()]).map_err(qerr(q.name))?;
        ctx.deregister_table(q.name).map_err(qerr(q.name))?;
        ctx.register_table(q.name, Arc::new(table)).map_err(qerr(q.name))?;
        if q.name == "bgp_route_intervals" {
            // IP-to-AS for the measurement queries: the case's pfx2as file, else the routes.
            let table = routing_table(case, &batches)?;
            ctx.register_udf(ScalarUDF::from(IpToAsn::new(Arc::new(table))));
        }
        if timings {
            eprintln!(
                "{:>8.3} s  {:>9} rows  {}",
                started.elapsed().as_secs_f64(),
                batches.iter().map(|b| b.num_rows()).sum::<usize>(),
                q.name
            );
        }
        tables.insert(q.name, Derived { schema, batches });
    }
    let windows = verdict::judge(case, &tables).map_err(qerr("windows"))?;
    let events = events::fuse(&windows, &tables).map_err(qerr("events"))?;
    let ledger = ctx.sql("SELECT path, sha256, status FROM ingest_files ORDER BY path, sha256").await.map_err(qerr("ingest_files"))?;
    let mut inputs = Vec::new();
    for b in ledger.collect().await.map_err(qerr("ingest_files"))? {
        let col = |i: usize| {
            arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8)
                .map(|c| c.as_any().downcast_ref::<arrow::array::StringArray>().cloned())
        };
        if let (Ok(Some(p)), Ok(Some(s)), Ok(Some(st))) = (col(0), col(1), col(2)) {
            for i in 0..b.num_rows() {
                inputs.push((p.value(i).to_string(), s.value(i).to_string(), st.value(i).to_string()));
            }
        }
    }
    Ok(Detection { tables, queries, windows, events, inputs })
}
