//! The case file of a scenario: `case.toml`, what `lightsout detect` reads.
//!
//! In: the [`World`] and the table sizes at the start. Out: `case.toml` as a [`RawFile`]:
//! name, time range, bin, the `[bgp]` knobs and one `[[entity]]` per monitored network.
//! The full-feed thresholds are set halfway between the largest partial table and the
//! smallest full one, so the scenario decides them, not a constant.

use super::generate::{RawFile, TableSize};
use super::summary::FileKind;
use super::world::World;
use std::fmt::Write;

/// Full-feed threshold: halfway between the largest partial table and the smallest full
/// one, rounded down to a multiple of 100 when that still separates them.
fn threshold(full: Option<u32>, partial: Option<u32>) -> u32 {
    match (full, partial) {
        (Some(f), Some(p)) => {
            let mid = (f + p) / 2;
            if mid / 100 * 100 > p { mid / 100 * 100 } else { mid }
        }
        (Some(f), None) => f / 2,
        (None, _) => 1,
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `case.toml`.
pub fn case_file(w: &World, sizes: &[TableSize]) -> RawFile {
    let sc = w.sc;
    let pick = |v6: bool, full: bool| {
        let it = w.sessions.iter().zip(sizes).filter(|(s, _)| s.ipv6 == v6 && s.full == full).map(|(_, z)| if v6 { z.v6 } else { z.v4 });
        if full { it.min() } else { it.max() }
    };
    let (f4, p4, f6, p6) = (pick(false, true), pick(false, false), pick(true, true), pick(true, false));
    let k = &sc.case;
    let mut t = String::new();
    let _ = writeln!(t, "# Case file written by `lightsout synth {}`; the answer key is truth.json.", sc.name);
    let _ = writeln!(t, "name = {}", quote(sc.name));
    let _ = writeln!(t, "start = {}", quote(sc.start));
    let _ = writeln!(t, "end = {}", quote(sc.end));
    let _ = writeln!(t, "bin = {}", quote(k.bin));
    let _ = writeln!(t, "\n[bgp]");
    let _ = writeln!(
        t,
        "# Full-feed peers hold at least {} IPv4 / {} IPv6 prefixes, partial-feed peers at most {} / {}.",
        f4.unwrap_or(0),
        f6.unwrap_or(0),
        p4.unwrap_or(0),
        p6.unwrap_or(0)
    );
    let _ = writeln!(t, "full_feed_min_v4 = {}", threshold(f4, p4));
    let _ = writeln!(t, "full_feed_min_v6 = {}", threshold(f6, p6));
    let _ = writeln!(t, "visible_fraction = {:?}", k.visible_fraction);
    let _ = writeln!(t, "history = {}", quote(k.history));
    let _ = writeln!(t, "warning = {:?}", k.warning);
    let _ = writeln!(t, "critical = {:?}", k.critical);
    for ent in sc.entities {
        let mut ups: Vec<u32> = Vec::new();
        for u in ent.upstreams {
            if !ups.contains(&u.asn) {
                ups.push(u.asn);
            }
        }
        let prefixes: Vec<String> = ent.prefixes.iter().map(|p| quote(p)).collect();
        let ups: Vec<String> = ups.iter().map(|u| u.to_string()).collect();
        let _ = writeln!(t, "\n[[entity]]");
        let _ = writeln!(t, "name = {}", quote(ent.name));
        let _ = writeln!(t, "asn = {}", ent.asn);
        let _ = writeln!(t, "prefixes = [{}]", prefixes.join(", "));
        let _ = writeln!(t, "upstreams = [{}]", ups.join(", "));
    }
    RawFile { rel: "case.toml".into(), kind: FileKind::Case, raw: t.into_bytes(), counts: Default::default() }
}

#[cfg(test)]
mod tests {
    use super::threshold;

    #[test]
    fn thresholds_separate_partial_from_full_tables() {
        assert_eq!(threshold(Some(3000), Some(407)), 1700);
        assert_eq!(threshold(Some(602), Some(61)), 300);
        assert_eq!(threshold(Some(150), Some(100)), 125);
        assert_eq!(threshold(Some(3000), None), 1500);
    }
}
