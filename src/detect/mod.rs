//! `lightsout detect`: from the lake to signals, outage windows and verdicts.
//!
//! In: a [`Case`] and a lake. Out: [`Detection`]: the derived tables of the SQL pipeline
//! (`queries/*.sql`, run in [`queries::PIPELINE`] order through DataFusion, each result
//! registered under its name for the next query), the windows with their verdict and
//! evidence ([`verdict`]), and row counts and query hashes for the manifest. Writing the
//! outputs is [`output`]'s job.
//!
//! The queries run in process ([`Engine::Local`]) or on an Apache DataFusion Ballista cluster
//! ([`Engine::Ballista`], feature `ballista`); where the tables between queries live is
//! [`tables::TableStore`]'s business, so the pipeline is one code path for both.

pub mod case;
pub mod duration;
pub mod events;
pub mod output;
pub mod params;
pub mod queries;
pub mod tables;
pub mod verdict;

pub use case::{Case, CaseError};

use crate::engine::{EngineError, register_lake_with, sql_schema};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tables::TableStore;

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
    #[error("cluster: {0}")]
    Cluster(String),
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

/// Where the queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// DataFusion in this process.
    #[default]
    Local,
    /// An Apache DataFusion Ballista scheduler at this URL (`ballista://HOST:PORT`) and its
    /// executors (started with `lightsout cluster`, so that they know lightsout's UDFs).
    Ballista(String),
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> Result<Engine, String> {
        if s == "local" {
            return Ok(Engine::Local);
        }
        match s.strip_prefix("ballista://") {
            Some(rest) if !rest.is_empty() => Ok(Engine::Ballista(s.to_string())),
            _ => Err(format!("{s}: expected `local` or `ballista://HOST:PORT`")),
        }
    }
}

/// Options of a detection run.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// Worker threads (0: one per core); on a cluster, the partitions of each stage.
    pub threads: usize,
    /// Read the queries from this folder instead of the built-in ones.
    pub queries: Option<PathBuf>,
    /// Where the queries run.
    pub engine: Engine,
    /// Keep the case and derived tables as Parquet under this folder (emptied first) instead
    /// of in memory. Required on a cluster, where it must be a folder every executor sees at
    /// the same path; in process it exercises the same path.
    pub shared_tables: Option<PathBuf>,
}

impl DetectOptions {
    fn store(&self) -> Result<TableStore, DetectError> {
        match (&self.engine, &self.shared_tables) {
            (_, Some(dir)) => TableStore::shared(dir),
            (Engine::Local, None) => Ok(TableStore::Memory),
            (Engine::Ballista(_), None) => Err(DetectError::Cluster("a cluster run needs a shared folder for its tables".into())),
        }
    }
}

/// A session for `opts.engine`.
async fn session(opts: &DetectOptions) -> Result<SessionContext, DetectError> {
    match &opts.engine {
        Engine::Local => Ok(crate::engine::new_session(opts.threads)),
        #[cfg(feature = "ballista")]
        Engine::Ballista(url) => {
            crate::cluster::remote_session(url, opts.threads).await.map_err(|e| DetectError::Cluster(format!("{url}: {e}")))
        }
        #[cfg(not(feature = "ballista"))]
        Engine::Ballista(url) => Err(DetectError::Cluster(format!("{url}: this lightsout was built without the `ballista` feature"))),
    }
}

/// Runs the SQL pipeline for `case` over the lake at `lake` in a new session.
pub async fn detect(case: &Case, lake: &Path, opts: &DetectOptions) -> Result<Detection, DetectError> {
    let ctx = session(opts).await?;
    let store = opts.store()?;
    let empty = |table: lightsout_formats::Table| store.provider(table.name(), sql_schema(table), vec![]);
    register_lake_with(&ctx, lake, &empty).await?;
    run_pipeline(&ctx, case, opts, &store).await
}

/// Runs the SQL pipeline in `ctx`, whose lake tables are registered already.
pub async fn detect_in(ctx: &SessionContext, case: &Case, opts: &DetectOptions) -> Result<Detection, DetectError> {
    run_pipeline(ctx, case, opts, &opts.store()?).await
}

