//! The `lightsout` binary: parses the command line and hands over to the library.

mod cli;

use clap::Parser;

// Ingest allocates and frees large buffers all the time (bzip2 decoder state, decompressed
// blocks, column builders); mimalloc reuses them instead of returning pages to the kernel
// and faulting fresh zeroed ones in again (about a sixth of ingest's time with glibc's).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let parsed = cli::Cli::parse();
    match cli::run(parsed) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // One clear line: the library's errors already carry their context and cause.
            eprintln!("lightsout: {}", e.to_string().replace('\n', " "));
            std::process::exit(1);
        }
    }
}
