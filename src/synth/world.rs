//! The scenario made concrete: every prefix, origin AS and collector session.
//!
//! In: a [`Scenario`]. Out: a [`World`] with the prefixes (sorted as a RIB dump lists them:
//! IPv4 then IPv6, by address then length, so a prefix's id is its place in the dump), the
//! background origin ASes with their upstreams, the monitored entities, and one [`Session`]
//! per peer and address family with the prefixes it carries ([`super::sessions`]). Nothing
//! here depends on time; AS paths are in [`super::paths`], the timeline in
//! [`super::timeline`].

use super::SynthError;
use super::rng::{SplitMix64, mix};
use super::scenario::Scenario;
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// Who originates a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A background origin (index into [`World::origins`]).
    Background(u32),
    /// A monitored entity (index into the scenario's entities).
    Entity(usize),
}

#[derive(Debug, Clone)]
pub struct PrefixInfo {
    pub net: IpNet,
    pub owner: Owner,
}

/// A background origin AS.
#[derive(Debug, Clone)]
pub struct Origin {
    pub asn: u32,
    /// Its regional upstreams (one to three).
    pub upstreams: Vec<u32>,
    /// Times it prepends its AS towards its second upstream.
    pub prepend: u8,
    /// ORIGIN attribute it sets.
    pub attr: u8,
    /// Its prefixes (ids), both families.
    pub prefixes: Vec<u32>,
}

/// One BGP session of the collector.
#[derive(Debug, Clone)]
pub struct Session {
    /// Index of the peer in the scenario.
    pub peer: usize,
    pub node: &'static str,
    pub asn: u32,
    pub addr: IpAddr,
    /// The collector's address on this session.
    pub local: IpAddr,
    pub bgp_id: Ipv4Addr,
    pub ipv6: bool,
    pub full: bool,
    /// Prefix ids this session carries, ascending.
    pub carries: Vec<u32>,
    /// `carried[p]`: whether prefix `p` is in `carries`.
    pub carried: Vec<bool>,
}

/// Everything fixed about a scenario.
#[derive(Debug)]
pub struct World {
    pub sc: &'static Scenario,
    pub start: u32,
    pub end: u32,
    pub collector_id: Ipv4Addr,
    pub prefixes: Vec<PrefixInfo>,
    pub origins: Vec<Origin>,
    /// Prefix ids of each entity.
    pub entity_prefixes: Vec<Vec<u32>>,
    pub sessions: Vec<Session>,
}

pub fn spec_error(sc: &Scenario, what: impl Into<String>) -> SynthError {
    SynthError::Spec { scenario: sc.name.to_string(), what: what.into() }
}

/// Parses an RFC 3339 time into Unix seconds.
pub fn parse_time(sc: &Scenario, s: &str) -> Result<u32, SynthError> {
    let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|e| spec_error(sc, format!("time {s:?}: {e}")))?;
    u32::try_from(t.timestamp()).map_err(|_| spec_error(sc, format!("time {s:?} out of range")))
}

pub(super) fn parse<T: std::str::FromStr>(sc: &Scenario, s: &str, what: &str) -> Result<T, SynthError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| spec_error(sc, format!("{what} {s:?}: {e}")))
}

/// Sort key of a prefix in a RIB dump.
fn key(net: &IpNet) -> (bool, u128, u8) {
    match net {
        IpNet::V4(n) => (false, u128::from(u32::from(n.network())), n.prefix_len()),
        IpNet::V6(n) => (true, u128::from(n.network()), n.prefix_len()),
    }
}

/// Prefix lengths of the background table with their weights (per mille), roughly the
/// shape of today's global tables.
const V4_LENGTHS: [(u8, u32); 9] = [(24, 560), (23, 100), (22, 120), (21, 60), (20, 70), (19, 30), (18, 20), (17, 10), (16, 30)];
const V6_LENGTHS: [(u8, u32); 5] = [(48, 550), (44, 120), (40, 100), (36, 50), (32, 180)];

fn draw_len(rng: &mut SplitMix64, table: &[(u8, u32)]) -> u8 {
    let mut x = rng.below(1000) as u32;
    for &(len, w) in table {
        if x < w {
            return len;
        }
        x -= w;
    }
    table[0].0
}

/// A random prefix of length about `len` inside one of `space` (never shorter than the block).
fn draw_prefix(rng: &mut SplitMix64, space: &[IpNet], len: u8) -> IpNet {
    let block = *rng.pick(space);
    let len = len.max(block.prefix_len());
    let free = len - block.prefix_len();
    let n = rng.next_u64() & ((1u64 << free.min(63)) - 1);
    match block {
        IpNet::V4(b) => {
            let base = u32::from(b.network()) | ((n as u32) << (32 - len));
            IpNet::V4(ipnet::Ipv4Net::new(base.into(), len).expect("length checked"))
        }
        IpNet::V6(b) => {
            let base = u128::from(b.network()) | (u128::from(n) << (128 - len));
            IpNet::V6(ipnet::Ipv6Net::new(base.into(), len).expect("length checked"))
        }
    }
}

/// Skewed origin choice: a few origins hold many prefixes, most hold one or two.
fn skewed(rng: &mut SplitMix64, n: u32) -> u32 {
    let a = rng.below(u64::from(n)) + 1;
    let b = rng.below(a) + 1;
    rng.below(b) as u32
}

