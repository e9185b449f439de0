//! The answer key of a scenario: `truth.json`.
//!
//! In: the [`World`] and the table sizes at the start. Out: `truth.json` as a [`RawFile`],
//! in the shape of the lab datasets' `truth.json` (scenario, lab_start/lab_end, target,
//! collector with its peers, ases, events with kind, times and scope), plus what only a
//! synthetic scenario knows: every entity, each peer's feed and table size, the upstream
//! each peer reaches the target through, and the session of a session reset.

use super::SynthError;
use super::generate::{RawFile, TableSize};
use super::scenario::{Event, EventKind, Feed, Scenario, Upstream};
use super::summary::FileKind;
use super::timeline::SETTLE_S;
use super::world::{Session, World, parse_time, spec_error};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct NodeAsn {
    node: &'static str,
    asn: u32,
}

fn node_asn(u: &Upstream) -> NodeAsn {
    NodeAsn { node: u.node, asn: u.asn }
}

#[derive(Serialize)]
struct TruthEntity {
    name: &'static str,
    asn: u32,
    prefixes_v4: Vec<&'static str>,
    prefix_v6: Option<&'static str>,
    prefixes_v6: Vec<&'static str>,
    upstreams: Vec<NodeAsn>,
}

#[derive(Serialize)]
struct TruthPeer {
    node: &'static str,
    asn: u32,
    addr_v4: Option<&'static str>,
    addr_v6: Option<&'static str>,
    feed_v4: &'static str,
    feed_v6: &'static str,
    prefixes_v4: u32,
    prefixes_v6: u32,
    /// The upstream of the target its best path runs through (when it carries the target).
    target_via: Option<NodeAsn>,
}

#[derive(Serialize)]
struct TruthCollector {
    name: &'static str,
    asn: u32,
    addr_v4: &'static str,
    addr_v6: &'static str,
    peers: Vec<TruthPeer>,
}

#[derive(Serialize)]
struct Scope {
    prefixes: Vec<&'static str>,
    upstreams_lost: Vec<NodeAsn>,
    upstreams_remaining: Vec<NodeAsn>,
}

#[derive(Serialize)]
struct SessionRef {
    node: &'static str,
    asn: u32,
    addr: String,
}

#[derive(Serialize)]
struct TruthEvent {
    id: &'static str,
    kind: &'static str,
    entity: Option<&'static str>,
    scope: Scope,
    cause: &'static str,
    description: &'static str,
    expected_reachability: &'static str,
    start: &'static str,
    start_epoch: f64,
    end: &'static str,
    end_epoch: f64,
    /// Seconds after `start` (and after `end`) by which every peer has reacted.
    settle_s: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<SessionRef>,
}

#[derive(Serialize)]
struct Truth {
    scenario: &'static str,
    generator: String,
    clock: &'static str,
    complete: bool,
    lab_start: &'static str,
    lab_start_epoch: f64,
    target: TruthEntity,
    entities: Vec<TruthEntity>,
    collector: TruthCollector,
    ases: BTreeMap<String, u32>,
    events: Vec<TruthEvent>,
    lab_end: &'static str,
    lab_end_epoch: f64,
    baseline_note: &'static str,
}

fn feed_name(f: Feed) -> &'static str {
    match f {
        Feed::None => "none",
        Feed::Full => "full",
        Feed::Partial { .. } => "partial",
    }
}

fn entity(w: &World, e: usize) -> TruthEntity {
    let ent = &w.sc.entities[e];
    let (v6, v4): (Vec<&'static str>, Vec<&'static str>) = ent.prefixes.iter().copied().partition(|p| p.contains(':'));
    TruthEntity {
        name: ent.name,
        asn: ent.asn,
        prefixes_v4: v4,
        prefix_v6: v6.first().copied(),
        prefixes_v6: v6,
        upstreams: ent.upstreams.iter().map(node_asn).collect(),
    }
}

