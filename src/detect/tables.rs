//! Where the pipeline keeps its tables between queries: in memory, or as Parquet files on a
//! folder that every process of a cluster sees.
//!
//! In: the name, schema and batches of a table (a derived table, a case table, or an empty
//! lake table). Out: the table registered in the session under its name, for the next query.
//! [`TableStore::Memory`] keeps the batches in a `MemTable` (one process). [`TableStore::Shared`]
//! writes them to `DIR/<name>/part-0.parquet` (atomically: temporary name, then rename) and
//! registers a listing table over that folder, so that Ballista executors, which cannot see
//! the client's memory, read them. The same goes for `ip_to_asn`'s routing table: in memory
//! the UDF holds it; shared, the UDF names the file it is built from.
//! The pipeline itself is one code path over both.

use super::{Case, DetectError};
use crate::engine::listing_table;
use crate::engine::udf::ip_to_asn::{IpToAsn, RoutesFile, RoutesKind, RoutingTable};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where tables live between queries.
#[derive(Debug, Clone)]
pub enum TableStore {
    /// In the client's memory.
    Memory,
    /// Parquet files under this folder (absolute path; shared by every process).
    Shared(PathBuf),
}

/// The part file of table `name` under a shared folder.
pub fn part_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name).join("part-0.parquet")
}

impl TableStore {
    /// A store under `dir`, emptied first (tables of an earlier run must not be read).
    pub fn shared(dir: &Path) -> Result<TableStore, DetectError> {
        let io = |e: std::io::Error| DetectError::Output { path: dir.to_path_buf(), message: e.to_string() };
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        Ok(TableStore::Shared(dir.canonicalize().map_err(io)?))
    }

    /// A table of these rows: in memory, or written to the shared folder and read from there.
    pub fn provider(&self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Arc<dyn TableProvider>, DataFusionError> {
        match self {
            TableStore::Memory => Ok(Arc::new(MemTable::try_new(schema, vec![batches])?)),
            TableStore::Shared(dir) => {
                let part = part_path(dir, name);
                crate::lake::write_batches_atomically(dir, &part, schema.clone(), &batches)
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                Ok(listing_table(&dir.join(name), schema, vec![])?)
            }
        }
    }

    /// Registers the rows as table `name` in `ctx` (replacing a table of that name).
    pub fn register(&self, ctx: &SessionContext, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<(), DataFusionError> {
        let table = self.provider(name, schema, batches)?;
        ctx.deregister_table(name)?;
        ctx.register_table(name, table)?;
        Ok(())
    }

    /// `ip_to_asn` over the case's pfx2as file, else over the route intervals (the table
    /// `bgp_route_intervals`, already stored as `intervals`).
    pub fn ip_to_asn(&self, case: &Case, intervals: &[RecordBatch]) -> Result<ScalarUDF, DetectError> {
        let read_err = |p: &Path, e: std::io::Error| DetectError::Output { path: p.to_path_buf(), message: e.to_string() };
        match self {
            TableStore::Memory => {
                Ok(ScalarUDF::from(match &case.pfx2as {
                    Some(p) => {
                        IpToAsn::new(Arc::new(RoutingTable::from_pfx2as(&std::fs::read_to_string(p).map_err(|e| read_err(p, e))?).0))
                    }
                    // Built when a query first calls it (not at all without measurements).
                    None => IpToAsn::from_rows(intervals.to_vec()),
                }))
            }
            TableStore::Shared(dir) => {
                let file = match &case.pfx2as {
                    Some(p) => {
                        // A copy beside the tables: only the shared folder must be seen by all.
                        let copy = dir.join("pfx2as.txt");
                        std::fs::copy(p, &copy).map_err(|e| read_err(p, e))?;
                        RoutesFile::new(RoutesKind::Pfx2as, copy.clone()).map_err(|e| read_err(&copy, e))?
                    }
                    None => {
                        let part = part_path(dir, "bgp_route_intervals");
                        RoutesFile::new(RoutesKind::Intervals, part.clone()).map_err(|e| read_err(&part, e))?
                    }
                };
                Ok(ScalarUDF::from(IpToAsn::from_file(file)))
            }
        }
    }
}
