#![no_main]
//! The compression and sniffing layer, as ingest runs it: compression sniffed from the magic
//! bytes, the decoder capped like `--max-ratio` does, the format sniffed from the decompressed
//! head, then that format's reader. Truncated and corrupt compressed streams must end as a
//! broken-off stream (a reject and `stopped`), never as a panic, a hang or unbounded output.
use libfuzzer_sys::fuzz_target;
use lightsout_formats::compress::{Capped, Compression, Input};
use lightsout_formats::format::SNIFF_BYTES;
use lightsout_formats::{FileContext, MemorySink, registry};

/// Decompressed bytes read at most per input (the fuzzer's inputs are a few KiB).
const LIMIT: u64 = 256 << 10;

fuzz_target!(|data: &[u8]| {
    let compression = Compression::sniff(data);
    let Ok(decoder) = compression.decoder(Box::new(data)) else { return };
    let mut input = Input::new(Box::new(Capped::new(decoder, LIMIT, data.len() as u64, 100)));
    let head = match input.peek(SNIFF_BYTES) {
        Ok(h) => h.to_vec(),
        Err(_) => return, // broken at the start: ingest makes the file one reject
    };
    let Some(format) = registry::sniff(&head) else { return };
    let mut sink = MemorySink::default();
    let ctx = FileContext::new(lightsout_formats::accounting::FILE_ID, "fuzz");
    let stats = match format.read(&mut input, &ctx, &mut sink) {
        Ok(s) => s,
        Err(e) => panic!("{}: read returned an error: {e}", format.name()),
    };
    if let Some(e) = stats.accounting_error(sink.rejects.len() as u64) {
        panic!("{}: {e}", format.name());
    }
    let end = input.offset();
    assert!(end <= LIMIT, "read past the cap");
    for r in &sink.rejects {
        assert!(
            r.offset <= end && r.end_offset.is_none_or(|e| e >= r.offset && e <= end),
            "{}: reject outside the stream: {r:?}",
            format.name()
        );
    }
    if stats.stopped.is_none() {
        // A reader that did not stop read the stream to its end.
        let mut rest = [0u8; 1];
        assert!(matches!(std::io::Read::read(&mut input, &mut rest), Ok(0) | Err(_)), "{}: stopped early without saying so", format.name());
    }
});
