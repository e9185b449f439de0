//! `ip_to_asn(addr, ts) -> uint32`: the origin AS of the most specific prefix that routed
//! `addr` at time `ts` (longest-prefix match over time).
//!
//! In: a [`RoutingTable`], built from the lake's routing data (the `bgp_route_intervals` of
//! detection: which prefix was announced with which origin, when) or from a CAIDA pfx2as file
//! (valid at every time). Out: a scalar UDF; NULL when no prefix covers the address at that
//! time or the address does not parse. `ts` is a timestamp (or microseconds as Int64); NULL
//! `ts` matches any time.
//!
//! The table is built per detection run (it is data, not code); the stateless UDFs are
//! registered in [`super::register_all`], this one by whoever built the table.
//!
//! On a cluster the table cannot travel with the plan (a month of routes is large): the UDF
//! then holds a [`RoutesFile`] instead, the path and sha256 of the rows it is built from on
//! a folder every process sees. That is what the plan carries (see `cluster::codec`); each
//! process builds the table from the file once ([`RoutesFile::load`], cached), with the same
//! code as in process, so lookups are the same.

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature, Volatility};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Origin AS per prefix over time: `[start, end)` in UTC microseconds.
#[derive(Debug, Default)]
pub struct RoutingTable {
    v4: PrefixMap<Ipv4Net, Vec<(i64, i64, u32)>>,
    v6: PrefixMap<Ipv6Net, Vec<(i64, i64, u32)>>,
    prefixes: usize,
}

impl RoutingTable {
    /// Builds the table from rows with `prefix`, `origin_asn`, `start_us`, `end_us` (NULL: still
    /// up): intervals of the same prefix and origin that overlap or touch are merged.
    pub fn from_intervals(batches: &[RecordBatch]) -> Result<RoutingTable> {
        let mut by_prefix: BTreeMap<(IpNet, u32), Vec<(i64, i64)>> = BTreeMap::new();
        for b in batches {
            let get = |n: &str| {
                b.column_by_name(n).cloned().ok_or_else(|| datafusion::error::DataFusionError::Internal(format!("routing rows lack {n}")))
            };
            let prefix = arrow::compute::cast(&get("prefix")?, &DataType::Utf8)?;
            let prefix = prefix.as_string::<i32>();
            let origin = arrow::compute::cast(&get("origin_asn")?, &DataType::UInt32)?;
            let origin = origin.as_primitive::<arrow::datatypes::UInt32Type>();
            let start = arrow::compute::cast(&get("start_us")?, &DataType::Int64)?;
            let start = start.as_primitive::<Int64Type>();
            let end = arrow::compute::cast(&get("end_us")?, &DataType::Int64)?;
            let end = end.as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                if prefix.is_null(i) || origin.is_null(i) || start.is_null(i) {
                    continue;
                }
                let Ok(net) = prefix.value(i).parse::<IpNet>() else { continue };
                let e = if end.is_null(i) { i64::MAX } else { end.value(i) };
                by_prefix.entry((net.trunc(), origin.value(i))).or_default().push((start.value(i), e));
            }
        }
        let mut t = RoutingTable::default();
        for ((net, asn), mut iv) in by_prefix {
            iv.sort_unstable();
            let mut merged: Vec<(i64, i64, u32)> = Vec::new();
            for (s, e) in iv {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e, asn)),
                }
            }
            t.insert(net, merged);
        }
        Ok(t)
    }

    /// Reads a CAIDA prefix-to-AS file (`address<TAB>length<TAB>asn`, where asn may be a
    /// MOAS list `a_b` or an AS set `a,b`: the first AS is taken). Lines starting with `#` are
    /// comments. Returns the table and the number of lines that could not be read.
    pub fn from_pfx2as(text: &str) -> (RoutingTable, usize) {
        let mut t = RoutingTable::default();
        let mut bad = 0;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.split_whitespace();
            let parsed = (|| {
                let addr: IpAddr = f.next()?.parse().ok()?;
                let len: u8 = f.next()?.parse().ok()?;
                let asn: u32 = f.next()?.split(['_', ',']).next()?.parse().ok()?;
                Some((IpNet::new(addr, len).ok()?.trunc(), asn))
            })();
            match parsed {
                Some((net, asn)) => t.insert(net, vec![(i64::MIN, i64::MAX, asn)]),
                None => bad += 1,
            }
        }
        (t, bad)
    }

    fn insert(&mut self, net: IpNet, mut iv: Vec<(i64, i64, u32)>) {
        self.prefixes += 1;
        match net {
            IpNet::V4(n) => self.v4.entry(n).or_default().append(&mut iv),
            IpNet::V6(n) => self.v6.entry(n).or_default().append(&mut iv),
        }
    }

    /// Number of (prefix, origin) entries.
    pub fn len(&self) -> usize {
        self.prefixes
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes == 0
    }

    /// The origin of the most specific prefix covering `addr` at `ts` (any time when `None`).
    pub fn lookup(&self, addr: IpAddr, ts: Option<i64>) -> Option<u32> {
        let valid = |iv: &Vec<(i64, i64, u32)>| iv.iter().rev().find(|(s, e, _)| ts.is_none_or(|t| *s <= t && t < *e)).map(|x| x.2);
        match addr {
            IpAddr::V4(a) => self.v4.cover(&Ipv4Net::from(a)).filter_map(|(_, iv)| valid(iv)).last(),
            IpAddr::V6(a) => {
                if let Some(v4) = a.to_ipv4_mapped() {
                    return self.lookup(IpAddr::V4(v4), ts);
                }
                self.v6.cover(&Ipv6Net::from(a)).filter_map(|(_, iv)| valid(iv)).last()
            }
        }
    }
}

