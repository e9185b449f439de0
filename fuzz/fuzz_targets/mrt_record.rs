#![no_main]
//! MRT records with intact framing: every length field is repaired, so mutations reach the BGP4MP, TABLE_DUMP(_V2) and legacy BGP parsers and our row layer.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::mrt::Mrt, &lightsout_fuzz::repair_mrt(data));
});
