//! The timeline: the table at the start, then every intent with its time.
//!
//! In: the [`World`]. Out: the initial table of each session (with the time each route was
//! received) and all [`Intent`]s sorted by time: background churn from [`super::churn`] and
//! the scenario's events from [`super::events`], cut to the scenario's time range.

use super::SynthError;
use super::paths::{self, Reach, Routes};
use super::rng::mix;
use super::sim::{Action, Intent};
use super::world::{Owner, World};

/// Seconds within which every peer has reacted to an event (the truth tests wait this long).
pub const SETTLE_S: u32 = 120;

/// Intents as they are planned, in no particular time order.
#[derive(Debug, Default)]
pub struct Plan {
    intents: Vec<Intent>,
}

impl Plan {
    /// Plans `action` on `session` at `ts`; intents of the same second keep planning order.
    pub fn push(&mut self, ts: u32, session: usize, action: Action) {
        let seq = self.intents.len() as u32;
        let session = session as u16;
        self.intents.push(Intent { ts, seq, session, action });
    }
}

/// The table every session holds at the start, and when each route was received (within
/// the 30 days before the start).
pub fn initial(w: &World, routes: &mut Routes) -> (Vec<Vec<Option<u32>>>, Vec<Vec<u32>>) {
    let mut tables = Vec::with_capacity(w.sessions.len());
    let mut since = Vec::with_capacity(w.sessions.len());
    for (i, s) in w.sessions.iter().enumerate() {
        let mut t = vec![None; w.prefixes.len()];
        let mut a = vec![0; w.prefixes.len()];
        for &p in &s.carries {
            t[p as usize] = Some(match w.prefixes[p as usize].owner {
                Owner::Background(o) => paths::background(w, routes, s, o, 0),
                Owner::Entity(e) => paths::entity(w, routes, s, e, Reach::Via(paths::usual_upstream(w, s, e))),
            });
            let age = mix(&[w.sc.seed, i as u64, u64::from(p)]) % (30 * 86400);
            a[p as usize] = w.start - 60 - age as u32;
        }
        tables.push(t);
        since.push(a);
    }
    (tables, since)
}

/// All intents of the scenario, sorted by time.
pub fn plan(w: &World, routes: &mut Routes) -> Result<Vec<Intent>, SynthError> {
    let mut plan = Plan::default();
    super::churn::churn(w, &mut plan);
    super::events::schedule(w, routes, &mut plan)?;
    let mut intents = plan.intents;
    intents.retain(|i| i.ts >= w.start && i.ts < w.end);
    intents.sort_by_key(|i| (i.ts, i.seq));
    Ok(intents)
}
