#![no_main]
//! The fast bzip2 block decoder against libbzip2: the input is a block from its magic on.
//! Whatever it is, the decoder must not panic or hang, must not claim more bits than it was
//! given, and a block it accepts must decode to exactly what libbzip2 makes of those bits.
use libfuzzer_sys::fuzz_target;
use lightsout_formats::bzip2_block::BlockDecoder;
use lightsout_formats::bzip2_parallel::decode_block_with_libbz2;

fuzz_target!(|data: &[u8]| {
    let nbits = data.len() as u64 * 8;
    let mut out = Vec::new();
    let Ok(used) = BlockDecoder::new().decode(data, nbits, &mut out) else { return };
    assert!(used <= nbits, "took {used} bits of {nbits}");
    let reference = decode_block_with_libbz2(data, used).expect("libbzip2 refuses a block the fast decoder accepted");
    assert!(out == reference, "the fast decoder and libbzip2 disagree ({} vs {} bytes)", out.len(), reference.len());
});
