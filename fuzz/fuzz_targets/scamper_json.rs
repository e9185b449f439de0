#![no_main]
//! scamper JSON lines (sc_warts2json output): trace, ping and bookkeeping objects.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::scamper_json::ScamperJson, data);
});
