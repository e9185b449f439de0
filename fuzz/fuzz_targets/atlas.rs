#![no_main]
//! RIPE Atlas JSON: line and structural framing, the streaming scanner, traceroute and ping results.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::atlas::Atlas, data);
});
