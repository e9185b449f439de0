#![no_main]
//! pcap and pcapng: capture framing, link layers, IP defragmentation, TCP reassembly, DNS decoding and pairing.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightsout_fuzz::check(&lightsout_formats::pcap::Pcap, data);
});
