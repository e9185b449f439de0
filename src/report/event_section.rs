//! One event's section of the report: when, what and where, how sure, the verdict with its
//! evidence in words, and its timeline.
//!
//! In: the case, one event, the outputs (windows, footprint, which data sources have data for
//! the entity) and the event's SVG. Out: [`Block`]s.

use super::content::event_anchor;
use super::doc::{Block, Inline, Rich, labelled, text};
use super::load::{EventRow, FootprintRow, Outputs};
use super::timeline::event_windows;
use super::words;
use crate::detect::Case;
use std::collections::BTreeSet;

/// Data sources with any value for `entity` in the signals.
pub fn sources_with_data(outputs: &Outputs, entity: &str) -> BTreeSet<&'static str> {
    outputs
        .series
        .iter()
        .filter(|(k, pts)| k.entity == entity && pts.iter().any(|p| p.value.is_some()))
        .map(|(k, _)| words::source_of(&k.signal))
        .collect()
}

/// Data sources of an event's signals, in report order.
pub fn sources_of(e: &EventRow) -> Vec<&'static str> {
    let mine: BTreeSet<&str> = e.signals.iter().map(|s| words::source_of(s)).collect();
    words::SOURCES.iter().copied().filter(|s| mine.contains(s)).collect()
}

/// Upstreams whose paths an event lost (its critical upstream-split windows), sorted.
pub fn upstreams_lost(e: &EventRow, outputs: &Outputs) -> Vec<u32> {
    let lost: BTreeSet<u32> = event_windows(e, &outputs.windows)
        .iter()
        .filter(|w| w.signal == "bgp_upstream_split" && w.level == "critical")
        .filter_map(|w| w.upstream_asn)
        .collect();
    lost.into_iter().collect()
}

fn footprint_of<'a>(outputs: &'a Outputs, entity: &str, kind: &str) -> Vec<&'a FootprintRow> {
    outputs.footprint.iter().filter(|f| f.entity == entity && f.kind == kind).collect()
}

/// `5 of 5 prefixes (8 of 8 IPv4 /24 equivalents, 1 of 1 IPv6 /48)`.
fn dark_prefix_words(e: &EventRow, outputs: &Outputs) -> String {
    let all = footprint_of(outputs, &e.entity, "prefix");
    let weight = |pfx: &str| all.iter().find(|f| f.item == pfx).and_then(|f| f.weight).unwrap_or(0.0);
    let sum = |v6: bool, items: &mut dyn Iterator<Item = &str>| items.filter(|p| p.contains(':') == v6).map(weight).sum::<f64>();
    let (d4, d6) =
        (sum(false, &mut e.dark_prefixes.iter().map(String::as_str)), sum(true, &mut e.dark_prefixes.iter().map(String::as_str)));
    let (a4, a6) = (sum(false, &mut all.iter().map(|f| f.item.as_str())), sum(true, &mut all.iter().map(|f| f.item.as_str())));
    let mut parts = Vec::new();
    if a4 > 0.0 {
        parts.push(format!("{} of {} IPv4 /24 equivalents", words::number(d4), words::number(a4)));
    }
    if a6 > 0.0 {
        parts.push(format!("{} of {} IPv6 /48 equivalents", words::number(d6), words::number(a6)));
    }
    let of = if all.is_empty() { String::new() } else { format!(" of {}", all.len()) };
    let weights = if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) };
    format!("{}{of} prefixes{weights}: {}", e.dark_prefixes.len(), e.dark_prefixes.join(", "))
}

fn change(w: &super::load::WindowRow) -> String {
    match (w.direction.as_deref(), w.min_ratio, w.max_ratio) {
        (Some("surge"), _, Some(r)) => format!("rose to {}", words::ratio(r)),
        (Some("surge"), _, None) => "rose from zero".into(),
        (_, Some(r), _) => format!("fell to {}", words::ratio(r)),
        _ => "–".into(),
    }
}

