//! Writing what detection found: `signals.parquet`, `windows.csv`, `windows.parquet`,
//! `events.csv`, `events.parquet`, `footprint.parquet` and `manifest.json` in the output folder, each written to a temporary name and renamed.
//!
//! In: a [`Detection`] and its [`Case`]. Out: the files, and the windows as a text table for
//! the terminal. Nothing written depends on the clock or on the number of threads: rows are
//! sorted, floats are rounded to 6 decimals, JSON keys are sorted.

use super::case::Case;
use super::events::Event;
use super::verdict::{Window, fmt_time, round6};
use super::{DetectError, Detection};
use crate::lake::write_batches_atomically;
use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::row::{RowConverter, SortField};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

fn ts_field(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), nullable)
}

/// The schema of `windows.parquet`.
pub fn windows_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("entity", DataType::Utf8, false),
        Field::new("scope", DataType::Utf8, false),
        Field::new("signal", DataType::Utf8, false),
        Field::new("upstream_asn", DataType::UInt32, true),
        ts_field("start", false),
        ts_field("end", false),
        Field::new("duration_s", DataType::Int64, false),
        Field::new("bins", DataType::Int64, false),
        Field::new("level", DataType::Utf8, false),
        Field::new("direction", DataType::Utf8, true),
        Field::new("min_ratio", DataType::Float64, true),
        Field::new("max_ratio", DataType::Float64, true),
        Field::new("baseline", DataType::Float64, true),
        Field::new("score", DataType::Float64, false),
        Field::new("verdict", DataType::Utf8, false),
        Field::new("evidence", DataType::Utf8, false),
    ]))
}

