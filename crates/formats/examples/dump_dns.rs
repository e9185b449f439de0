//! Prints the `dns_events` rows, rejects and counters a DNS reader makes of a file (debugging
//! aid): `dump_dns [--kind NAME] FILE`. Without `--kind` the format is sniffed.
use arrow_array::Array;
use arrow_array::cast::AsArray;
use lightsout_formats::{Compression, FileContext, Input, MemorySink, Table, registry};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (kind, path) = match args.as_slice() {
        [k, name, path] if k == "--kind" => (Some(name.clone()), path.clone()),
        [path] => (None, path.clone()),
        _ => panic!("usage: dump_dns [--kind NAME] FILE"),
    };
    let bytes = std::fs::read(&path).unwrap();
    let comp = Compression::sniff(&bytes);
    let dec = comp.decoder(Box::new(std::io::Cursor::new(bytes))).unwrap();
    let mut input = Input::new(dec);
    let head = input.peek(lightsout_formats::format::SNIFF_BYTES).unwrap().to_vec();
    let format = match kind {
        Some(k) => registry::by_name(&k).expect("unknown --kind"),
        None => registry::sniff(&head).expect("format not recognised"),
    };
    let mut sink = MemorySink::default();
    let stats = format.read(&mut input, &FileContext::new("0000000000000000", "dump"), &mut sink).unwrap();
    let b = sink.concat(Table::DnsEvents);
    let schema = b.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    println!("{}", names.join("\t"));
    for row in 0..b.num_rows() {
        let cells: Vec<String> = (0..b.num_columns())
            .map(|c| {
                let col = b.column(c);
                if col.is_null(row) {
                    return "-".to_string();
                }
                match col.data_type() {
                    arrow_schema::DataType::Utf8 => col.as_string::<i32>().value(row).to_string(),
                    _ => arrow_cast_value(col.as_ref(), row),
                }
            })
            .collect();
        println!("{}", cells.join("\t"));
    }
    for r in &sink.rejects {
        println!("REJECT @{}..{:?} line {:?}: {} [{}]", r.offset, r.end_offset, r.line, r.reason, r.excerpt);
    }
    println!("format={} {stats:?}", format.name());
}

fn arrow_cast_value(col: &dyn Array, row: usize) -> String {
    use arrow_array::types::*;
    use arrow_schema::DataType::*;
    match col.data_type() {
        Timestamp(_, _) => col.as_primitive::<TimestampMicrosecondType>().value(row).to_string(),
        UInt16 => col.as_primitive::<UInt16Type>().value(row).to_string(),
        UInt64 => col.as_primitive::<UInt64Type>().value(row).to_string(),
        Float64 => col.as_primitive::<Float64Type>().value(row).to_string(),
        Boolean => col.as_boolean().value(row).to_string(),
        t => format!("<{t}>"),
    }
}