async fn run_pipeline(ctx: &SessionContext, case: &Case, opts: &DetectOptions, store: &TableStore) -> Result<Detection, DetectError> {
    let qerr = |query: &str| {
        let query = query.to_string();
        move |source| DetectError::Query { query: query.clone(), source }
    };
    params::register_case_tables(ctx, case, store).map_err(qerr("case tables"))?;
    let queries = queries::load(opts.queries.as_deref()).map_err(DetectError::Queries)?;
    let values = params::param_values(case);
    let mut tables = BTreeMap::new();
    // LIGHTSOUT_TIMINGS=1 prints how long each query took (for profiling, on stderr).
    let timings = std::env::var_os("LIGHTSOUT_TIMINGS").is_some();
    for q in &queries {
        let started = std::time::Instant::now();
        let df = ctx.sql(&q.text).await.map_err(qerr(q.name))?;
        let df = df.with_param_values(values.clone()).map_err(qerr(q.name))?;
        // LIGHTSOUT_EXPLAIN=<query> prints that query's plan with its run-time metrics.
        if std::env::var("LIGHTSOUT_EXPLAIN").ok().as_deref() == Some(q.name) {
            let plan = df.clone().explain(false, true).map_err(qerr(q.name))?.collect().await.map_err(qerr(q.name))?;
            eprintln!("{}", arrow::util::pretty::pretty_format_batches(&plan).map(|t| t.to_string()).unwrap_or_default());
        }
        let planned: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = compact(df.collect().await.map_err(qerr(q.name))?).map_err(qerr(q.name))?;
        // The batches' schema can differ from the plan's in nullability; theirs is the truth.
        let schema = batches.first().map(|b| b.schema()).unwrap_or(planned);
        store.register(ctx, q.name, schema.clone(), batches.clone()).map_err(qerr(q.name))?;
        if q.name == "bgp_route_intervals" {
            // IP-to-AS for the measurement queries: the case's pfx2as file, else the routes.
            ctx.register_udf(store.ip_to_asn(case, &batches)?);
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
    let started = std::time::Instant::now();
    let windows = verdict::judge(case, &tables).map_err(qerr("windows"))?;
    let events = events::fuse(&windows, &tables).map_err(qerr("events"))?;
    if timings {
        eprintln!("{:>8.3} s  {:>9} rows  (verdicts and events)", started.elapsed().as_secs_f64(), windows.len());
    }
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

/// Copies the strings of view columns (`Utf8View`, `BinaryView`) out of the buffers they share
/// with the query's inputs. A sort or window returns batches whose views point into every data
/// buffer of its input; kept as a table, each batch then holds (and every later operator
/// clones and accounts for) all of them: on the bench lake, 1.4 M route intervals in 167
/// batches counted 48 GB, and a join over them took seconds.
fn compact(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, DataFusionError> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::DataType;
    batches
        .into_iter()
        .map(|b| {
            let shares = b.columns().iter().any(|c| match c.data_type() {
                DataType::Utf8View => c.as_string_view().data_buffers().len() > 1,
                DataType::BinaryView => c.as_binary_view().data_buffers().len() > 1,
                _ => false,
            });
            if !shares {
                return Ok(b);
            }
            let columns = b
                .columns()
                .iter()
                .map(|c| match c.data_type() {
                    DataType::Utf8View => Arc::new(c.as_string_view().gc()) as arrow::array::ArrayRef,
                    DataType::BinaryView => Arc::new(c.as_binary_view().gc()) as arrow::array::ArrayRef,
                    _ => c.clone(),
                })
                .collect();
            Ok(RecordBatch::try_new(b.schema(), columns)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_local_or_a_ballista_url() {
        assert_eq!("local".parse::<Engine>(), Ok(Engine::Local));
        assert_eq!("ballista://10.0.0.1:50050".parse::<Engine>(), Ok(Engine::Ballista("ballista://10.0.0.1:50050".into())));
        assert!("ballista://".parse::<Engine>().is_err());
        assert!("http://10.0.0.1:50050".parse::<Engine>().is_err());
    }

    #[test]
    fn compacting_keeps_the_values_and_drops_the_shared_buffers() {
        use arrow::array::{AsArray, StringViewBuilder};
        use arrow::datatypes::{DataType, Field, Schema};
        // Strings longer than 12 bytes live in data buffers; a small block size makes several.
        let mut b = StringViewBuilder::new().with_fixed_block_size(64);
        for i in 0..100 {
            b.append_value(format!("2001:db8:{i}::/48 and some more"));
        }
        let big = b.finish();
        let slice = big.slice(10, 3);
        assert!(slice.data_buffers().len() > 1);
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8View, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(slice.clone())]).unwrap();
        let out = compact(vec![batch]).unwrap();
        let col = out[0].column(0).as_string_view();
        assert!(col.data_buffers().len() <= 1);
        let want: Vec<_> = slice.iter().collect();
        assert_eq!(col.iter().collect::<Vec<_>>(), want);
    }

    #[test]
    fn a_cluster_run_needs_a_shared_folder() {
        let opts = DetectOptions { engine: Engine::Ballista("ballista://h:1".into()), ..DetectOptions::default() };
        assert!(matches!(opts.store(), Err(DetectError::Cluster(_))));
        assert!(matches!(DetectOptions::default().store(), Ok(TableStore::Memory)));
    }
}
