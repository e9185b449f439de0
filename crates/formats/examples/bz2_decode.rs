//! Decompresses a bzip2 file and counts its bytes, writing nothing: lightsout's block decoder
//! against libbzip2, for the bench and for profiling.
//!
//! Usage: `bz2_decode FILE [WORKERS]` (lightsout's decoder on WORKERS threads, default 1) or
//! `bz2_decode FILE libbz2` (libbzip2 through the bzip2 crate, one thread).

use std::io::Read;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: bz2_decode FILE [WORKERS|libbz2]");
    let how = args.next().unwrap_or_else(|| "1".into());
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path).expect("open"));
    let mut reader: Box<dyn Read> = if how == "libbz2" {
        Box::new(bzip2::read::MultiBzDecoder::new(file))
    } else {
        let workers = how.parse().expect("workers");
        Box::new(lightsout_formats::bzip2_parallel::ParallelBzDecoder::new(file, workers))
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => total += n as u64,
            Err(e) => {
                eprintln!("error after {total} bytes: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("{total} bytes");
}