/// The windows as one batch of [`windows_schema`].
pub fn windows_batch(windows: &[Window]) -> Result<RecordBatch, arrow::error::ArrowError> {
    let s = |f: &dyn Fn(&Window) -> String| Arc::new(StringArray::from(windows.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    let ts = |f: &dyn Fn(&Window) -> i64| {
        Arc::new(TimestampMicrosecondArray::from(windows.iter().map(f).collect::<Vec<_>>()).with_timezone("UTC")) as ArrayRef
    };
    let i = |f: &dyn Fn(&Window) -> i64| Arc::new(Int64Array::from(windows.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    let fo = |f: &dyn Fn(&Window) -> Option<f64>| Arc::new(Float64Array::from(windows.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    RecordBatch::try_new(
        windows_schema(),
        vec![
            s(&|w| w.entity.clone()),
            s(&|w| w.scope.clone()),
            s(&|w| w.signal.clone()),
            Arc::new(UInt32Array::from(windows.iter().map(|w| w.upstream_asn).collect::<Vec<_>>())),
            ts(&|w| w.start_us),
            ts(&|w| w.end_us),
            i(&|w| (w.end_us - w.start_us) / 1_000_000),
            i(&|w| w.bins),
            s(&|w| w.level.clone()),
            Arc::new(StringArray::from(windows.iter().map(|w| w.direction.clone()).collect::<Vec<_>>())),
            fo(&|w| w.min_ratio),
            fo(&|w| w.max_ratio),
            fo(&|w| w.baseline),
            Arc::new(Float64Array::from(windows.iter().map(|w| w.score).collect::<Vec<_>>())),
            s(&|w| w.verdict.clone()),
            s(&|w| w.evidence.clone()),
        ],
    )
}

/// The schema of `events.parquet` (lists are joined with `; `).
pub fn events_schema() -> SchemaRef {
    let t = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        t("entity"),
        t("event"),
        ts_field("start", false),
        ts_field("end", false),
        Field::new("duration_s", DataType::Int64, false),
        t("kind"),
        t("level"),
        t("signals"),
        t("scores"),
        Field::new("fused_score", DataType::Float64, false),
        t("verdict"),
        t("evidence_bgp"),
        t("evidence_traceroute"),
        t("evidence_dns"),
        t("dark_prefixes"),
        t("dark_addresses"),
        t("dark_names"),
    ]))
}

/// The text columns of an event, in [`events_schema`] order (after the timestamps).
fn event_texts(e: &Event) -> [String; 12] {
    [
        e.kind.clone(),
        e.level.clone(),
        e.signals.join("; "),
        e.scores.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "),
        e.verdict.clone(),
        e.evidence_bgp.clone(),
        e.evidence_traceroute.clone(),
        e.evidence_dns.clone(),
        e.dark_prefixes.join("; "),
        e.dark_addresses.join("; "),
        e.dark_names.join("; "),
        String::new(),
    ]
}

/// The events as one batch of [`events_schema`].
pub fn events_batch(events: &[Event]) -> Result<RecordBatch, arrow::error::ArrowError> {
    let texts: Vec<[String; 12]> = events.iter().map(event_texts).collect();
    let col = |i: usize| Arc::new(StringArray::from(texts.iter().map(|t| t[i].clone()).collect::<Vec<_>>())) as ArrayRef;
    let s = |f: &dyn Fn(&Event) -> String| Arc::new(StringArray::from(events.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    let ts = |f: &dyn Fn(&Event) -> i64| {
        Arc::new(TimestampMicrosecondArray::from(events.iter().map(f).collect::<Vec<_>>()).with_timezone("UTC")) as ArrayRef
    };
    RecordBatch::try_new(
        events_schema(),
        vec![
            s(&|e| e.entity.clone()),
            s(&|e| e.id.clone()),
            ts(&|e| e.start_us),
            ts(&|e| e.end_us),
            Arc::new(Int64Array::from(events.iter().map(|e| (e.end_us - e.start_us) / 1_000_000).collect::<Vec<_>>())),
            col(0),
            col(1),
            col(2),
            col(3),
            Arc::new(Float64Array::from(events.iter().map(|e| e.fused_score).collect::<Vec<_>>())),
            col(4),
            col(5),
            col(6),
            col(7),
            col(8),
            col(9),
            col(10),
        ],
    )
}

/// The events as CSV text.
pub fn events_csv(events: &[Event]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = events_schema().fields().iter().map(|f| f.name().clone()).collect();
    w.write_record(&header).expect("writing CSV to memory");
    for e in events {
        let t = event_texts(e);
        let mut row = vec![
            e.entity.clone(),
            e.id.clone(),
            fmt_time(e.start_us),
            fmt_time(e.end_us),
            ((e.end_us - e.start_us) / 1_000_000).to_string(),
        ];
        row.extend(t[..4].iter().cloned());
        row.push(e.fused_score.to_string());
        row.extend(t[4..11].iter().cloned());
        w.write_record(&row).expect("writing CSV to memory");
    }
    String::from_utf8(w.into_inner().expect("flushing CSV to memory")).expect("CSV of UTF-8 text")
}

/// `footprint` rows, sorted, floats rounded.
pub fn footprint_batch(det: &Detection) -> Result<RecordBatch, arrow::error::ArrowError> {
    let t = &det.tables["footprint"];
    let batch = arrow::compute::concat_batches(&t.schema, &t.batches)?;
    let cols: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| match c.as_any().downcast_ref::<Float64Array>() {
            Some(a) => Arc::new(a.unary::<_, arrow::datatypes::Float64Type>(round6)) as ArrayRef,
            None => c.clone(),
        })
        .collect();
    let out = RecordBatch::try_new(batch.schema(), cols)?;
    sorted_by(&out, &["entity", "kind", "item"])
}

/// The windows as CSV text (times in RFC 3339 UTC).
pub fn windows_csv(windows: &[Window]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "entity",
        "scope",
        "signal",
        "upstream_asn",
        "start",
        "end",
        "duration_s",
        "bins",
        "level",
        "direction",
        "min_ratio",
        "max_ratio",
        "baseline",
        "score",
        "verdict",
        "evidence",
    ];
    w.write_record(header).expect("writing CSV to memory");
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for x in windows {
        let row = [
            x.entity.clone(),
            x.scope.clone(),
            x.signal.clone(),
            x.upstream_asn.map(|u| u.to_string()).unwrap_or_default(),
            fmt_time(x.start_us),
            fmt_time(x.end_us),
            ((x.end_us - x.start_us) / 1_000_000).to_string(),
            x.bins.to_string(),
            x.level.clone(),
            x.direction.clone().unwrap_or_default(),
            opt(x.min_ratio),
            opt(x.max_ratio),
            opt(x.baseline),
            x.score.to_string(),
            x.verdict.clone(),
            x.evidence.clone(),
        ];
        // The header and every row have the same fields, and memory does not fail.
        w.write_record(row).expect("writing CSV to memory");
    }
    String::from_utf8(w.into_inner().expect("flushing CSV to memory")).expect("CSV of UTF-8 text")
}

/// The windows as an aligned text table for the terminal (without the evidence column).
pub fn windows_table(windows: &[Window]) -> String {
    if windows.is_empty() {
        return "no windows\n".into();
    }
    let rows: Vec<[String; 9]> = windows
        .iter()
        .map(|w| {
            [
                w.entity.clone(),
                w.scope.clone(),
                w.signal.clone(),
                w.upstream_asn.map(|u| u.to_string()).unwrap_or_default(),
                fmt_time(w.start_us),
                fmt_time(w.end_us),
                w.level.clone(),
                w.min_ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
                w.verdict.clone(),
            ]
        })
        .collect();
    let header = ["entity", "scope", "signal", "upstream", "start", "end", "level", "min_ratio", "verdict"];
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        cells.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect::<Vec<_>>().join("  ").trim_end().to_string()
            + "\n"
    };
    let mut out = line(header.to_vec());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// The order of `batch`'s rows by the columns `keys` (ascending, NULL first), through Arrow's
/// row format: one byte comparison per pair of rows instead of a column-by-column comparison
/// of text (the signals of one AS over a day are 617 k rows).
fn sort_indices(batch: &RecordBatch, keys: &[&str]) -> Result<UInt32Array, arrow::error::ArrowError> {
    let cols: Vec<ArrayRef> = keys.iter().map(|n| batch.column_by_name(n).expect("sort column").clone()).collect();
    let rows = RowConverter::new(cols.iter().map(|c| SortField::new(c.data_type().clone())).collect())?.convert_columns(&cols)?;
    // Each row's key beside its index, compared in place rather than looked up by index in
    // the comparator (signals.parquet's 617 k rows on the bench lake: 100-140 ms -> 93-96 ms for
    // the whole batch); the index breaks ties. The sort is the stable one, which finds the
    // sorted runs a query's output is made of (unstable: 130-170 ms).
    let mut order: Vec<(arrow::row::Row<'_>, u32)> = rows.iter().zip(0u32..).collect();
    order.sort();
    Ok(UInt32Array::from_iter_values(order.into_iter().map(|(_, i)| i)))
}

/// `batch` with its rows in [`sort_indices`] order.
fn sorted_by(batch: &RecordBatch, keys: &[&str]) -> Result<RecordBatch, arrow::error::ArrowError> {
    take_record_batch(batch, &sort_indices(batch, keys)?)
}

/// `signal_levels` with bin times, sorted, floats rounded: the rows of `signals.parquet`.
pub fn signals_batch(det: &Detection, case: &Case) -> Result<RecordBatch, arrow::error::ArrowError> {
    let t = &det.tables["signal_levels"];
    let batch = arrow::compute::concat_batches(&t.schema, &t.batches)?;
    let origin = case.analysis_start_us();
    let b = case.bin_us();
    let bin = arrow::compute::cast(batch.column_by_name("bin").expect("bin column"), &DataType::Int64)?;
    let bin = bin.as_any().downcast_ref::<Int64Array>().expect("int64");
    let starts = TimestampMicrosecondArray::from_iter_values(bin.values().iter().map(|k| origin + k * b)).with_timezone("UTC");
    let ends = TimestampMicrosecondArray::from_iter_values(bin.values().iter().map(|k| origin + (k + 1) * b)).with_timezone("UTC");
    let mut fields = vec![ts_field("bin_start", false), ts_field("bin_end", false)];
    let mut cols: Vec<ArrayRef> = vec![Arc::new(starts), Arc::new(ends)];
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        let c = if f.data_type() == &DataType::Float64 {
            let a = c.as_any().downcast_ref::<Float64Array>().expect("float64");
            Arc::new(a.unary::<_, arrow::datatypes::Float64Type>(round6)) as ArrayRef
        } else {
            c.clone()
        };
        fields.push(f.as_ref().clone().with_nullable(true));
        cols.push(c);
    }
    let out = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
    sorted_by(&out, &["entity", "scope", "signal", "upstream_asn", "bin"])
}

/// The manifest: what produced these outputs.
pub fn manifest(det: &Detection, case: &Case, inputs: &[(String, String, String)], outputs: &[(&str, usize)]) -> Value {
    use sha2::Digest;
    let queries: serde_json::Map<String, Value> =
        det.queries.iter().map(|q| (format!("queries/{}.sql", q.name), json!(q.sha256))).collect();
    let derived: serde_json::Map<String, Value> = det.tables.iter().map(|(n, t)| (n.to_string(), json!(t.rows()))).collect();
    let outs: serde_json::Map<String, Value> = outputs.iter().map(|(n, r)| (n.to_string(), json!(r))).collect();
    json!({
        "tool": {"name": "lightsout", "version": env!("CARGO_PKG_VERSION")},
        "case": {
            "name": case.name,
            "sha256": hex::encode(sha2::Sha256::digest(case.text.as_bytes())),
            "start": case.start.to_rfc3339(),
            "end": case.end.to_rfc3339(),
            "bin_s": case.bin.secs(),
            "entities": case.entities.iter().map(|e| json!({"name": e.name, "asn": e.asn, "prefixes": e.prefixes, "upstreams": e.upstreams, "domains": e.domains})).collect::<Vec<_>>(),
        },
        "thresholds": {
            "bgp": {
                "full_feed_min_v4": case.bgp.full_feed_min_v4,
                "full_feed_min_v6": case.bgp.full_feed_min_v6,
                "visible_fraction": case.bgp.visible_fraction,
                "history": case.bgp_history.to_string(),
                "warning": case.bgp.warning,
                "critical": case.bgp.critical,
                "min_history_bins": case.bgp.min_history_bins,
            },
            "trace": {"history": case.trace_history.to_string(), "warning": case.trace.warning, "critical": case.trace.critical, "min_history_bins": case.trace.min_history_bins},
            "dns": {"history": case.dns_history.to_string(), "warning": case.dns.warning, "critical": case.dns.critical, "min_history_bins": case.dns.min_history_bins},
        },
        "inputs": inputs.iter().map(|(p, s, st)| json!({"path": p, "sha256": s, "status": st})).collect::<Vec<_>>(),
        "queries": queries,
        "derived_rows": derived,
        "outputs": outs,
    })
}

fn write_atomic(out: &Path, name: &str, bytes: &[u8]) -> Result<(), DetectError> {
    let dest = out.join(name);
    let tmp = out.join(TMP).join(format!("{name}.{}.tmp", std::process::id()));
    let err = |e: std::io::Error| DetectError::Output { path: dest.clone(), message: e.to_string() };
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, &dest).map_err(err)
}

/// The folder of `--out` where files are written before they are renamed into place.
pub const TMP: &str = ".tmp";

/// Writes every output of detection into `out` (created if needed), crash-safe: each file is
/// written under `out/.tmp/` and renamed into place; an earlier `manifest.json` is removed
/// first and the new one is written last, so a folder with a manifest holds the outputs of
/// that one run, whatever interrupted an earlier one. Leftovers of interrupted runs in
/// `out/.tmp/` are removed.
pub fn write_outputs(det: &Detection, case: &Case, inputs: &[(String, String, String)], out: &Path) -> Result<(), DetectError> {
    let tmp = out.join(TMP);
    let ioerr = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| DetectError::Output { path: path.clone(), message: e.to_string() }
    };
    // The old manifest goes before anything else is touched: from here on the folder does
    // not pass for one run's outputs until the new manifest is in place.
    let manifest_path = out.join("manifest.json");
    match std::fs::remove_file(&manifest_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(ioerr(&manifest_path)(e)),
        _ => {}
    }
    match std::fs::remove_dir_all(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(ioerr(&tmp)(e)),
        _ => {}
    }
    std::fs::create_dir_all(&tmp).map_err(ioerr(&tmp))?;
    let oerr = |name: &str| {
        let path = out.join(name);
        move |e: arrow::error::ArrowError| DetectError::Output { path: path.clone(), message: e.to_string() }
    };
    let lerr = |e: crate::lake::LakeError| DetectError::Output { path: out.to_path_buf(), message: e.to_string() };
    let signals = signals_batch(det, case).map_err(oerr("signals.parquet"))?;
    write_batches_atomically(&tmp, &out.join("signals.parquet"), signals.schema(), std::slice::from_ref(&signals)).map_err(lerr)?;
    let windows = windows_batch(&det.windows).map_err(oerr("windows.parquet"))?;
    write_batches_atomically(&tmp, &out.join("windows.parquet"), windows.schema(), std::slice::from_ref(&windows)).map_err(lerr)?;
    write_atomic(out, "windows.csv", windows_csv(&det.windows).as_bytes())?;
    let events = events_batch(&det.events).map_err(oerr("events.parquet"))?;
    write_batches_atomically(&tmp, &out.join("events.parquet"), events.schema(), std::slice::from_ref(&events)).map_err(lerr)?;
    write_atomic(out, "events.csv", events_csv(&det.events).as_bytes())?;
    let footprint = footprint_batch(det).map_err(oerr("footprint.parquet"))?;
    write_batches_atomically(&tmp, &out.join("footprint.parquet"), footprint.schema(), std::slice::from_ref(&footprint)).map_err(lerr)?;
    let m = manifest(
        det,
        case,
        inputs,
        &[
            ("signals.parquet", signals.num_rows()),
            ("windows.parquet", windows.num_rows()),
            ("windows.csv", det.windows.len()),
            ("events.parquet", events.num_rows()),
            ("events.csv", det.events.len()),
            ("footprint.parquet", footprint.num_rows()),
        ],
    );
    let text = serde_json::to_string_pretty(&m).unwrap_or_default() + "\n";
    write_atomic(out, "manifest.json", text.as_bytes())?;
    std::fs::remove_dir(&tmp).map_err(ioerr(&tmp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::compute::{SortColumn, lexsort_to_indices};

    #[test]
    fn row_format_order_is_the_lexicographic_order_with_nulls_first() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("entity", DataType::Utf8, true),
            Field::new("upstream_asn", DataType::UInt32, true),
            Field::new("bin", DataType::Int64, false),
        ]));
        let entity = StringArray::from(vec![Some("b"), None, Some("a"), Some("b"), Some("a"), Some("ab"), Some("b")]);
        let up = UInt32Array::from(vec![Some(2), Some(1), None, Some(2), Some(7), Some(1), None]);
        let bin = Int64Array::from(vec![3, 0, 5, 1, -2, 0, 9]);
        let batch = RecordBatch::try_new(schema, vec![Arc::new(entity), Arc::new(up), Arc::new(bin)]).unwrap();
        let ours = sort_indices(&batch, &["entity", "upstream_asn", "bin"]).unwrap();
        let key = |n: &str| SortColumn { values: batch.column_by_name(n).unwrap().clone(), options: None };
        let theirs = lexsort_to_indices(&[key("entity"), key("upstream_asn"), key("bin")], None).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.values().to_vec(), [1, 2, 4, 5, 6, 3, 0]);
    }
}
