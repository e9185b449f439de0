#![no_main]
//! Zeek dns.log lines, TSV (with its header lines) and JSON.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::zeek::Zeek, data);
});