/// The section of event `e`; `figure` is its SVG (file name, text).
pub fn section(case: &Case, e: &EventRow, outputs: &Outputs, figure: Option<&(String, String)>) -> Vec<Block> {
    let secs = (e.end_us - e.start_us) / 1_000_000;
    let bins = (e.end_us - e.start_us) / case.bin_us().max(1);
    let mut blocks = vec![Block::heading(3, format!("{}: {}, {}", e.id, e.kind.replace('_', " "), e.verdict), event_anchor(e))];
    let mut what: Vec<Rich> = vec![labelled("Kind", format!("{} ({})", e.kind, words::kind_words(&e.kind)))];
    let ws = event_windows(e, &outputs.windows);
    let lost: Vec<String> = upstreams_lost(e, outputs).iter().map(|u| format!("AS{u}")).collect();
    if !lost.is_empty() {
        what.push(labelled("Upstreams whose paths were lost", lost.join(", ")));
    }
    if !e.dark_prefixes.is_empty() {
        what.push(labelled("Prefixes dark in BGP", dark_prefix_words(e, outputs)));
    }
    if !e.dark_addresses.is_empty() {
        let n = footprint_of(outputs, &e.entity, "address").len();
        what.push(labelled(
            "Addresses that stopped answering",
            format!("{} of {n} measured: {}", e.dark_addresses.len(), e.dark_addresses.join(", ")),
        ));
    }
    if !e.dark_names.is_empty() {
        let n = footprint_of(outputs, &e.entity, "domain").len();
        what.push(labelled("Names that stopped resolving", format!("{} of {n} queried: {}", e.dark_names.len(), e.dark_names.join(", "))));
    }
    blocks.push(Block::Bullets(vec![
        labelled(
            "When",
            format!(
                "{} to {} UTC, {} ({} bins of {})",
                words::time(e.start_us),
                words::time(e.end_us),
                words::duration(secs),
                bins,
                case.bin
            ),
        ),
        labelled("Entity", e.entity.clone()),
    ]));
    blocks.push(Block::Para(vec![Inline::Strong("What and where".into())]));
    blocks.push(Block::Bullets(what));

    let agree = sources_of(e);
    let with_data = sources_with_data(outputs, &e.entity);
    let silent: Vec<&str> = words::SOURCES.iter().copied().filter(|s| with_data.contains(s) && !agree.contains(s)).collect();
    let none: Vec<&str> = words::SOURCES.iter().copied().filter(|s| !with_data.contains(s)).collect();
    let mut sure = format!(
        "{} of the {} data sources with data for this entity agree: {}.",
        agree.len(),
        with_data.len().max(agree.len()),
        agree.join(", ")
    );
    if !silent.is_empty() {
        sure.push_str(&format!(" Saw nothing unusual: {}.", silent.join(", ")));
    }
    if !none.is_empty() {
        sure.push_str(&format!(" No data: {}.", none.join(", ")));
    }
    sure.push_str(&format!(
        " Worst level: {}. Fused score {} (the product over data sources of their largest window score; a window's score is its relative change in % times its minutes).",
        e.level,
        words::number(e.fused_score)
    ));
    blocks.push(Block::Para(vec![Inline::Strong("How sure".into()), Inline::Text(format!(": {sure}"))]));
    let rows = ws
        .iter()
        .map(|w| {
            vec![
                text(words::signal_label(&w.signal)),
                text(if w.scope == "*" { "whole entity".to_string() } else { w.scope.clone() }),
                text(w.upstream_asn.map(|u| format!("AS{u}")).unwrap_or_default()),
                text(words::time(w.start_us)),
                text(words::time(w.end_us)),
                text(w.level.clone()),
                text(change(w)),
                text(words::number(w.score)),
            ]
        })
        .collect();
    blocks.push(Block::table(&["signal", "scope", "upstream", "start (UTC)", "end (UTC)", "level", "change", "score"], &["score"], rows));

    blocks.push(Block::Para(vec![Inline::Strong("Verdict".into()), Inline::Text(format!(": {}", words::verdict_words(&e.verdict)))]));
    let mut evidence = Vec::new();
    for (label, ev) in [("BGP", &e.evidence_bgp), ("Traceroutes", &e.evidence_traceroute), ("DNS", &e.evidence_dns)] {
        if !ev.is_empty() {
            evidence.push(labelled(label, ev.clone()));
        }
    }
    if !evidence.is_empty() {
        blocks.push(Block::Bullets(evidence));
    }
    if let Some((file, svg)) = figure {
        let caption = format!(
            "Timeline of {}: one panel per signal; the event tinted, its windows shaded (red: critical, orange: warning); dashed lines: baseline and levels. File {file}.",
            e.id
        );
        blocks.push(Block::Figure { file: file.clone(), svg: svg.clone(), caption });
    }
    blocks
}
