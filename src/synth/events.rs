//! The scenario's events, as the messages a route collector would see.
//!
//! In: the [`World`] and the scenario's [`Event`]s. Out: intents per session: each peer
//! reacts a few seconds after the cause, with path exploration where BGP has it (a brief
//! withdrawal, or a stale longer path, before the new best path), every peer settled within
//! [`SETTLE_S`]; a session reset is a series of BGP4MP state changes followed by the peer
//! sending its table again. Events are checked here: times inside the scenario, entities
//! and sessions that exist, no two events of one entity overlapping.

use super::SynthError;
use super::mrt_bgp4mp::FsmState;
use super::paths::{self, Reach, Routes};
use super::rng::SplitMix64;
use super::scenario::{Event, EventKind};
use super::sim::Action;
use super::timeline::{Plan, SETTLE_S};
use super::world::{World, parse_time, spec_error};

/// One event being planned.
struct Cx<'a> {
    w: &'a World,
    start: u32,
    end: u32,
    rng: SplitMix64,
}

/// Plans every event of the scenario.
pub fn schedule(w: &World, routes: &mut Routes, plan: &mut Plan) -> Result<(), SynthError> {
    let mut windows: Vec<(usize, u32, u32)> = Vec::new();
    for ev in w.sc.events {
        let fail = |what: String| spec_error(w.sc, format!("event {}: {what}", ev.id));
        let (start, end) = (parse_time(w.sc, ev.start)?, parse_time(w.sc, ev.end)?);
        if start < w.start || end <= start || end + 2 * SETTLE_S > w.end {
            return Err(fail("times must lie inside the scenario, end after start".into()));
        }
        if let Some(e) = entity_of(ev) {
            if e >= w.sc.entities.len() {
                return Err(fail(format!("no entity {e}")));
            }
            let overlaps = |&(x, a, b): &(usize, u32, u32)| x == e && start < b + SETTLE_S && a < end + SETTLE_S;
            if windows.iter().any(overlaps) {
                return Err(fail("overlaps another event of the same entity".into()));
            }
            windows.push((e, start, end));
        }
        let mut cx = Cx { w, start, end, rng: SplitMix64::fork(w.sc.seed, ev.id) };
        match ev.kind {
            EventKind::UpstreamLinkDown { entity, upstream } => link_down(&mut cx, routes, plan, entity, upstream).map_err(fail)?,
            EventKind::FullOutage { entity } => outage(&mut cx, routes, plan, entity),
            EventKind::SessionReset { peer, ipv6 } => {
                let s = w.session(peer, ipv6).ok_or_else(|| fail(format!("no session {peer}")))?;
                if end - start < 90 {
                    return Err(fail("a session reset lasts 90 s or more".into()));
                }
                session_reset(plan, s, start, end);
            }
            EventKind::PrefixFlap { entity, prefix } => {
                let p = w.entity_prefixes[entity]
                    .iter()
                    .copied()
                    .find(|&p| w.prefixes[p as usize].net.to_string() == prefix)
                    .ok_or_else(|| fail(format!("{prefix} is not a prefix of the entity")))?;
                flap(&mut cx, routes, plan, entity, p);
            }
        }
    }
    Ok(())
}

fn entity_of(ev: &Event) -> Option<usize> {
    match ev.kind {
        EventKind::UpstreamLinkDown { entity, .. } | EventKind::FullOutage { entity } | EventKind::PrefixFlap { entity, .. } => {
            Some(entity)
        }
        EventKind::SessionReset { .. } => None,
    }
}

/// Sessions that carry any prefix of entity `e`, with those prefixes.
fn carriers(w: &World, e: usize) -> Vec<(usize, Vec<u32>)> {
    let held = |s: usize| -> Vec<u32> {
        let x = &w.sessions[s];
        w.entity_prefixes[e].iter().copied().filter(|&p| x.carried[p as usize]).collect()
    };
    (0..w.sessions.len()).map(|s| (s, held(s))).filter(|(_, ps)| !ps.is_empty()).collect()
}

/// The link between entity `e` and its upstream `u` fails from `start` to `end`.
fn link_down(cx: &mut Cx, routes: &mut Routes, plan: &mut Plan, e: usize, u: usize) -> Result<(), String> {
    let w = cx.w;
    let n = w.sc.entities[e].upstreams.len();
    if n < 2 || u >= n {
        return Err("needs an entity with two upstreams or more, and one of them".into());
    }
    let alt = (u + 1) % n;
    let affected: Vec<(usize, Vec<u32>)> =
        carriers(w, e).into_iter().filter(|(s, _)| paths::usual_upstream(w, &w.sessions[*s], e) == u).collect();
    // At most a third of the affected sessions of a family withdraw on the way, so that the
    // entity stays visible to most peers at every moment.
    let cap = |v6: bool| affected.iter().filter(|(s, _)| w.sessions[*s].ipv6 == v6).count() / 3;
    let mut withdrawn = [0usize; 2];
    for (s, ps) in &affected {
        let sess = &w.sessions[*s];
        let via_alt = paths::entity(w, routes, sess, e, Reach::Via(alt));
        let usual = paths::entity(w, routes, sess, e, Reach::Via(u));
        let fam = usize::from(sess.ipv6);
        let t1 = cx.start + cx.rng.range(1, 15);
        let t2 = t1 + cx.rng.range(4, 40);
        let how = cx.rng.below(4);
        let first = if how == 0 && withdrawn[fam] < cap(sess.ipv6) {
            withdrawn[fam] += 1;
            Some(None)
        } else if how == 1 {
            Some(Some(paths::entity(w, routes, sess, e, Reach::Stale(u))))
        } else {
            None
        };
        let back = cx.end + cx.rng.range(1, 40);
        for &p in ps {
            if let Some(route) = first {
                plan.push(t1, *s, Action::Set { p, route });
            }
            let t = if first.is_some() { t2 } else { t1 };
            plan.push(t, *s, Action::Set { p, route: Some(via_alt) });
            plan.push(back, *s, Action::Set { p, route: Some(usual) });
        }
    }
    Ok(())
}