impl World {
    pub fn build(sc: &'static Scenario) -> Result<World, SynthError> {
        let start = parse_time(sc, sc.start)?;
        let end = parse_time(sc, sc.end)?;
        if end <= start || (end - start) % sc.update_every_s != 0 {
            return Err(spec_error(sc, "end must be after start by a whole number of update files"));
        }
        let collector_id: Ipv4Addr = parse(sc, sc.collector.addr_v4, "collector address")?;
        let bg = &sc.background;
        let n_origins = bg.origins.max(1);
        let mut rng = SplitMix64::fork(sc.seed, "prefixes");
        // Background prefixes, keyed for sorting; the first draw of a network wins.
        let mut nets: BTreeMap<(bool, u128, u8), (IpNet, Owner)> = BTreeMap::new();
        for (count, space, lengths) in [(bg.v4_prefixes, bg.v4_space, &V4_LENGTHS[..]), (bg.v6_prefixes, bg.v6_space, &V6_LENGTHS[..])] {
            let space: Vec<IpNet> = space.iter().map(|s| parse(sc, s, "background space")).collect::<Result<_, _>>()?;
            if count > 0 && space.is_empty() {
                return Err(spec_error(sc, "background prefixes need a space to come from"));
            }
            let mut made = 0u32;
            while made < count {
                let len = draw_len(&mut rng, lengths);
                let net = draw_prefix(&mut rng, &space, len);
                if nets.contains_key(&key(&net)) {
                    continue;
                }
                // Every origin gets one prefix before any gets a second (IPv4), then skewed.
                let origin = if !net.addr().is_ipv6() && made < n_origins { made } else { skewed(&mut rng, n_origins) };
                nets.insert(key(&net), (net, Owner::Background(origin)));
                made += 1;
            }
        }
        for (e, ent) in sc.entities.iter().enumerate() {
            if ent.upstreams.is_empty() {
                return Err(spec_error(sc, format!("entity {} has no upstream", ent.name)));
            }
            for p in ent.prefixes {
                let net: IpNet = parse(sc, p, "entity prefix")?;
                if net != net.trunc() || nets.insert(key(&net), (net, Owner::Entity(e))).is_some() {
                    return Err(spec_error(sc, format!("entity prefix {p} is not a network or is taken twice")));
                }
            }
        }
        let prefixes: Vec<PrefixInfo> = nets.into_values().map(|(net, owner)| PrefixInfo { net, owner }).collect();
        let mut origins: Vec<Origin> = (0..n_origins)
            .map(|i| {
                let h = mix(&[sc.seed, 0x0419, u64::from(i)]);
                let asn = if i < bg.origins_16bit { bg.origin_asn_16 + i } else { bg.origin_asn_32 + (i - bg.origins_16bit) };
                let regional = sc.transit.regional;
                let k = 1 + (h % 3) as usize;
                let mut upstreams: Vec<u32> = Vec::new();
                for j in 0..k {
                    let u = regional[(mix(&[h, j as u64]) % regional.len() as u64) as usize];
                    if !upstreams.contains(&u) {
                        upstreams.push(u);
                    }
                }
                let prepend = if (h >> 20) % 100 < 8 { 1 + ((h >> 28) % 3) as u8 } else { 0 };
                let attr = if (h >> 36) % 100 < 15 { super::bgp_update::ORIGIN_INCOMPLETE } else { super::bgp_update::ORIGIN_IGP };
                Origin { asn, upstreams, prepend, attr, prefixes: Vec::new() }
            })
            .collect();
        let mut entity_prefixes = vec![Vec::new(); sc.entities.len()];
        for (id, p) in prefixes.iter().enumerate() {
            match p.owner {
                Owner::Background(o) => origins[o as usize].prefixes.push(id as u32),
                Owner::Entity(e) => entity_prefixes[e].push(id as u32),
            }
        }
        let sessions = super::sessions::sessions(sc, &prefixes, &origins)?;
        Ok(World { sc, start, end, collector_id, prefixes, origins, entity_prefixes, sessions })
    }

    /// The session of peer `node` on one family.
    pub fn session(&self, node: &str, ipv6: bool) -> Option<usize> {
        self.sessions.iter().position(|s| s.node == node && s.ipv6 == ipv6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::demo::DEMO;
    use crate::synth::scenario::Feed;

    #[test]
    fn demo_world_is_sorted_unique_and_sized_as_declared() {
        let w = World::build(&DEMO).unwrap();
        assert!(w.prefixes.windows(2).all(|p| key(&p[0].net) < key(&p[1].net)));
        let bg = |v6: bool| {
            let is_bg = |p: &&PrefixInfo| matches!(p.owner, Owner::Background(_));
            w.prefixes.iter().filter(is_bg).filter(|p| p.net.addr().is_ipv6() == v6).count()
        };
        assert_eq!((bg(false), bg(true)), (3000, 600));
        let entity: usize = DEMO.entities.iter().map(|e| e.prefixes.len()).sum();
        assert_eq!(w.entity_prefixes.iter().map(Vec::len).sum::<usize>(), entity);
        assert_eq!(w.sessions.len(), 19);
        for s in &w.sessions {
            let peer = &DEMO.peers[s.peer];
            let feed = if s.ipv6 { peer.v6 } else { peer.v4 };
            let fam = |p: &u32| w.prefixes[*p as usize].net.addr().is_ipv6() == s.ipv6;
            assert!(s.carries.iter().all(fam), "{} carries the other family", s.node);
            let own = |p: &&u32| matches!(w.prefixes[**p as usize].owner, Owner::Entity(_));
            let (ents, n) = (s.carries.iter().filter(own).count(), s.carries.len());
            match feed {
                Feed::Full => assert_eq!(n - ents, if s.ipv6 { 600 } else { 3000 }),
                Feed::Partial { prefixes, entities } => {
                    assert_eq!(n - ents, prefixes as usize, "{}", s.node);
                    assert_eq!(ents > 0, entities, "{}", s.node);
                }
                Feed::None => unreachable!("no session without a feed"),
            }
        }
    }
}
