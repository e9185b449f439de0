//! Prints what the traceroute readers make of a file: `cargo run --example dump_trace FORMAT FILE`.
use lightsout_formats::{Compression, FileContext, Input, MemorySink, Table, registry};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[2]).unwrap();
    let dec = Compression::sniff(&bytes).decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    let mut input = Input::new(dec);
    let mut sink = MemorySink::default();
    let f = registry::by_name(&args[1]).expect("format");
    let stats = f.read(&mut input, &FileContext::new("0000000000000000", "x"), &mut sink).unwrap();
    println!("{stats:?}");
    for t in [Table::Traceroutes, Table::TracerouteHops, Table::Pings] {
        let b = sink.concat(t);
        println!("{t}: {} rows", b.num_rows());
        let n = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5usize).min(b.num_rows());
        println!("{}", arrow_pretty(&b.slice(0, n)));
    }
    for r in sink.rejects.iter().take(20) {
        println!("reject @{}..{:?} line {:?}: {} [{}]", r.offset, r.end_offset, r.line, r.reason, r.excerpt);
    }
}
fn arrow_pretty(b: &arrow_array::RecordBatch) -> String {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    use arrow_schema::DataType as D;
    let mut s = String::new();
    for row in 0..b.num_rows() {
        let mut cells = Vec::new();
        for (i, f) in b.schema().fields().iter().enumerate() {
            let c = b.column(i);
            let v = if c.is_null(row) {
                "-".to_string()
            } else {
                match c.data_type() {
                    D::Utf8 => c.as_string::<i32>().value(row).to_string(),
                    D::UInt8 => c.as_primitive::<UInt8Type>().value(row).to_string(),
                    D::UInt16 => c.as_primitive::<UInt16Type>().value(row).to_string(),
                    D::UInt32 => c.as_primitive::<UInt32Type>().value(row).to_string(),
                    D::UInt64 => c.as_primitive::<UInt64Type>().value(row).to_string(),
                    D::Float64 => c.as_primitive::<Float64Type>().value(row).to_string(),
                    D::Boolean => c.as_boolean().value(row).to_string(),
                    D::Timestamp(..) => c.as_primitive::<TimestampMicrosecondType>().value(row).to_string(),
                    d => format!("{d:?}"),
                }
            };
            cells.push(format!("{}={}", f.name(), v));
        }
        s.push_str(&cells.join(" "));
        s.push('\n');
    }
    s
}