/// What a [`RoutesFile`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoutesKind {
    /// Parquet rows of `bgp_route_intervals` ([`RoutingTable::from_intervals`]).
    Intervals,
    /// A CAIDA prefix-to-AS text file ([`RoutingTable::from_pfx2as`]).
    Pfx2as,
}

/// The rows a routing table is built from, as a file on a folder every process sees: its
/// kind, absolute path and sha256 (a process that finds other bytes there refuses them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoutesFile {
    pub kind: RoutesKind,
    pub path: PathBuf,
    pub sha256: String,
}

/// Tables built from files in this process, newest last (a few runs' worth).
static LOADED: Mutex<Vec<(RoutesFile, Arc<RoutingTable>)>> = Mutex::new(Vec::new());
const LOADED_MAX: usize = 4;

const MAGIC: &str = "lightsout-routes-v1";

impl RoutesFile {
    /// Describes the file at `path` (hashing it).
    pub fn new(kind: RoutesKind, path: PathBuf) -> std::io::Result<RoutesFile> {
        let sha256 = sha256_of(&path)?;
        Ok(RoutesFile { kind, path, sha256 })
    }

    /// The bytes that stand for the table in a serialized plan.
    pub fn encode(&self) -> Vec<u8> {
        let kind = match self.kind {
            RoutesKind::Intervals => "intervals",
            RoutesKind::Pfx2as => "pfx2as",
        };
        format!("{MAGIC}\n{kind}\n{}\n{}", self.sha256, self.path.to_string_lossy()).into_bytes()
    }

    /// Reads what [`RoutesFile::encode`] wrote.
    pub fn decode(buf: &[u8]) -> Result<RoutesFile> {
        let bad = || datafusion::error::DataFusionError::Plan("ip_to_asn: not a routes file reference".into());
        let text = std::str::from_utf8(buf).map_err(|_| bad())?;
        let mut parts = text.splitn(4, '\n');
        if parts.next() != Some(MAGIC) {
            return Err(bad());
        }
        let kind = match parts.next() {
            Some("intervals") => RoutesKind::Intervals,
            Some("pfx2as") => RoutesKind::Pfx2as,
            _ => return Err(bad()),
        };
        let sha256 = parts.next().ok_or_else(bad)?.to_string();
        let path = PathBuf::from(parts.next().ok_or_else(bad)?);
        Ok(RoutesFile { kind, path, sha256 })
    }