fn non_empty(s: &'static str) -> Option<&'static str> {
    (!s.is_empty()).then_some(s)
}

fn peers(w: &World, sizes: &[TableSize]) -> Vec<TruthPeer> {
    let target = &w.sc.entities[0];
    let mut peers = Vec::new();
    for (i, p) in w.sc.peers.iter().enumerate() {
        let mine = || w.sessions.iter().zip(sizes).filter(move |(s, _)| s.peer == i);
        let (v4, v6) = mine().fold((0, 0), |(a, b), (_, z)| (a + z.v4, b + z.v6));
        let carries = |s: &Session| w.entity_prefixes[0].iter().any(|&x| s.carried[x as usize]);
        let target_via = mine().any(|(s, _)| carries(s)).then(|| node_asn(&target.upstreams[p.via % target.upstreams.len()]));
        peers.push(TruthPeer {
            node: p.node,
            asn: p.asn,
            addr_v4: non_empty(p.addr_v4),
            addr_v6: non_empty(p.addr_v6),
            feed_v4: feed_name(p.v4),
            feed_v6: feed_name(p.v6),
            prefixes_v4: v4,
            prefixes_v6: v6,
            target_via,
        });
    }
    peers
}

/// Node names and AS numbers: `C` the collector, `T` the target (`T2`... the other
/// entities), the upstreams and the peers.
fn ases(sc: &Scenario) -> BTreeMap<String, u32> {
    let mut ases = BTreeMap::new();
    ases.insert("C".to_string(), sc.collector.asn);
    for (e, ent) in sc.entities.iter().enumerate() {
        let name = if e == 0 { "T".to_string() } else { format!("T{}", e + 1) };
        ases.insert(name, ent.asn);
        for u in ent.upstreams {
            ases.insert(u.node.to_string(), u.asn);
        }
    }
    for p in sc.peers {
        ases.insert(p.node.to_string(), p.asn);
    }
    ases
}

fn event(w: &World, ev: &Event) -> Result<TruthEvent, SynthError> {
    let sc = w.sc;
    let ups = |e: usize| sc.entities[e].upstreams;
    let all = |e: usize| ups(e).iter().map(node_asn).collect::<Vec<_>>();
    let whole = |e: usize, lost, remaining| Scope {
        prefixes: sc.entities[e].prefixes.to_vec(),
        upstreams_lost: lost,
        upstreams_remaining: remaining,
    };
    let mut session = None;
    let (kind, entity, scope, cause) = match ev.kind {
        EventKind::UpstreamLinkDown { entity: e, upstream: u } => {
            let others = ups(e).iter().enumerate().filter(|(i, _)| *i != u);
            let remaining = others.map(|(_, x)| node_asn(x)).collect();
            ("partial", Some(e), whole(e, vec![node_asn(&ups(e)[u])], remaining), "upstream")
        }
        EventKind::FullOutage { entity: e } => ("full_outage", Some(e), whole(e, all(e), vec![]), "internal"),
        EventKind::PrefixFlap { entity: e, prefix } => {
            let scope = Scope { prefixes: vec![prefix], upstreams_lost: all(e), upstreams_remaining: vec![] };
            ("flap", Some(e), scope, "internal")
        }
        EventKind::SessionReset { peer, ipv6 } => {
            let s = w.session(peer, ipv6).ok_or_else(|| spec_error(sc, "no such session"))?;
            let s = &w.sessions[s];
            session = Some(SessionRef { node: s.node, asn: s.asn, addr: s.addr.to_string() });
            let scope = Scope { prefixes: vec![], upstreams_lost: vec![], upstreams_remaining: all(0) };
            ("session_reset", None, scope, "collector")
        }
    };
    Ok(TruthEvent {
        id: ev.id,
        kind,
        entity: entity.map(|e| sc.entities[e].name),
        scope,
        cause,
        description: ev.description,
        expected_reachability: ev.expected_reachability,
        start: ev.start,
        start_epoch: f64::from(parse_time(sc, ev.start)?),
        end: ev.end,
        end_epoch: f64::from(parse_time(sc, ev.end)?),
        settle_s: SETTLE_S,
        session,
    })
}

/// `truth.json`.
pub fn truth_file(w: &World, sizes: &[TableSize]) -> Result<RawFile, SynthError> {
    let sc = w.sc;
    if sc.entities.is_empty() {
        return Err(spec_error(sc, "a scenario needs an entity"));
    }
    let truth = Truth {
        scenario: sc.name,
        generator: format!("lightsout synth {}", sc.name),
        clock: "UTC; start/end are when the cause happened at its source; BGP messages \
                follow within settle_s seconds; MRT timestamps are whole seconds",
        complete: true,
        lab_start: sc.start,
        lab_start_epoch: f64::from(w.start),
        target: entity(w, 0),
        entities: (0..sc.entities.len()).map(|e| entity(w, e)).collect(),
        collector: TruthCollector {
            name: sc.collector.name,
            asn: sc.collector.asn,
            addr_v4: sc.collector.addr_v4,
            addr_v6: sc.collector.addr_v6,
            peers: peers(w, sizes),
        },
        ases: ases(sc),
        events: sc.events.iter().map(|ev| event(w, ev)).collect::<Result<_, _>>()?,
        lab_end: sc.end,
        lab_end_epoch: f64::from(w.end),
        baseline_note: "all time outside events is baseline; background prefixes churn throughout",
    };
    let mut text = serde_json::to_string_pretty(&truth).map_err(|e| spec_error(sc, format!("truth.json: {e}")))?;
    text.push('\n');
    let raw = text.into_bytes();
    Ok(RawFile { rel: "truth.json".into(), kind: FileKind::Truth, raw, counts: Default::default() })
}
