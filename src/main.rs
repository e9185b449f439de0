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
    // Before the command line is parsed: pages that parsing touches first would already be
    // huge ones (an ingest's peak RSS grew by a few MiB when this came after the parse).
    without_huge_pages();
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

/// Turns transparent huge pages off for the process (Linux), unless `MIMALLOC_ALLOW_THP` is
/// set, which then decides as mimalloc documents it. mimalloc asks for huge pages on its
/// arenas, and a 2 MiB page is zeroed whole at its first touch however little of it is used:
/// on the bench machine that made the kernel's time per ingest vary from 0.1 to 0.9 s, and
/// without them ingest's peak RSS fell by 12%; see the README's Speed section. Detection is
/// no exception any more: with huge pages, each run after another process (a count, as in
/// the bench) took either 0.67-0.75 s or 1.5-1.7 s (1.0-1.2 s of it zeroing pages in the
/// kernel; median 1.53 s over 12 runs), without them 0.88-0.97 s (median 0.93 s), for 100 MiB
/// less peak memory. (The sixth session had measured the opposite, 0.84-0.93 of the time,
/// when detection held 780 MiB of tables; it now holds 520-630.)
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE takes integers only and changes no memory: the kernel
        // stops backing this process's later page faults with huge pages. Memory already
        // mapped stays valid either way, and a failure (old kernel) leaves things as they were.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}
