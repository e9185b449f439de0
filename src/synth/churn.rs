//! Background churn, so that the archive looks alive between events.
//!
//! In: the [`World`] and the scenario's [`Churn`](super::scenario::Churn) rates. Out:
//! intents in every update file: background prefixes withdrawn at their origin and
//! announced again minutes later (every peer that carries them follows within seconds),
//! path changes of one peer towards one origin (all the origin's prefixes at once, half of
//! them reverted later), and transit changes that several full-feed peers see together.
//! Monitored entities are never touched here.

use super::rng::SplitMix64;
use super::sim::Action;
use super::timeline::Plan;
use super::world::{Owner, World};

/// A random background prefix and its origin.
fn random_background(w: &World, rng: &mut SplitMix64) -> (u32, u32) {
    loop {
        let p = rng.below(w.prefixes.len() as u64) as u32;
        if let Owner::Background(o) = w.prefixes[p as usize].owner {
            return (p, o);
        }
    }
}

/// Sessions (by index) that carry prefix `p`, full feeds only if `full_only`.
fn carrying(w: &World, p: u32, full_only: bool) -> Vec<usize> {
    let wanted = |x: &super::world::Session| x.carried[p as usize] && (x.full || !full_only);
    (0..w.sessions.len()).filter(|&s| wanted(&w.sessions[s])).collect()
}

pub fn churn(w: &World, plan: &mut Plan) {
    let mut rng = SplitMix64::fork(w.sc.seed, "churn");
    let c = &w.sc.churn;
    let slot = w.sc.update_every_s;
    let mut t0 = w.start;
    while t0 < w.end {
        for _ in 0..rng.range(0, 2 * c.prefix_flaps) {
            let (p, _) = random_background(w, &mut rng);
            let t = t0 + rng.range(0, slot - 1);
            let down = rng.range(60, 1800);
            for s in carrying(w, p, false) {
                plan.push(t + rng.range(0, 25), s, Action::BgWithdraw { p });
                plan.push(t + down + rng.range(0, 25), s, Action::BgAnnounce { p });
            }
        }
        for _ in 0..rng.range(0, 2 * c.path_changes) {
            let s = rng.below(w.sessions.len() as u64) as usize;
            let p = *rng.pick(&w.sessions[s].carries);
            let Owner::Background(origin) = w.prefixes[p as usize].owner else {
                continue;
            };
            let t = t0 + rng.range(0, slot - 1);
            let variant = rng.range(1, 4) as u8;
            plan.push(t, s, Action::Variant { origin, variant });
            if rng.chance(500) {
                let back = t + rng.range(120, 7200);
                plan.push(back, s, Action::Variant { origin, variant: 0 });
            }
        }
        for _ in 0..rng.range(0, 2 * c.transit_changes) {
            let (p, origin) = random_background(w, &mut rng);
            let t = t0 + rng.range(0, slot - 1);
            let variant = rng.range(1, 4) as u8;
            let back = t + rng.range(300, 3600);
            for s in carrying(w, p, true) {
                if rng.chance(500) {
                    plan.push(t + rng.range(0, 40), s, Action::Variant { origin, variant });
                    let again = back + rng.range(0, 40);
                    plan.push(again, s, Action::Variant { origin, variant: 0 });
                }
            }
        }
        t0 += slot;
    }
}
