//! The SQL engine: a DataFusion session over the lake.
//!
//! In: a lake folder. Out: a `SessionContext` in which every table of
//! [`lightsout_formats::Table`] is registered under its name with its declared schema (plus
//! the `date` partition column for data tables; nothing is inferred from the files), and the
//! UDFs of [`udf`] are registered; helpers to run SQL text and collect the batches.
//! A table that has no files yet is an empty table of the same schema.

pub mod udf;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};
use lightsout_formats::Table;
use std::path::Path;
use std::sync::Arc;

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("registering {table}: {source}")]
    Register { table: String, source: DataFusionError },
    #[error("{context}: {source}")]
    Query { context: String, source: DataFusionError },
}

/// The schema of a lake table as SQL sees it: the declared columns plus `date` for
/// partitioned tables.
pub fn sql_schema(table: Table) -> SchemaRef {
    let s = table.schema();
    if !table.partitioned() {
        return s;
    }
    let mut fields: Vec<Field> = s.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("date", DataType::Utf8, false));
    Arc::new(Schema::new(fields))
}

/// A session configured for lightsout: `threads` target partitions (0: one per core),
/// deterministic settings (no repartitioning of small files by statistics that could change
/// output order: every query that writes output sorts it).
pub fn new_session(threads: usize) -> SessionContext {
    let ctx = SessionContext::new_with_config(session_config(threads));
    udf::register_all(&ctx);
    ctx
}

/// The settings of [`new_session`] (a cluster session starts from them too).
pub fn session_config(threads: usize) -> SessionConfig {
    let mut config = SessionConfig::new().with_information_schema(true);
    if threads > 0 {
        config = config.with_target_partitions(threads);
    }
    let options = config.options_mut();
    options.execution.parquet.pushdown_filters = true;
    options.execution.parquet.reorder_filters = true;
    config
}

/// A session with every table of the lake at `lake` registered.
pub async fn lake_session(lake: &Path, threads: usize) -> Result<SessionContext, EngineError> {
    let ctx = new_session(threads);
    register_lake(&ctx, lake).await?;
    Ok(ctx)
}

/// Registers every lake table in `ctx`.
pub async fn register_lake(ctx: &SessionContext, lake: &Path) -> Result<(), EngineError> {
    let empty = |table: Table| -> Result<Arc<dyn TableProvider>, DataFusionError> {
        Ok(Arc::new(MemTable::try_new(sql_schema(table), vec![vec![]])?))
    };
    register_lake_with(ctx, lake, &empty).await
}

/// Registers every lake table in `ctx`; a table without files is `empty(table)` (an empty
/// table of its [`sql_schema`]).
pub async fn register_lake_with(
    ctx: &SessionContext,
    lake: &Path,
    empty: &dyn Fn(Table) -> Result<Arc<dyn TableProvider>, DataFusionError>,
) -> Result<(), EngineError> {
    for table in Table::ALL {
        let dir = lake.join(table.name());
        let reg = |e| EngineError::Register { table: table.name().into(), source: e };
        let has_files = dir.is_dir() && dir_has_parquet(&dir);
        if !has_files {
            ctx.register_table(table.name(), empty(table).map_err(reg)?).map_err(reg)?;
            continue;
        }
        let partition_cols = if table.partitioned() { vec![("date".to_string(), DataType::Utf8)] } else { vec![] };
        let provider = listing_table(&dir, table.schema(), partition_cols).map_err(reg)?;
        ctx.register_table(table.name(), provider).map_err(reg)?;
    }
    Ok(())
}

/// A table over the Parquet files under `dir` (absolute path, so that every process of a
/// cluster reads the same folder), with the declared `schema`: nothing is inferred.
pub fn listing_table(dir: &Path, schema: SchemaRef, partition_cols: Vec<(String, DataType)>) -> Result<Arc<ListingTable>, DataFusionError> {
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet").with_table_partition_cols(partition_cols);
    let mut url = dir.canonicalize().unwrap_or(dir.to_path_buf()).to_string_lossy().into_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    let url = ListingTableUrl::parse(&url)?;
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

fn dir_has_parquet(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else { return false };
    rd.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() { dir_has_parquet(&p) } else { p.extension().is_some_and(|x| x == "parquet") }
    })
}

/// Runs one SQL statement and collects its result.
pub async fn run_sql(ctx: &SessionContext, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>), EngineError> {
    let q = |e| EngineError::Query { context: "running SQL".into(), source: e };
    let df = ctx.sql(sql).await.map_err(q)?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.map_err(q)?;
    Ok((schema, batches))
}

/// A tokio runtime for the engine with `threads` workers (0: one per core).
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        b.worker_threads(threads);
    }
    b.enable_all().build()
}
