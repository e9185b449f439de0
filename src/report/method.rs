//! The end of the report: a short note on method, with the case's own numbers, and the
//! manifest's hashes (tool version, case file, queries, inputs) for reproducibility.
//!
//! In: the case and `manifest.json`. Out: [`Block`]s. A long list of inputs (more than
//! [`MAX_INPUTS`]) is summarised by its count and one sha256 over its lines, so the report
//! stays readable; `manifest.json` keeps every hash.

use super::doc::{Block, Inline, text};
use super::load::Outputs;
use super::words;
use crate::detect::Case;
use serde_json::Value;
use sha2::Digest;

/// Most inputs listed one by one.
pub const MAX_INPUTS: usize = 30;

fn method(case: &Case) -> Vec<Block> {
    let n = words::number;
    let (b, t, d) = (&case.bgp, &case.trace, &case.dns);
    let paras = [
        format!(
            "Signals, per {} bin. BGP visibility counts the entity's IPv4 /24 and IPv6 /48 equivalents seen by more than {} of the full-feed peers at the end of the bin (IODA's definition: a full-feed peer holds more than {} IPv4 or {} IPv6 prefixes); prefix visibility does the same per prefix; the upstream split counts, per upstream (the AS before the origin), the full-feed peers whose path goes through it. Route state comes from the latest RIB before the range and the updates after it; a peer whose session went down holds nothing, so a collector's session reset is not an outage. Traceroute reach is the share of traceroutes and pings towards the entity's space that reached it. DNS health counts the queries under the entity's domains, the share answered (NOERROR or NXDOMAIN) and the failures (SERVFAIL or no answer).",
            case.bin,
            words::percent(b.visible_fraction),
            b.full_feed_min_v4,
            b.full_feed_min_v6
        ),
        format!(
            "Baselines and levels. Each bin is compared with the median of the signal over the previous {} (BGP), {} (traceroutes) or {} (DNS), so an outage shorter than half of that does not pull its own baseline down; with fewer than {} earlier values a bin is insufficient data, never \"no outage\". A drop is a warning below {} x baseline and critical below {} x (BGP), {} and {} (traceroutes), {} and {} (DNS); DNS failures count as surges above baseline / {} and / {}, and a count must change by at least {} to count at all.",
            case.bgp_history,
            case.trace_history,
            case.dns_history,
            b.min_history_bins,
            n(b.warning),
            n(b.critical),
            n(t.warning),
            n(t.critical),
            n(d.warning),
            n(d.critical),
            n(d.warning),
            n(d.critical),
            case.dns_min_change
        ),
        "Windows, events and verdicts. Consecutive anomalous bins of one signal form a window, scored as IODA does (relative change in % times minutes). Windows of one entity that overlap or lie within one bin of each other form an event; its fused score is the product over the data sources of their largest window score. The verdict is internal when every upstream that carried the entity lost it within one bin of the others, upstream:ASN when exactly one of two or more upstreams lost it while the entity stayed visible, else inconclusive; traceroute windows that no BGP window explains are judged by where the failed traceroutes stopped. The plots show each signal's value, its baseline and its levels exactly as detection applied them.".to_string(),
    ];
    let mut blocks = vec![Block::heading(2, "Method", "method")];
    blocks.extend(paras.into_iter().map(|p| Block::Para(text(p))));
    blocks
}

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("–")
}

fn reproducibility(manifest: &Value) -> Vec<Block> {
    let code = |x: &str| vec![Inline::Code(x.to_string())];
    let mut blocks = vec![
        Block::heading(2, "Reproducibility", "reproducibility"),
        Block::Para(text(
            "From manifest.json, written by lightsout detect (its report section lists the sha256 of every file of this report). The same inputs, case and queries give byte-identical tables and report.",
        )),
        Block::table(
            &["", ""],
            &[],
            vec![
                vec![text("tool"), code(&format!("{} {}", s(manifest, "/tool/name"), s(manifest, "/tool/version")))],
                vec![text("case"), code(s(manifest, "/case/name"))],
                vec![text("case file sha256"), code(s(manifest, "/case/sha256"))],
            ],
        ),
    ];
    if let Some(q) = manifest.get("queries").and_then(Value::as_object) {
        let rows = q.iter().map(|(k, v)| vec![code(k), code(v.as_str().unwrap_or("–"))]).collect();
        blocks.push(Block::table(&["query", "sha256"], &[], rows));
    }
    let inputs: Vec<(&str, &str, &str)> = manifest
        .get("inputs")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|i| (s(i, "/path"), s(i, "/sha256"), s(i, "/status"))).collect())
        .unwrap_or_default();
    if inputs.len() <= MAX_INPUTS {
        let rows = inputs.iter().map(|(p, h, st)| vec![code(p), code(h), text(*st)]).collect();
        blocks.push(Block::table(&["input", "sha256", "status"], &[], rows));
    } else {
        let lines: String = inputs.iter().map(|(p, h, _)| format!("{h}  {p}\n")).collect();
        let digest = hex::encode(sha2::Sha256::digest(lines.as_bytes()));
        blocks.push(Block::Para(vec![
            Inline::Text(format!(
                "{} input files (each with its sha256 in manifest.json); sha256 of their \"sha256  path\" lines in manifest order: ",
                inputs.len()
            )),
            Inline::Code(digest),
            Inline::Text(".".into()),
        ]));
    }
    blocks
}

/// Method and reproducibility.
pub fn section(case: &Case, outputs: &Outputs) -> Vec<Block> {
    let mut blocks = method(case);
    blocks.extend(reproducibility(&outputs.manifest));
    blocks
}
