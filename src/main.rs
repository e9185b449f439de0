//! The `lightsout` binary: parses the command line and hands over to the library.

mod cli;

use clap::Parser;

// Ingest allocates and frees large buffers all the time (bzip2 decoder state, decompressed
// blocks, column builders); mimalloc reuses them instead of returning pages to the kernel
// and faulting fresh zeroed ones in again (about a sixth of ingest's time with glibc's).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h of v3, the version built; 15 in v2 too):
/// how long freed memory waits before it goes back to the OS.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Keep freed memory for reuse: ingest frees and reallocates multi-MiB buffers (a bzip2
    // block's decoder state is 3.6 MiB) many times a second; returning them to the OS after
    // the default 10 ms made the kernel zero fresh pages again and again (a sixth of the CPU
    // time). Peak memory stays bounded by what is live at once.
    // SAFETY: setting an allocator option is allowed at any time (mimalloc.h).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
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
