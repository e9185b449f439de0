#![no_main]
//! BIND (query, response, query-errors, security) and unbound log lines, syslog-prefixed or not, with and without a year for yearless times.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let year = if data.len() % 2 == 0 { None } else { Some(2026) };
    lightsout_fuzz::check(&lightsout_formats::resolver_log::ResolverLog { year }, data);
});
