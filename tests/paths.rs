//! Paths: inputs are only read; nothing is written outside `--lake` and `--out` (not beside the
//! inputs, not in the working folder, not in `$TMPDIR` or `$HOME`); names of input files never
//! become paths (parts are named by content hash), whatever bytes they hold.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)).unwrap()
}

/// Size, modification time, permissions and bytes of a file (the target of a link).
type Seen = (u64, Option<SystemTime>, u32, Vec<u8>);

/// Everything under `root` except the folders in `skip`: folders, and files with their size,
/// modification time, permissions and bytes; symbolic links with their target.
fn snapshot(root: &Path, skip: &[&Path]) -> BTreeMap<PathBuf, Seen> {
    fn walk(root: &Path, d: &Path, skip: &[&Path], out: &mut BTreeMap<PathBuf, Seen>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if skip.iter().any(|s| p == *s) {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if m.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, (0, None, 0, target.as_os_str().as_bytes().to_vec()));
            } else if m.is_dir() {
                out.insert(rel, (0, m.modified().ok(), m.permissions().mode(), Vec::new()));
                walk(root, &p, skip, out);
            } else {
                out.insert(rel, (m.len(), m.modified().ok(), m.permissions().mode(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, skip, &mut out);
    out
}

fn all_paths(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = snapshot(root, &[]).keys().map(|p| p.to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn only_the_lake_and_the_output_are_written_and_input_names_never_become_paths() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let inputs = root.join("in");
    let sub = inputs.join("a..b");
    std::fs::create_dir_all(&sub).unwrap();
    let (cwd, tmp, home) = (root.join("cwd"), root.join("tmp"), root.join("home"));
    for p in [&cwd, &tmp, &home] {
        std::fs::create_dir(p).unwrap();
    }
    // Real archives under hostile names: dots, a leading dash, shell syntax, a line break,
    // an escape sequence, bytes that are not UTF-8, and a name that would climb out if it
    // were ever joined to a path piece by piece.
    let archives = [
        "mrt/variants/ryu_updates.mrt",
        "mrt/ryu_updates.20161101.0000.bz2",
        "mrt/variants/ryu_updates.multi.bz2",
        "mrt/variants/ryu_updates.multi.gz",
        "mrt/variants/ryu_updates.xz",
        "mrt/variants/ryu_updates.zst",
        "mrt/mrtparse_bird-mrtdump_bgp",
        "mrt/mrtparse_quagga_rib",
    ];
    let names: Vec<&[u8]> = vec![
        b"..evil.mrt",
        b"a..b..c",
        b"-rf",
        b"$(touch pwned);x",
        b"line\nbreak",
        b"esc\x1b[31mred",
        b"caf\xe9\xff\xfe.bz2",
        b"..%2f..%2fetc%2fpasswd",
    ];
    for (n, archive) in names.iter().zip(archives) {
        std::fs::write(sub.join(OsStr::from_bytes(n)), fixture(archive)).unwrap();
    }
    std::fs::write(inputs.join("zeek dns.log"), fixture("dns/own_zeek_dns.log")).unwrap();
    // A link out of the input folder: followed for reading, never written through.
    std::fs::write(root.join("outside.log"), fixture("dns/own_bind_query.log")).unwrap();
    std::os::unix::fs::symlink("../outside.log", inputs.join("link.log")).unwrap();
    // Inputs read-only (as root this is not enforced; the snapshot below checks anyway).
    for p in snapshot(&inputs, &[]).keys() {
        let p = inputs.join(p);
        if !std::fs::symlink_metadata(&p).unwrap().file_type().is_symlink() {
            let mode = if p.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    std::fs::set_permissions(&inputs, std::fs::Permissions::from_mode(0o555)).unwrap();
    let case = root.join("case.toml");
    std::fs::write(
        &case,
        "name = \"paths\"\nstart = \"2016-11-01T00:00:00Z\"\nend = \"2016-11-01T00:15:00Z\"\nbin = \"5m\"\n[[entity]]\nname = \"x\"\nasn = 64512\n",
    )
    .unwrap();

    let lake = root.join("lake");
    let out = root.join("out");
    let before = snapshot(root, &[&lake, &out]);
    let run = |args: &[&OsStr]| {
        Command::new(assert_cmd::cargo::cargo_bin("lightsout"))
            .args(args)
            .current_dir(&cwd)
            .env("TMPDIR", &tmp)
            .env("HOME", &home)
            .output()
            .unwrap()
    };
    // Hidden files (`..evil.mrt`) are left out of a folder walk, so they are named too.
    let hidden = [sub.join("..evil.mrt"), sub.join("..%2f..%2fetc%2fpasswd")];
    let ingest =
        run(&["ingest".as_ref(), "--lake".as_ref(), lake.as_os_str(), inputs.as_os_str(), hidden[0].as_os_str(), hidden[1].as_os_str()]);
    let stderr = String::from_utf8_lossy(&ingest.stderr);
    let detect = run(&["detect".as_ref(), case.as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert!(detect.status.success(), "{}", String::from_utf8_lossy(&detect.stderr));

    // Every input was read: eight MRT files, the Zeek log, the linked BIND log (which has
    // rejected lines).
    assert_eq!(ingest.status.code(), Some(3), "{stderr}");
    let summary = String::from_utf8_lossy(&ingest.stdout);
    assert!(summary.starts_with("10 files (9 ok, 1 partial)"), "{summary}\n{stderr}");
    let verbose = run(&["ingest".as_ref(), "-v".as_ref(), "--force".as_ref(), "--lake".as_ref(), lake.as_os_str(), inputs.as_os_str()]);
    // One line per file: names with line breaks or escape sequences are escaped.
    let listing = String::from_utf8_lossy(&verbose.stderr);
    assert_eq!(listing.lines().count(), 8, "{listing}");
    assert!(listing.contains("/line\\nbreak: ok mrt") && listing.contains("/esc\\u{1b}[31mred: ok mrt"), "{listing}");
    assert!(!listing.contains('\x1b'), "{listing}");

    // Nothing changed or appeared outside the lake and the output: not the inputs, not the
    // file behind the link, not the working folder, $TMPDIR or $HOME.
    let after = snapshot(root, &[&lake, &out]);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "files appeared or vanished outside --lake and --out");
    for (k, v) in &before {
        assert!(after[k] == *v, "{} changed", k.display());
    }
    std::fs::set_permissions(&inputs, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Inside: only the lake's own names. Parts are named by the content hash of their input,
    // never by the input's name.
    let is_date = |c: &str| {
        c.strip_prefix("date=").is_some_and(|d| {
            d.len() == 10 && d.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
        })
    };
    let is_part = |c: &str| {
        c.len() == "part-0123456789abcdef.parquet".len()
            && c.starts_with("part-")
            && c.ends_with(".parquet")
            && c[5..21].bytes().all(|b| b.is_ascii_hexdigit())
    };
    for p in all_paths(&lake) {
        let c: Vec<&str> = p.split('/').collect();
        let table = lightsout::formats::Table::ALL.iter().any(|t| t.name() == c[0]);
        let ok = match c.as_slice() {
            [".tmp"] => true,
            [_] => table,
            [_, x] => table && (is_date(x) || is_part(x)),
            [_, d, x] => table && is_date(d) && is_part(x),
            _ => false,
        };
        assert!(ok, "unexpected path in the lake: {p:?}");
    }
    assert_eq!(
        all_paths(&out),
        ["events.csv", "events.parquet", "footprint.parquet", "manifest.json", "signals.parquet", "windows.csv", "windows.parquet"]
    );
}
