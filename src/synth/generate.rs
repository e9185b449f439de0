//! From a scenario to the bytes of every MRT file, uncompressed.
//!
//! In: a [`Scenario`]. Out: [`Generated`]: the RIB dumps (TABLE_DUMP_V2, one every
//! `rib_every_s` from the start, each the collector's table just before its time) and one
//! update file per `update_every_s` slot (BGP4MP_MESSAGE_AS4 and BGP4MP_STATE_CHANGE_AS4,
//! messages of the slot in order), with record and row counts; and the [`World`] plus the
//! table sizes at the start, which `truth.json` and `case.toml` are written from.

use super::SynthError;
use super::bgp_update::{announce, rib_attributes, withdraw};
use super::mrt_bgp4mp::{Endpoint, bgp4mp_message, bgp4mp_state_change};
use super::mrt_table_dump_v2::{IndexedPeer, RibEntry, peer_index_table, rib_record};
use super::paths::Routes;
use super::scenario::Scenario;
use super::sim::{Emitted, Message, Sim};
use super::summary::FileKind;
use super::timeline;
use super::world::World;
use ipnet::IpNet;

/// What one file holds, counted while it is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub records: u64,
    pub announcements: u64,
    pub withdrawals: u64,
    pub state_changes: u64,
    pub rib_entries: u64,
}

/// One file before compression; `rel` is its path under the output folder.
#[derive(Debug)]
pub struct RawFile {
    pub rel: String,
    pub kind: FileKind,
    pub raw: Vec<u8>,
    pub counts: Counts,
}

/// IPv4 and IPv6 prefixes a session holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableSize {
    pub v4: u32,
    pub v6: u32,
}

#[derive(Debug)]
pub struct Generated {
    pub world: World,
    /// RIB dumps and update files, in time order within each kind.
    pub files: Vec<RawFile>,
    /// Table size of each session at the start.
    pub sizes: Vec<TableSize>,
}

/// `YYYYMMDD.HHMM` of a Unix time, as in archive file names.
pub fn stamp(ts: u32) -> String {
    chrono::DateTime::from_timestamp(i64::from(ts), 0).map(|t| t.format("%Y%m%d.%H%M").to_string()).unwrap_or_default()
}

pub fn generate(sc: &'static Scenario) -> Result<Generated, SynthError> {
    let world = World::build(sc)?;
    let mut routes = Routes::default();
    let (initial, since) = timeline::initial(&world, &mut routes);
    let intents = timeline::plan(&world, &mut routes)?;
    let mut sim = Sim::new(&world, initial, since);
    let sizes = world
        .sessions
        .iter()
        .enumerate()
        .map(|(s, x)| {
            let n = x.carries.iter().filter(|&&p| sim.advertised(s, p).is_some()).count() as u32;
            if x.ipv6 { TableSize { v4: 0, v6: n } } else { TableSize { v4: n, v6: 0 } }
        })
        .collect();
    let dir = format!("mrt/{}", sc.collector.name);
    let mut files = Vec::new();
    let mut next_rib = world.start;
    for i in &intents {
        while next_rib <= i.ts {
            files.push(rib_file(&world, &routes, &sim, next_rib, &dir));
            next_rib += sc.rib_every_s;
        }
        sim.apply(&world, &mut routes, i);
    }
    while next_rib < world.end {
        files.push(rib_file(&world, &routes, &sim, next_rib, &dir));
        next_rib += sc.rib_every_s;
    }
    let mut rest: &[Emitted] = &sim.out;
    let mut t0 = world.start;
    while t0 < world.end {
        let t1 = t0 + sc.update_every_s;
        let n = rest.partition_point(|m| m.ts < t1);
        let (raw, counts) = update_file(&world, &routes, &rest[..n]);
        files.push(RawFile { rel: format!("{dir}/updates.{}.bz2", stamp(t0)), kind: FileKind::Updates, raw, counts });
        rest = &rest[n..];
        t0 = t1;
    }
    Ok(Generated { world, files, sizes })
}

fn endpoints(w: &World, s: usize) -> (Endpoint, Endpoint) {
    let x = &w.sessions[s];
    (Endpoint { asn: x.asn, addr: x.addr }, Endpoint { asn: w.sc.collector.asn, addr: x.local })
}

/// The messages of one update file. Consecutive changes of one session in one second that
/// share a route (or are all withdrawals) go into one UPDATE, split only at 4096 bytes.
fn update_file(w: &World, routes: &Routes, msgs: &[Emitted]) -> (Vec<u8>, Counts) {
    let mut out = Vec::with_capacity(64 * msgs.len());
    let mut c = Counts::default();
    let mut i = 0;
    while i < msgs.len() {
        let m = msgs[i];
        let (peer, local) = endpoints(w, usize::from(m.session));
        match m.message {
            Message::State { old, new } => {
                bgp4mp_state_change(&mut out, m.ts, &peer, &local, old, new);
                c.records += 1;
                c.state_changes += 1;
                i += 1;
            }
            Message::Route { route, .. } => {
                let mut nets: Vec<IpNet> = Vec::new();
                while let Some(n) = msgs.get(i) {
                    match n.message {
                        Message::Route { p, route: r } if n.ts == m.ts && n.session == m.session && r == route => {
                            nets.push(w.prefixes[p as usize].net)
                        }
                        _ => break,
                    }
                    i += 1;
                }
                let bgp = match route {
                    Some(r) => {
                        c.announcements += nets.len() as u64;
                        announce(routes.get(r), &nets)
                    }
                    None => {
                        c.withdrawals += nets.len() as u64;
                        withdraw(&nets)
                    }
                };
                for b in &bgp {
                    bgp4mp_message(&mut out, m.ts, &peer, &local, b);
                    c.records += 1;
                }
            }
        }
    }
    (out, c)
}

/// A RIB dump of the collector's table at `ts` (RIS `bview`).
fn rib_file(w: &World, routes: &Routes, sim: &Sim, ts: u32, dir: &str) -> RawFile {
    let mut out = Vec::with_capacity(1 << 20);
    let mut c = Counts::default();
    let peers: Vec<IndexedPeer> = w.sessions.iter().map(|s| IndexedPeer { bgp_id: s.bgp_id, addr: s.addr, asn: s.asn }).collect();
    peer_index_table(&mut out, ts, w.collector_id, "", &peers);
    c.records += 1;
    let mut attrs: Vec<Option<Vec<u8>>> = vec![None; routes.len()];
    for (s, _) in w.sessions.iter().enumerate() {
        for p in 0..w.prefixes.len() as u32 {
            if let Some(r) = sim.advertised(s, p) {
                attrs[r as usize].get_or_insert_with(|| rib_attributes(routes.get(r)));
            }
        }
    }
    let mut seq = 0u32;
    let mut entries = Vec::with_capacity(w.sessions.len());
    for (p, info) in w.prefixes.iter().enumerate() {
        entries.clear();
        for s in 0..w.sessions.len() {
            if let Some(r) = sim.advertised(s, p as u32) {
                let attributes = attrs[r as usize].as_deref().expect("encoded above");
                entries.push(RibEntry { peer_index: s as u16, originated: sim.since[s][p], attributes });
            }
        }
        if !entries.is_empty() {
            rib_record(&mut out, ts, seq, &info.net, &entries);
            seq += 1;
            c.records += 1;
            c.rib_entries += entries.len() as u64;
        }
    }
    RawFile { rel: format!("{dir}/bview.{}.gz", stamp(ts)), kind: FileKind::Rib, raw: out, counts: c }
}