/// Entity `e` withdraws everything from `start` to `end`.
fn outage(cx: &mut Cx, routes: &mut Routes, plan: &mut Plan, e: usize) {
    let w = cx.w;
    let n = w.sc.entities[e].upstreams.len();
    for (s, ps) in carriers(w, e) {
        let sess = &w.sessions[s];
        let u = paths::usual_upstream(w, sess, e);
        let usual = paths::entity(w, routes, sess, e, Reach::Via(u));
        // Some peers first move to a stale path through the other upstream (path hunting).
        let hunt = cx.rng.chance(300).then(|| paths::entity(w, routes, sess, e, Reach::Stale((u + 1) % n)));
        let t1 = cx.start + cx.rng.range(1, 10);
        let t_w = match hunt {
            Some(_) => t1 + cx.rng.range(5, 45),
            None => cx.start + cx.rng.range(1, 60),
        };
        let back = cx.end + cx.rng.range(2, 60);
        for &p in &ps {
            if let Some(r) = hunt {
                plan.push(t1, s, Action::Set { p, route: Some(r) });
            }
            plan.push(t_w, s, Action::Set { p, route: None });
            plan.push(back, s, Action::Set { p, route: Some(usual) });
        }
    }
}

/// Prefix `p` of entity `e` is withdrawn from `start` to `end`.
fn flap(cx: &mut Cx, routes: &mut Routes, plan: &mut Plan, e: usize, p: u32) {
    let w = cx.w;
    for (s, sess) in w.sessions.iter().enumerate().filter(|(_, x)| x.carried[p as usize]) {
        let u = paths::usual_upstream(w, sess, e);
        let back = paths::entity(w, routes, sess, e, Reach::Via(u));
        plan.push(cx.start + cx.rng.range(0, 20), s, Action::Set { p, route: None });
        plan.push(cx.end + cx.rng.range(0, 20), s, Action::Set { p, route: Some(back) });
    }
}

/// Session `s` drops at `start`, fails to reconnect once, is established again at `end` and
/// then receives its table in 20 slices, one every 2 seconds.
fn session_reset(plan: &mut Plan, s: usize, start: u32, end: u32) {
    use FsmState::*;
    let mid = start + (end - start) / 2;
    let steps = [
        (start, Established, Idle),
        (mid, Idle, Connect),
        (mid + 1, Connect, Active),
        (mid + 31, Active, Idle),
        (end - 3, Idle, Connect),
        (end - 2, Connect, OpenSent),
        (end - 1, OpenSent, OpenConfirm),
        (end, OpenConfirm, Established),
    ];
    for (t, old, new) in steps {
        plan.push(t, s, Action::State { old, new });
    }
    let parts = 20u16;
    for part in 0..parts {
        plan.push(end + 1 + 2 * u32::from(part), s, Action::Resend { part, parts });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::demo::DEMO;
    use crate::synth::scenario::Scenario;

    const fn ev(id: &'static str, start: &'static str, end: &'static str, kind: EventKind) -> Event {
        Event { id, start, end, kind, description: "", expected_reachability: "" }
    }

    static OVERLAPPING: Scenario = Scenario {
        events: &[
            ev("a", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", EventKind::FullOutage { entity: 0 }),
            ev("b", "2026-11-22T10:30:00Z", "2026-11-22T10:40:00Z", EventKind::FullOutage { entity: 0 }),
        ],
        ..DEMO
    };
    static UNKNOWN_PEER: Scenario = Scenario {
        events: &[ev("r", "2026-11-22T10:00:00Z", "2026-11-22T10:05:00Z", EventKind::SessionReset { peer: "P99", ipv6: false })],
        ..DEMO
    };
    static OUTSIDE: Scenario =
        Scenario { events: &[ev("o", "2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z", EventKind::FullOutage { entity: 0 })], ..DEMO };

    fn error(sc: &'static Scenario) -> String {
        let w = World::build(sc).unwrap();
        let mut plan = Plan::default();
        schedule(&w, &mut Routes::default(), &mut plan).unwrap_err().to_string()
    }

    #[test]
    fn bad_events_are_refused_with_their_id() {
        assert!(error(&OVERLAPPING).contains("event b: overlaps"));
        assert!(error(&UNKNOWN_PEER).contains("event r: no session P99"));
        assert!(error(&OUTSIDE).contains("event o: times must lie inside"));
    }
}
