//! lightsout's bzip2 decoder (`bzip2_block`, driven by `bzip2_parallel`) against libbzip2 on
//! real archives and on generated data: the same bytes, inline and on worker threads.
//!
//! The real archives are the project's fixtures and, when present, `../shared/realdata`
//! (skipped, saying so, without it).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use lightsout_formats::bzip2_parallel::ParallelBzDecoder;
use proptest::prelude::*;

fn libbz2(file: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    bzip2::read::MultiBzDecoder::new(file).read_to_end(&mut out).expect("libbzip2 reads it");
    out
}

fn ours(file: &[u8], workers: usize) -> Vec<u8> {
    let mut out = Vec::new();
    ParallelBzDecoder::new(file, workers).read_to_end(&mut out).expect("lightsout's decoder reads it");
    out
}

fn bz2_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            bz2_files(&p, found);
        } else if p.extension().is_some_and(|x| x == "bz2") && !p.to_string_lossy().contains("damaged") {
            found.push(p);
        }
    }
}

#[test]
fn real_archives_decode_to_the_bytes_libbzip2_gives() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    bz2_files(&root.join("fixtures"), &mut files);
    let shared = root.join("../shared/realdata");
    if shared.is_dir() {
        bz2_files(&shared, &mut files);
    } else {
        eprintln!("skipping ../shared/realdata (not present): fixtures only");
    }
    assert!(files.len() >= 4, "the fixtures hold bzip2 archives: {files:?}");
    for f in &files {
        let file = std::fs::read(f).unwrap();
        let expect = libbz2(&file);
        assert!(ours(&file, 0) == expect, "{} inline", f.display());
        assert!(ours(&file, 2) == expect, "{} on two workers", f.display());
    }
}

fn bz(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Data with the shapes bzip2 blocks take: runs (the initial run-length coding and its
/// counts up to 255), small alphabets, repeats (periodic blocks), and noise.
fn shaped() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        (any::<u8>(), 1usize..600).prop_map(|(b, n)| vec![b; n]),
        prop::collection::vec(0u8..4, 1..300),
        prop::collection::vec(any::<u8>(), 1..300),
        (prop::collection::vec(any::<u8>(), 1..8), 1usize..200).prop_map(|(p, n)| p.repeat(n)),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|ps| ps.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn generated_data_round_trips(data in shaped(), level in 1u32..=9) {
        let file = bz(&data, level);
        prop_assert!(ours(&file, 0) == data);
    }
}

#[test]
fn periodic_and_multi_block_data_round_trips() {
    // A periodic block (its BWT permutation is several cycles) and blocks of every size.
    let periodic = b"0123456789".repeat(50_000);
    let zeros = vec![0u8; 3_000_000];
    let mut x = 5u64;
    let noise: Vec<u8> = (0..1_500_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect();
    for data in [&periodic[..], &zeros[..], &noise[..]] {
        for level in [1, 9] {
            let file = bz(data, level);
            assert!(ours(&file, 0) == data, "{} bytes at level {level}", data.len());
            assert!(ours(&file, 2) == data, "{} bytes at level {level}, two workers", data.len());
        }
    }
}
