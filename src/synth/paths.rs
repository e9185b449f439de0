//! AS paths and the other attributes a peer announces, and the table of distinct routes.
//!
//! In: the [`World`], a session, and what is being reached (a background origin with a path
//! variant, or an entity through one of its upstreams). Out: route ids into [`Routes`], an
//! interning table, so that the simulation compares routes by id and the update writer
//! packs prefixes that share a route into one UPDATE, as real routers do.
//!
//! Paths are a stateless function of their keys (via [`mix`]): the same session, origin and
//! variant always give the same path, whatever order the timeline asks in.

use super::bgp_update::{ORIGIN_IGP, Route};
use super::rng::mix;
use super::world::{Session, World};
use std::collections::BTreeMap;

/// Every distinct route of a scenario, by id.
#[derive(Debug, Default)]
pub struct Routes {
    list: Vec<Route>,
    index: BTreeMap<Route, u32>,
}

impl Routes {
    pub fn intern(&mut self, r: Route) -> u32 {
        if let Some(&id) = self.index.get(&r) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(r.clone());
        self.index.insert(r, id);
        id
    }

    pub fn get(&self, id: u32) -> &Route {
        &self.list[id as usize]
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
}

/// How a session reaches an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Its usual path through upstream `u`.
    Via(usize),
    /// A longer, stale path through upstream `u`, seen briefly while BGP explores paths.
    Stale(usize),
}

fn communities(s: &Session, tag: u32, region: u32) -> Vec<u32> {
    // Only 16-bit peers can tag with classic communities; 32-bit peers send none.
    if s.asn > 0xFFFF {
        return Vec::new();
    }
    vec![(s.asn << 16) | (1000 + tag), (s.asn << 16) | (2000 + region)]
}

fn route(w: &World, s: &Session, path: Vec<u32>, attr: u8, h: u64, tag: u32) -> Route {
    let peer = &w.sc.peers[s.peer];
    let region = (h >> 40) as u32 % 8;
    Route {
        origin: attr,
        path,
        next_hop: s.addr,
        med: peer.sends_med.then_some((h >> 8) as u32 % 200),
        communities: communities(s, tag, region),
    }
}

/// The route of session `s` to background origin `o`, path variant `v` (0 = its usual one).
pub fn background(w: &World, routes: &mut Routes, s: &Session, o: u32, v: u8) -> u32 {
    let origin = &w.origins[o as usize];
    let t = &w.sc.transit;
    let h = mix(&[w.sc.seed, u64::from(s.asn), u64::from(o), u64::from(v)]);
    let ups = &origin.upstreams;
    let ui = (h % ups.len() as u64) as usize;
    let up = ups[ui];
    let mut path = vec![s.asn];
    if s.full {
        let shape = (h >> 12) % 100;
        if shape >= 12 {
            path.push(t.tier1[((h >> 16) % t.tier1.len() as u64) as usize]);
        }
        if shape >= 90 {
            let second = t.tier1[((h >> 24) % t.tier1.len() as u64) as usize];
            if !path.contains(&second) {
                path.push(second);
            }
        }
        if (h >> 32) % 100 < 15 {
            let r = t.regional[((h >> 48) % t.regional.len() as u64) as usize];
            if r != up {
                path.push(r);
            }
        }
        path.push(up);
    } else if (h >> 12) % 100 >= 40 {
        // A partial feed is a customer cone: short paths, often a direct customer.
        path.push(up);
    }
    path.push(origin.asn);
    if ui == 1 {
        path.extend(std::iter::repeat_n(origin.asn, usize::from(origin.prepend)));
    }
    routes.intern(route(w, s, path, origin.attr, h, u32::from(v)))
}

/// The index of the upstream session `s` normally uses towards entity `e`.
pub fn usual_upstream(w: &World, s: &Session, e: usize) -> usize {
    w.sc.peers[s.peer].via % w.sc.entities[e].upstreams.len()
}

/// The route of session `s` to entity `e`.
pub fn entity(w: &World, routes: &mut Routes, s: &Session, e: usize, reach: Reach) -> u32 {
    let ent = &w.sc.entities[e];
    let t = &w.sc.transit;
    let (u, stale) = match reach {
        Reach::Via(u) => (u, false),
        Reach::Stale(u) => (u, true),
    };
    let up = ent.upstreams[u % ent.upstreams.len()];
    let h = mix(&[w.sc.seed, 0xE17, u64::from(s.asn), e as u64, u as u64, u64::from(stale)]);
    let mut path = vec![s.asn];
    if s.full || stale {
        path.push(t.tier1[(h % t.tier1.len() as u64) as usize]);
        if stale || (h >> 20) % 100 < 30 {
            let r = t.regional[((h >> 8) % t.regional.len() as u64) as usize];
            path.push(r);
        }
    }
    path.push(up.asn);
    path.extend(std::iter::repeat_n(ent.asn, 1 + usize::from(up.prepend)));
    routes.intern(route(w, s, path, ORIGIN_IGP, h, 900 + u as u32))
}
