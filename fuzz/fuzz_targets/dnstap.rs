#![no_main]
//! dnstap: Frame Streams framing (data and control frames, content types) and the messages in them.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::dnstap::Dnstap, data);
});
