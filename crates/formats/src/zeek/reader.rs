//! The Zeek `dns.log` read loop: lines in, rows and rejects out.
//!
//! In: a decompressed `dns.log`, TSV ([`super::tsv`]) or JSON lines ([`super::json`]), or
//! several logs concatenated (each TSV log brings its own header). Out: one `dns_events` row
//! per record ([`super::record`] says how), rejects with line numbers, and [`ReadStats`].
//!
//! Accounting: every line is one record. Header and comment lines (`#...`, the `###` banner of
//! btest baselines), empty lines and records of other logs (`#path conn`, `"_path":"conn"`)
//! are skipped; a record that becomes a row is ok; anything else is one reject: a data line
//! before `#fields`, a wrong number of values, a field that does not read, and records with
//! btest's masked `XXXXXXXXXX.XXXXXX` timestamp (`ts` is required, and a made-up time would
//! put the row in the wrong bin).

use super::{json, tsv};
use crate::compress::Input;
use crate::dns::lines::{Line, Lines, MAX_LINE};
use crate::dns::rows::Emitter;
use crate::format::{FileContext, FormatError, ReadStats, Reject, Sink};

/// Reads a Zeek `dns.log` into rows and rejects.
pub fn read_zeek(input: &mut Input<'_>, ctx: &FileContext, sink: &mut dyn Sink) -> Result<ReadStats, FormatError> {
    let mut out = Emitter::new(ctx, sink);
    let mut lines = Lines::new(input);
    let mut header = tsv::Header::default();
    let mut line = Line::default();
    loop {
        match lines.next_line(&mut line) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let reason = format!("reading the stream: {e}");
                out.framed();
                // From the start of the line it broke in: its bytes so far are lost too.
                out.reject(Reject::text(line.offset, line.number + 1, reason.clone(), &line.bytes).with_end(lines.offset()))?;
                out.stats.stopped = Some(reason);
                break;
            }
        }
        out.framed();
        if line.number % 65536 == 0 {
            out.progress(line.offset);
        }
        let reject = |reason: String, line: &Line| Reject::text(line.offset, line.number, reason, &line.bytes);
        if line.too_long {
            out.reject(reject(format!("line longer than {MAX_LINE} bytes"), &line))?;
            continue;
        }
        let text = line.text();
        if text.is_empty() || text.starts_with('#') {
            if text.starts_with('#') {
                header.apply(&text);
            }
            out.stats.records_skipped += 1;
            continue;
        }
        let event = if text.starts_with('{') {
            match json::parse(&text) {
                Ok(Some(r)) => r.to_event("zeek-json", line.offset),
                Ok(None) => {
                    out.stats.records_skipped += 1;
                    continue;
                }
                Err(e) => Err(e),
            }
        } else if !header.is_dns() {
            out.stats.records_skipped += 1;
            continue;
        } else {
            header.parse(&text).and_then(|r| r.to_event("zeek-tsv", line.offset))
        };
        match event {
            Ok(ev) => {
                out.stats.records_ok += 1;
                out.row(&ev)?;
            }
            Err(reason) => out.reject(reject(reason, &line))?,
        }
    }
    out.progress(lines.offset());
    out.finish()
}
