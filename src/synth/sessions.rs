//! The collector's sessions: one per peer and address family, with the prefixes each carries.
//!
//! In: the scenario's peers and feeds, the prefixes and origins of the [`super::world`].
//! Out: [`Session`]s in peer order (IPv4 before IPv6), which is also their order in the RIB
//! dumps' PEER_INDEX_TABLE. A full feed carries every prefix of its family; a partial feed
//! is a customer cone: whole background origins picked at random until the wanted size is
//! reached, plus the monitored entities' prefixes when the scenario says so.

use super::SynthError;
use super::rng::SplitMix64;
use super::scenario::{Feed, Scenario};
use super::world::{Origin, Owner, PrefixInfo, Session, parse, spec_error};
use std::net::{IpAddr, Ipv4Addr};

/// One session per peer and family, with what it carries.
pub fn sessions(sc: &'static Scenario, prefixes: &[PrefixInfo], origins: &[Origin]) -> Result<Vec<Session>, SynthError> {
    let local_v4: IpAddr = parse(sc, sc.collector.addr_v4, "collector address")?;
    let local_v6: IpAddr = parse(sc, sc.collector.addr_v6, "collector address")?;
    let mut out = Vec::new();
    for (i, peer) in sc.peers.iter().enumerate() {
        let bgp_id =
            if peer.addr_v4.is_empty() { Ipv4Addr::new(198, 51, 100, 1 + i as u8) } else { parse(sc, peer.addr_v4, "peer address")? };
        for (ipv6, feed, addr) in [(false, peer.v4, peer.addr_v4), (true, peer.v6, peer.addr_v6)] {
            if feed == Feed::None {
                continue;
            }
            let addr: IpAddr = parse(sc, addr, "peer address")?;
            if addr.is_ipv6() != ipv6 {
                return Err(spec_error(sc, format!("peer {}: address {addr} is of the wrong family", peer.node)));
            }
            let family = |id: &u32| prefixes[*id as usize].net.addr().is_ipv6() == ipv6;
            let mut carried = vec![false; prefixes.len()];
            let (full, entities) = match feed {
                Feed::Full => {
                    for (id, p) in prefixes.iter().enumerate() {
                        carried[id] = p.net.addr().is_ipv6() == ipv6;
                    }
                    (true, true)
                }
                Feed::Partial { prefixes: want, entities } => {
                    // A customer cone: whole origins, picked at random, until the size is met.
                    let mut rng = SplitMix64::fork(sc.seed ^ i as u64, if ipv6 { "cone6" } else { "cone4" });
                    let mut have = 0u32;
                    let mut tries = 0;
                    while have < want && tries < 100 * origins.len() {
                        tries += 1;
                        let o = rng.pick(origins);
                        for id in o.prefixes.iter().filter(|id| family(id)) {
                            if have < want && !carried[*id as usize] {
                                carried[*id as usize] = true;
                                have += 1;
                            }
                        }
                    }
                    for (id, p) in prefixes.iter().enumerate() {
                        if matches!(p.owner, Owner::Entity(_)) {
                            carried[id] = entities && family(&(id as u32));
                        }
                    }
                    (false, entities)
                }
                Feed::None => unreachable!(),
            };
            if !entities {
                for (id, p) in prefixes.iter().enumerate() {
                    if matches!(p.owner, Owner::Entity(_)) {
                        carried[id] = false;
                    }
                }
            }
            let carries = (0..prefixes.len() as u32).filter(|&id| carried[id as usize]).collect();
            let local = if ipv6 { local_v6 } else { local_v4 };
            out.push(Session { peer: i, node: peer.node, asn: peer.asn, addr, local, bgp_id, ipv6, full, carries, carried });
        }
    }
    if out.len() > usize::from(u16::MAX) {
        return Err(spec_error(sc, "too many sessions"));
    }
    Ok(out)
}
