#![no_main]
//! traceroute and tracepath text as printed by the tools.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::tracetext::TraceText, data);
});
