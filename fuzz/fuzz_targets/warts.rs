#![no_main]
//! scamper warts: record framing, resynchronisation, trace, ping, list, cycle and address objects.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::warts::Warts, data);
});
