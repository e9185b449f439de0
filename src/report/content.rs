//! The report's content, top to bottom: title, the case, the summary table of events, one
//! section per event, the footprint of each entity, the method and the manifest's hashes.
//!
//! In: the case, the outputs of detection and the timelines' SVGs by event id. Out: the
//! [`Block`]s that `report.md` and `report.html` are rendered from.

use super::doc::{Block, Inline, Rich, labelled, text};
use super::load::{EventRow, Outputs};
use super::{event_section, footprint, method, words};
use crate::detect::Case;
use std::collections::BTreeMap;

/// The anchor of an event's section.
pub fn event_anchor(e: &EventRow) -> String {
    format!("event-{}-{}", words::slug(&e.entity), words::event_number(&e.id))
}

/// A link to an event's section.
pub fn event_link(e: &EventRow) -> Inline {
    Inline::Link { text: e.id.clone(), target: format!("#{}", event_anchor(e)) }
}

/// The signals of an event for people: `BGP visibility, IPv4; Traceroute reach`.
pub fn signal_list(signals: &[String]) -> String {
    signals.iter().map(|s| words::signal_label(s)).collect::<Vec<_>>().join("; ")
}

fn list_or(items: &[impl AsRef<str>], none: &str) -> String {
    if items.is_empty() { none.to_string() } else { items.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(", ") }
}

fn case_section(case: &Case, outputs: &Outputs) -> Vec<Block> {
    let span = (case.end - case.start).num_seconds();
    let mut blocks = vec![
        Block::heading(2, "Case", "case"),
        Block::table(
            &["", ""],
            &[],
            vec![
                vec![text("name"), vec![Inline::Code(case.name.clone())]],
                vec![
                    text("range"),
                    text(format!(
                        "{} to {} UTC ({})",
                        words::time(case.start.timestamp_micros()),
                        words::time(case.end.timestamp_micros()),
                        words::duration(span)
                    )),
                ],
                vec![text("bin"), text(case.bin.to_string())],
                vec![text("entities"), text(case.entities.len().to_string())],
                vec![text("events"), text(outputs.events.len().to_string())],
            ],
        ),
        Block::heading(3, "Entities", "entities"),
    ];
    let rows = case
        .entities
        .iter()
        .map(|e| {
            vec![
                vec![Inline::Link { text: e.name.clone(), target: format!("#footprint-{}", words::slug(&e.name)) }],
                text(e.asn.map(|a| format!("AS{a}")).unwrap_or_else(|| "–".into())),
                text(list_or(&e.prefixes, "learned from the routes of its AS")),
                text(list_or(&e.upstreams.iter().map(|u| format!("AS{u}")).collect::<Vec<_>>(), "learned from the AS paths")),
                text(list_or(&e.domains, "–")),
            ]
        })
        .collect();
    blocks.push(Block::table(&["entity", "origin AS", "prefixes", "upstreams", "DNS domains"], &[], rows));
    blocks.push(Block::heading(3, "Thresholds", "thresholds"));
    let n = words::number;
    let (b, t, d) = (&case.bgp, &case.trace, &case.dns);
    let rows = vec![
        vec![
            text("BGP"),
            text(case.bgp_history.to_string()),
            text(format!("below {} x baseline", n(b.warning))),
            text(format!("below {} x baseline", n(b.critical))),
            text(b.min_history_bins.to_string()),
            text(format!(
                "full-feed peers hold more than {} IPv4 / {} IPv6 prefixes; a prefix is visible when more than {} of them see it",
                b.full_feed_min_v4,
                b.full_feed_min_v6,
                words::percent(b.visible_fraction)
            )),
        ],
        vec![
            text("traceroutes"),
            text(case.trace_history.to_string()),
            text(format!("below {} x baseline", n(t.warning))),
            text(format!("below {} x baseline", n(t.critical))),
            text(t.min_history_bins.to_string()),
            text("–"),
        ],
        vec![
            text("DNS"),
            text(case.dns_history.to_string()),
            text(format!("answered share below {0} x baseline; failures above baseline / {0}", n(d.warning))),
            text(format!(
                "answered share below {0} x baseline; failures above baseline / {0}; volume below {0} x or above baseline / {0}",
                n(d.critical)
            )),
            text(d.min_history_bins.to_string()),
            text(format!("a count must change by at least {} to count", case.dns_min_change)),
        ],
    ];
    blocks.push(Block::table(
        &["data source", "baseline history", "warning", "critical", "min. earlier bins", "other"],
        &["min. earlier bins"],
        rows,
    ));
    blocks
}

/// The summary table of events (one row per event).
pub fn events_table(outputs: &Outputs) -> Block {
    let rows = outputs
        .events
        .iter()
        .map(|e| {
            vec![
                text(e.entity.clone()),
                vec![event_link(e)],
                text(words::time(e.start_us)),
                text(words::time(e.end_us)),
                text(words::duration((e.end_us - e.start_us) / 1_000_000)),
                text(e.kind.clone()),
                text(e.verdict.clone()),
                text(signal_list(&e.signals)),
                text(words::number(e.fused_score)),
            ]
        })
        .collect();
    Block::table(
        &["entity", "event", "start (UTC)", "end (UTC)", "duration", "kind", "verdict", "signals that agree", "fused score"],
        &["fused score"],
        rows,
    )
}

/// The whole document. `figures` maps an event id to its SVG file name and text.
pub fn document(case: &Case, outputs: &Outputs, figures: &BTreeMap<String, (String, String)>) -> Vec<Block> {
    let version = outputs.manifest.pointer("/tool/version").and_then(|v| v.as_str()).unwrap_or("unknown");
    let mut blocks = vec![
        Block::heading(1, format!("Outage report: {}", case.name), "top"),
        Block::Para(vec![
            Inline::Text("Written by ".into()),
            Inline::Code(format!("lightsout report {version}")),
            Inline::Text(" from the outputs of ".into()),
            Inline::Code("lightsout detect".into()),
            Inline::Text(" in this folder. All times are UTC. ".into()),
            Inline::Text("Files: ".into()),
            Inline::Link { text: "summary.csv".into(), target: "summary.csv".into() },
            Inline::Text(" (one row per event), ".into()),
            Inline::Link { text: "events.csv".into(), target: "events.csv".into() },
            Inline::Text(", ".into()),
            Inline::Link { text: "windows.csv".into(), target: "windows.csv".into() },
            Inline::Text(", signals.parquet, footprint.parquet, manifest.json.".into()),
        ]),
    ];
    blocks.extend(case_section(case, outputs));
    blocks.push(Block::heading(2, "Events", "events"));
    if outputs.events.is_empty() {
        let thin = outputs.windows.iter().filter(|w| w.level == "insufficient_data").count();
        let mut s = "No events: no signal of any entity left its normal range.".to_string();
        if thin > 0 {
            s.push_str(&format!(
                " {thin} stretches had too little data to judge (insufficient_data in windows.csv): that is not evidence of no outage."
            ));
        }
        blocks.push(Block::Para(text(s)));
    } else {
        blocks.push(events_table(outputs));
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &outputs.events {
            *counts.entry(e.kind.as_str()).or_default() += 1;
        }
        let kinds: Vec<Rich> = counts.iter().map(|(k, n)| labelled(k, format!("{n}: {}", words::kind_words(k)))).collect();
        blocks.push(Block::Bullets(kinds));
    }
    for e in &outputs.events {
        blocks.extend(event_section::section(case, e, outputs, figures.get(&e.id)));
    }
    blocks.extend(footprint::section(case, outputs));
    blocks.extend(method::section(case, outputs));
    blocks
}
