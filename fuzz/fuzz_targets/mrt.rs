#![no_main]
//! MRT framing and records: raw bytes through the MRT reader (bgpkit framing and recovery, our record layer).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::mrt::Mrt, data);
});
