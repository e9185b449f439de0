//! Reads a file with lightsout's reader for its format and counts rows, writing nothing: the
//! parse-and-build cost of ingest without Parquet (for profiling).
//!
//! Usage: `read_count FILE [THREADS]`.

use lightsout_formats::{Compression, FileContext, Input, ReadStats, Sink, SinkError, Table, registry};
use std::io::Read;

#[derive(Default)]
struct Count {
    rows: u64,
    rejects: u64,
}

impl Sink for Count {
    fn batch(&mut self, _t: Table, b: arrow_array::RecordBatch) -> Result<(), SinkError> {
        self.rows += b.num_rows() as u64;
        Ok(())
    }
    fn reject(&mut self, _r: lightsout_formats::Reject) -> Result<(), SinkError> {
        self.rejects += 1;
        Ok(())
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: read_count FILE [THREADS]");
    let threads: usize = args.next().map(|t| t.parse().expect("threads")).unwrap_or(1);
    let size = std::fs::metadata(&path).expect("stat").len();
    let mut f = std::fs::File::open(&path).expect("open");
    let mut head = [0u8; 8];
    let n = f.read(&mut head).expect("read");
    let compression = Compression::sniff(&head[..n]);
    let raw: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head[..n].to_vec()).chain(f));
    let dec = lightsout_formats::readahead::parallel_decoder(compression, raw, size, threads).expect("decoder");
    let mut input = Input::new(dec);
    let head = input.peek(lightsout_formats::format::SNIFF_BYTES).expect("peek").to_vec();
    let format = registry::sniff(&head).expect("format");
    let mut sink = Count::default();
    let stats: ReadStats = format.read(&mut input, &FileContext::new("0000000000000000", "bench"), &mut sink).expect("read");
    println!("{} rows, {} rejects, {} records ok", sink.rows, sink.rejects, stats.records_ok);
}
