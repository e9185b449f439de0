#![no_main]
//! dnstap messages with intact framing: every frame length is repaired, so mutations reach the protobuf decoder, the DNS wire decoder and the pairing.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::dnstap::Dnstap, &lightsout_fuzz::repair_fstrm(data));
});