    /// The table built from the file: once per process and file (checked against its sha256).
    pub fn load(&self) -> Result<Arc<RoutingTable>> {
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, t)) = loaded.iter().find(|(f, _)| f == self) {
            return Ok(t.clone());
        }
        let fail = |m: String| datafusion::error::DataFusionError::Execution(format!("ip_to_asn: {}: {m}", self.path.display()));
        let sha = sha256_of(&self.path).map_err(|e| fail(e.to_string()))?;
        if sha != self.sha256 {
            return Err(fail(format!(
                "sha256 {sha}, the client wrote {}: is this folder shared, and the same, on every process?",
                self.sha256
            )));
        }
        let table = match self.kind {
            RoutesKind::Pfx2as => RoutingTable::from_pfx2as(&std::fs::read_to_string(&self.path).map_err(|e| fail(e.to_string()))?).0,
            RoutesKind::Intervals => {
                let file = std::fs::File::open(&self.path).map_err(|e| fail(e.to_string()))?;
                let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(|b| b.build())
                    .map_err(|e| fail(e.to_string()))?;
                let batches = reader.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| fail(e.to_string()))?;
                RoutingTable::from_intervals(&batches)?
            }
        };
        let table = Arc::new(table);
        if loaded.len() >= LOADED_MAX {
            loaded.remove(0);
        }
        loaded.push((self.clone(), table.clone()));
        Ok(table)
    }
}

fn sha256_of(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let mut f = std::fs::File::open(path)?;
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

/// Where the UDF's table is.
#[derive(Debug)]
enum Routes {
    /// Built in this process.
    Table(Arc<RoutingTable>),
    /// Built in this process from these rows on first use: a run without traceroutes or pings
    /// never calls the UDF, and building the table parses every prefix of the route intervals
    /// (1.4 M rows for a day of the bench corpus).
    Rows(Arc<LazyTable>),
    /// Built from a shared file on first use.
    File(RoutesFile, OnceLock<Arc<RoutingTable>>),
}

/// Rows of `bgp_route_intervals` and the table built from them once (under the lock, so that
/// partitions calling the UDF at the same time do not each build it).
#[derive(Debug)]
struct LazyTable {
    rows: Vec<RecordBatch>,
    table: Mutex<Option<Arc<RoutingTable>>>,
}

/// The UDF, holding its table (or where to find it).
#[derive(Debug)]
pub struct IpToAsn {
    signature: Signature,
    routes: Routes,
}

impl IpToAsn {
    pub fn new(table: Arc<RoutingTable>) -> Self {
        IpToAsn { signature: signature(), routes: Routes::Table(table) }
    }

    /// The UDF over the table built from `rows` ([`RoutingTable::from_intervals`]) when first
    /// called.
    pub fn from_rows(rows: Vec<RecordBatch>) -> Self {
        IpToAsn { signature: signature(), routes: Routes::Rows(Arc::new(LazyTable { rows, table: Mutex::new(None) })) }
    }

    /// The UDF over the table built from `file` (when first called).
    pub fn from_file(file: RoutesFile) -> Self {
        IpToAsn { signature: signature(), routes: Routes::File(file, OnceLock::new()) }
    }

    /// The shared file behind the table, if it comes from one.
    pub fn routes_file(&self) -> Option<&RoutesFile> {
        match &self.routes {
            Routes::Table(_) | Routes::Rows(_) => None,
            Routes::File(f, _) => Some(f),
        }
    }

    fn table(&self) -> Result<Arc<RoutingTable>> {
        match &self.routes {
            Routes::Table(t) => Ok(t.clone()),
            Routes::Rows(lazy) => {
                let mut table = lazy.table.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(t) = table.as_ref() {
                    return Ok(t.clone());
                }
                let t = Arc::new(RoutingTable::from_intervals(&lazy.rows)?);
                *table = Some(t.clone());
                Ok(t)
            }
            Routes::File(f, once) => {
                if let Some(t) = once.get() {
                    return Ok(t.clone());
                }
                let t = f.load()?;
                Ok(once.get_or_init(|| t).clone())
            }
        }
    }
}

fn signature() -> Signature {
    let ts = |tz: Option<&str>| DataType::Timestamp(TimeUnit::Microsecond, tz.map(Into::into));
    Signature::one_of(
        vec![
            TypeSignature::Exact(vec![DataType::Utf8, ts(Some("UTC"))]),
            TypeSignature::Exact(vec![DataType::Utf8, ts(None)]),
            TypeSignature::Exact(vec![DataType::Utf8, DataType::Int64]),
        ],
        Volatility::Immutable,
    )
}

impl PartialEq for IpToAsn {
    fn eq(&self, other: &Self) -> bool {
        match (&self.routes, &other.routes) {
            (Routes::Table(a), Routes::Table(b)) => Arc::ptr_eq(a, b),
            (Routes::Rows(a), Routes::Rows(b)) => Arc::ptr_eq(a, b),
            (Routes::File(a, _), Routes::File(b, _)) => a == b,
            _ => false,
        }
    }
}

impl Eq for IpToAsn {}

impl Hash for IpToAsn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.routes {
            Routes::Table(t) => (Arc::as_ptr(t) as usize).hash(state),
            Routes::Rows(r) => (Arc::as_ptr(r) as usize).hash(state),
            Routes::File(f, _) => f.hash(state),
        }
    }
}

