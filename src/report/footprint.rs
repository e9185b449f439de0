//! The footprint part of the report: what each entity has online, and what of it went dark in
//! each event.
//!
//! In: the case (its entities, in case order), `footprint.parquet` rows and the events. Out:
//! per entity a summary sentence, what went dark per event, and tables of prefixes (/24 or /48
//! equivalents, peers that see them, share of bins visible), upstreams (peers through each,
//! share of paths), addresses measured and names queried, each with the events it went dark in.
//! Long tables stop at [`MAX_ROWS`] rows and say how many more `footprint.parquet` holds.

use super::content::event_link;
use super::doc::{Block, Inline, Rich, text};
use super::event_section::upstreams_lost;
use super::load::{EventRow, FootprintRow, Outputs};
use super::words;
use crate::detect::Case;

/// Most rows of one footprint table.
pub const MAX_ROWS: usize = 60;

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "–".into())
}

fn dark_in(events: &[&EventRow], f: impl Fn(&EventRow) -> bool) -> Rich {
    let mut r: Rich = Vec::new();
    for e in events.iter().filter(|e| f(e)) {
        if !r.is_empty() {
            r.push(Inline::Text(", ".into()));
        }
        r.push(event_link(e));
    }
    if r.is_empty() { text("–") } else { r }
}

fn capped(header: &[&str], numeric: &[&str], mut rows: Vec<Vec<Rich>>) -> Block {
    if rows.len() > MAX_ROWS {
        let more = rows.len() - MAX_ROWS;
        rows.truncate(MAX_ROWS);
        let mut last = vec![text(format!("… {more} more in footprint.parquet"))];
        last.resize(header.len(), text(""));
        rows.push(last);
    }
    Block::table(header, numeric, rows)
}

fn entity_blocks(name: &str, outputs: &Outputs, upstream_lost: &dyn Fn(&EventRow, &str) -> bool) -> Vec<Block> {
    let rows: Vec<&FootprintRow> = outputs.footprint.iter().filter(|f| f.entity == name).collect();
    let kind = |k: &str| rows.iter().copied().filter(|f| f.kind == k).collect::<Vec<_>>();
    let (prefixes, upstreams, addresses, names) = (kind("prefix"), kind("upstream"), kind("address"), kind("domain"));
    let events: Vec<&EventRow> = outputs.events.iter().filter(|e| e.entity == name).collect();
    let mut blocks = vec![Block::heading(3, name, format!("footprint-{}", words::slug(name)))];
    if rows.is_empty() {
        blocks.push(Block::Para(text("No footprint: no routes, measurements or queries of this entity in the case's range.")));
        return blocks;
    }
    let eq = |v6: bool| prefixes.iter().filter(|f| f.item.contains(':') == v6).filter_map(|f| f.weight).sum::<f64>();
    blocks.push(Block::Para(text(format!(
        "Announced: {} prefixes, {} IPv4 /24 equivalents and {} IPv6 /48 equivalents; {} upstreams; {} addresses measured by traceroutes or pings; {} names queried.",
        prefixes.len(),
        words::number(eq(false)),
        words::number(eq(true)),
        upstreams.len(),
        addresses.len(),
        names.len()
    ))));
    if !events.is_empty() {
        let rows = events
            .iter()
            .map(|e| {
                let lost: Vec<String> = upstreams.iter().filter(|u| upstream_lost(e, &u.item)).map(|u| format!("AS{}", u.item)).collect();
                let of = |n: usize, all: usize| if all == 0 { "no data".to_string() } else { format!("{n} of {all}") };
                vec![
                    vec![event_link(e)],
                    text(of(e.dark_prefixes.len(), prefixes.len())),
                    text(if lost.is_empty() { "–".to_string() } else { lost.join(", ") }),
                    text(of(e.dark_addresses.len(), addresses.len())),
                    text(of(e.dark_names.len(), names.len())),
                ]
            })
            .collect();
        blocks.push(Block::Para(vec![Inline::Strong("What went dark in each event".into())]));
        blocks.push(Block::table(&["event", "prefixes dark", "upstreams lost", "addresses dark", "names dark"], &[], rows));
    }
    if !prefixes.is_empty() {
        let rows = prefixes
            .iter()
            .map(|f| {
                vec![
                    text(f.item.clone()),
                    text(opt(f.weight, words::number)),
                    text(opt(f.peers, words::number)),
                    text(opt(f.share, words::percent)),
                    dark_in(&events, |e| e.dark_prefixes.contains(&f.item)),
                ]
            })
            .collect();
        let header = ["prefix", "/24 or /48 equivalents", "peers that see it (median)", "bins visible", "dark in"];
        blocks.push(capped(&header, &header[1..4], rows));
    }
    if !upstreams.is_empty() {
        let rows = upstreams
            .iter()
            .map(|f| {
                vec![
                    text(format!("AS{}", f.item)),
                    text(opt(f.peers, words::number)),
                    text(opt(f.share, words::percent)),
                    dark_in(&events, |e| upstream_lost(e, &f.item)),
                ]
            })
            .collect();
        let header = ["upstream", "full-feed peers through it (most)", "share of peers' paths (mean)", "lost in"];
        blocks.push(capped(&header, &header[1..3], rows));
    }
    let measured = |rows: &[&FootprintRow], header: [&str; 5], dark: &dyn Fn(&EventRow, &str) -> bool| {
        let rows = rows
            .iter()
            .map(|f| {
                vec![
                    text(f.item.clone()),
                    text(f.measurements.map(|v| v.to_string()).unwrap_or_default()),
                    text(f.reached.map(|v| v.to_string()).unwrap_or_default()),
                    text(opt(f.share, words::percent)),
                    dark_in(&events, |e| dark(e, &f.item)),
                ]
            })
            .collect();
        capped(&header, &header[1..4], rows)
    };
    if !addresses.is_empty() {
        let header = ["address", "measurements", "reached", "reached share", "dark in"];
        blocks.push(measured(&addresses, header, &|e, a| e.dark_addresses.iter().any(|x| x == a)));
    }
    if !names.is_empty() {
        let header = ["name", "queries", "answered", "answered share", "dark in"];
        blocks.push(measured(&names, header, &|e, n| e.dark_names.iter().any(|x| x == n)));
    }
    blocks
}

/// The footprint part: one subsection per entity of the case (then any other entity found).
pub fn section(case: &Case, outputs: &Outputs) -> Vec<Block> {
    let mut blocks = vec![
        Block::heading(2, "Footprint", "footprint"),
        Block::Para(text(
            "What each entity has online over the case's range (footprint.parquet): its prefixes and the peers that see them, its upstreams and their share of the full-feed peers' paths, the addresses that traceroutes and pings measured and the names queried under its domains; and what of it went dark in each event.",
        )),
    ];
    let upstream_lost = |e: &EventRow, asn: &str| upstreams_lost(e, outputs).iter().any(|u| u.to_string() == asn);
    let mut names: Vec<String> = case.entities.iter().map(|e| e.name.clone()).collect();
    for f in &outputs.footprint {
        if !names.contains(&f.entity) {
            names.push(f.entity.clone());
        }
    }
    for name in &names {
        blocks.extend(entity_blocks(name, outputs, &upstream_lost));
    }
    blocks
}
