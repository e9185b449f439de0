//! The collector's view, replayed intent by intent: what each peer would advertise, what it
//! has advertised, and whether its session is up.
//!
//! In: [`Intent`]s in time order (from [`super::timeline`]). Out: [`Emitted`] messages (a
//! route or withdrawal of one prefix by one session, or a session state change), and at any
//! moment the advertised table, which is what a RIB dump holds.
//!
//! Each session keeps two tables: `desired` (what the peer would send were the session up)
//! and `adv` (what the collector has received). An intent changes `desired`; whenever the
//! two differ on an established session the difference is sent. A session that drops loses
//! `adv` without any message (the implicit withdrawal of RFC 4271); once it is back, `Resend`
//! intents send the table again in slices, as a peer does after OPEN.

use super::mrt_bgp4mp::FsmState;
use super::paths::{self, Routes};
use super::world::{Owner, World};

/// What an intent does to one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The peer would now advertise `route` (`None`: nothing) for prefix `p`.
    Set { p: u32, route: Option<u32> },
    /// The peer's path towards a background origin changes to another variant; prefixes of
    /// that origin that are withdrawn stay withdrawn.
    Variant { origin: u32, variant: u8 },
    /// A background prefix is withdrawn at its origin.
    BgWithdraw { p: u32 },
    /// A background prefix is announced again, with the peer's current path to its origin.
    BgAnnounce { p: u32 },
    /// The session changes state (logged); leaving Established drops the received table,
    /// reaching Established lets updates flow again.
    State { old: FsmState, new: FsmState },
    /// Slice `part` of `parts` of the table is sent again (after the session came back).
    Resend { part: u16, parts: u16 },
}

/// An action on one session at one time.
#[derive(Debug, Clone, Copy)]
pub struct Intent {
    pub ts: u32,
    /// Order among intents of the same second.
    pub seq: u32,
    pub session: u16,
    pub action: Action,
}

/// What the collector received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// `Some(route)`: announcement; `None`: withdrawal.
    Route {
        p: u32,
        route: Option<u32>,
    },
    State {
        old: FsmState,
        new: FsmState,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Emitted {
    pub ts: u32,
    pub session: u16,
    pub message: Message,
}

/// Per-session state.
pub struct Sim {
    desired: Vec<Vec<Option<u32>>>,
    adv: Vec<Vec<Option<u32>>>,
    /// When each advertised route was received (a RIB entry's originated time).
    pub since: Vec<Vec<u32>>,
    variant: Vec<Vec<u8>>,
    up: Vec<bool>,
    pub out: Vec<Emitted>,
}

impl Sim {
    /// Every session established, holding `initial[s][p]`, received at `since[s][p]`.
    pub fn new(w: &World, initial: Vec<Vec<Option<u32>>>, since: Vec<Vec<u32>>) -> Sim {
        let n = w.sessions.len();
        Sim {
            adv: initial.clone(),
            desired: initial,
            since,
            variant: vec![vec![0; w.origins.len()]; n],
            up: vec![true; n],
            out: Vec::new(),
        }
    }

    /// What session `s` has advertised for prefix `p`.
    pub fn advertised(&self, s: usize, p: u32) -> Option<u32> {
        self.adv[s][p as usize]
    }

    fn sync(&mut self, ts: u32, s: usize, p: u32) {
        let want = self.desired[s][p as usize];
        if self.up[s] && want != self.adv[s][p as usize] {
            self.adv[s][p as usize] = want;
            self.since[s][p as usize] = ts;
            self.out.push(Emitted { ts, session: s as u16, message: Message::Route { p, route: want } });
        }
    }

    pub fn apply(&mut self, w: &World, routes: &mut Routes, i: &Intent) {
        let s = usize::from(i.session);
        let sess = &w.sessions[s];
        match i.action {
            Action::Set { p, route } => {
                if sess.carried[p as usize] {
                    self.desired[s][p as usize] = route;
                    self.sync(i.ts, s, p);
                }
            }
            Action::Variant { origin, variant } => {
                self.variant[s][origin as usize] = variant;
                let mut route = None;
                for &p in &w.origins[origin as usize].prefixes {
                    if sess.carried[p as usize] && self.desired[s][p as usize].is_some() {
                        let r = *route.get_or_insert_with(|| paths::background(w, routes, sess, origin, variant));
                        self.desired[s][p as usize] = Some(r);
                        self.sync(i.ts, s, p);
                    }
                }
            }
            Action::BgWithdraw { p } => {
                if sess.carried[p as usize] {
                    self.desired[s][p as usize] = None;
                    self.sync(i.ts, s, p);
                }
            }
            Action::BgAnnounce { p } => {
                if let (true, Owner::Background(o)) = (sess.carried[p as usize], w.prefixes[p as usize].owner) {
                    let r = paths::background(w, routes, sess, o, self.variant[s][o as usize]);
                    self.desired[s][p as usize] = Some(r);
                    self.sync(i.ts, s, p);
                }
            }
            Action::State { old, new } => {
                self.out.push(Emitted { ts: i.ts, session: i.session, message: Message::State { old, new } });
                if old == FsmState::Established && new != FsmState::Established {
                    self.up[s] = false;
                    self.adv[s].iter_mut().for_each(|r| *r = None);
                }
                if new == FsmState::Established {
                    self.up[s] = true;
                }
            }
            Action::Resend { part, parts } => {
                let n = sess.carries.len();
                let (a, b) = (n * usize::from(part) / usize::from(parts), n * (usize::from(part) + 1) / usize::from(parts));
                // Grouped by route, so that prefixes sharing attributes share an UPDATE.
                let mut todo: Vec<(Option<u32>, u32)> = sess.carries[a..b]
                    .iter()
                    .filter(|&&p| self.desired[s][p as usize] != self.adv[s][p as usize])
                    .map(|&p| (self.desired[s][p as usize], p))
                    .collect();
                todo.sort_unstable();
                for (_, p) in todo {
                    self.sync(i.ts, s, p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::demo::DEMO;
    use crate::synth::timeline;

    #[test]
    fn a_dropped_session_loses_its_table_silently_and_gets_it_back() {
        let w = World::build(&DEMO).unwrap();
        let mut routes = Routes::default();
        let (initial, since) = timeline::initial(&w, &mut routes);
        let mut sim = Sim::new(&w, initial, since);
        let s = 0usize;
        let table = |sim: &Sim| w.sessions[s].carries.iter().map(|&p| sim.advertised(s, p)).collect::<Vec<_>>();
        let before = table(&sim);
        assert!(before.iter().all(Option::is_some));
        let at = |ts, action| Intent { ts, seq: 0, session: s as u16, action };
        use FsmState::*;
        sim.apply(&w, &mut routes, &at(100, Action::State { old: Established, new: Idle }));
        assert!(table(&sim).iter().all(Option::is_none));
        // Changes while down are remembered, not sent.
        let p = w.sessions[s].carries[0];
        sim.apply(&w, &mut routes, &at(101, Action::BgWithdraw { p }));
        assert_eq!(sim.out.len(), 1);
        sim.apply(&w, &mut routes, &at(200, Action::State { old: OpenConfirm, new: Established }));
        for part in 0..3 {
            sim.apply(&w, &mut routes, &at(201, Action::Resend { part, parts: 3 }));
        }
        let after = table(&sim);
        assert_eq!(after[0], None);
        assert_eq!(after[1..], before[1..]);
        let sent = sim.out.iter().filter(|e| matches!(e.message, Message::Route { route: Some(_), .. })).count();
        assert_eq!(sent, before.len() - 1);
    }
}