impl ScalarUDFImpl for IpToAsn {
    fn name(&self) -> &str {
        "ip_to_asn"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let [addr, ts] = args.args.as_slice() else {
            return exec_err!("ip_to_asn takes two arguments: address and time");
        };
        let table = self.table()?;
        let addr = addr.to_array(n)?;
        let addr = arrow::compute::cast(&addr, &DataType::Utf8)?;
        let addr = addr.as_string::<i32>();
        let ts = ts.to_array(n)?;
        let ts = arrow::compute::cast(&ts, &DataType::Int64)?;
        let ts = ts.as_primitive::<Int64Type>();
        let out: UInt32Array = (0..n)
            .map(|i| {
                if addr.is_null(i) {
                    return None;
                }
                let a: IpAddr = addr.value(i).parse().ok()?;
                table.lookup(a, (!ts.is_null(i)).then(|| ts.value(i)))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray, UInt32Array};
    use arrow::datatypes::{Field, Schema};

    /// Route intervals: (prefix, origin, start, end).
    fn intervals(rows: &[(&str, u32, i64, Option<i64>)]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("prefix", DataType::Utf8, false),
            Field::new("origin_asn", DataType::UInt32, true),
            Field::new("start_us", DataType::Int64, false),
            Field::new("end_us", DataType::Int64, true),
        ]));
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
            Arc::new(UInt32Array::from(rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
        ];
        RecordBatch::try_new(schema, cols).unwrap()
    }

    #[test]
    fn longest_match_at_the_time_of_the_query() {
        let b = intervals(&[
            ("198.18.0.0/15", 64496, 0, None),
            ("198.18.12.0/23", 65010, 100, Some(200)),
            ("198.18.12.0/23", 65010, 150, Some(300)),
            ("2001:db8::/32", 65000, 0, None),
        ]);
        let t = RoutingTable::from_intervals(&[b]).unwrap();
        let a: IpAddr = "198.18.12.10".parse().unwrap();
        assert_eq!(t.lookup(a, Some(120)), Some(65010));
        assert_eq!(t.lookup(a, Some(250)), Some(65010), "touching intervals merge");
        assert_eq!(t.lookup(a, Some(400)), Some(64496), "the /23 is gone: the covering /15 answers");
        assert_eq!(t.lookup(a, Some(50)), Some(64496));
        assert_eq!(t.lookup("203.0.113.1".parse().unwrap(), Some(50)), None);
        assert_eq!(t.lookup("2001:db8:10::1".parse().unwrap(), None), Some(65000));
        assert_eq!(t.lookup("::ffff:198.18.12.10".parse().unwrap(), Some(120)), Some(65010));
    }

    #[test]
    fn a_table_from_rows_is_built_once_on_first_use() {
        let b = intervals(&[("198.18.0.0/15", 64496, 0, None)]);
        let udf = IpToAsn::from_rows(vec![b]);
        let Routes::Rows(lazy) = &udf.routes else { panic!("not the lazy variant") };
        assert!(lazy.table.lock().unwrap().is_none(), "built before any call");
        let (first, second) = (udf.table().unwrap(), udf.table().unwrap());
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(first.lookup("198.18.1.1".parse().unwrap(), Some(5)), Some(64496));
    }

    #[test]
    fn reads_caida_pfx2as_with_moas_and_sets() {
        let (t, bad) =
            RoutingTable::from_pfx2as("# comment\n1.0.0.0\t24\t13335\n1.0.4.0\t22\t38803_56203\n1.0.8.0\t21\t4134,4809\nbroken line\n");
        assert_eq!(bad, 1);
        assert_eq!(t.len(), 3);
        assert_eq!(t.lookup("1.0.0.1".parse().unwrap(), Some(0)), Some(13335));
        assert_eq!(t.lookup("1.0.5.1".parse().unwrap(), None), Some(38803));
        assert_eq!(t.lookup("1.0.9.1".parse().unwrap(), None), Some(4134));
    }
}
