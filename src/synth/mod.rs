//! `lightsout synth`: realistic BGP archives with a known truth, for demos, tests and
//! benchmarks.
//!
//! The writers come first: BGP UPDATE messages ([`bgp_update`]) and the MRT records that
//! carry them ([`mrt_bgp4mp`], [`mrt_table_dump_v2`]), plus the seeded PRNG ([`rng`]).

pub mod bgp_update;
pub mod mrt_bgp4mp;
pub mod mrt_header;
pub mod mrt_table_dump_v2;
pub mod rng;
