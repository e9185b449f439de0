//! The `demo` scenario: two days at one collector, a dual-homed target with a partial
//! (one-upstream) event, a full outage and a prefix flap, plus a session reset that is not
//! an outage.
//!
//! In: nothing. Out: a [`Scenario`] constant. Address space and AS numbers are reserved for
//! documentation, benchmarking or private use (10/8, 100.64/10, 172.16/12, 198.18/15,
//! 203.0.113/24, 2001:db8::/32, 3fff::/20; AS 64496-64511 and 64512-65534, 4200000000+), so
//! the files can never be mistaken for real routing data.
//!
//! Layout of the timeline (UTC): the first 24 h are clean history for the moving median;
//! the session reset (day 1, evening) must not be detected; the partial event, the full
//! outage and the flap fall on day 2, at times off the 5-minute grid.

use super::scenario::*;

const fn up(node: &'static str, asn: u32, prepend: u8) -> Upstream {
    Upstream { node, asn, prepend }
}

/// The target's upstreams: U1 is primary, towards U2 the target prepends twice (backup).
const U1: Upstream = up("U1", 65101, 0);
const U2: Upstream = up("U2", 65102, 2);
/// The neighbour's upstreams: U2 without prepending, U3 with one.
const U2_PRIMARY: Upstream = up("U2", 65102, 0);
const U3: Upstream = up("U3", 65103, 1);

const fn peer(
    node: &'static str,
    asn: u32,
    (addr_v4, addr_v6): (&'static str, &'static str),
    (v4, v6): (Feed, Feed),
    via: usize,
    sends_med: bool,
) -> Peer {
    Peer { node, asn, addr_v4, addr_v6, v4, v6, via, sends_med }
}

const NONE: Feed = Feed::None;
const FULL: Feed = Feed::Full;
const fn cone(prefixes: u32, entities: bool) -> Feed {
    Feed::Partial { prefixes, entities }
}

/// Twelve peers on the collector's exchange LAN: eight full feeds (five dual-stack, two
/// IPv4-only, one IPv6-only; most reach the target through U1, P03/P06/P08 through U2) and
/// four partial feeds (customer cones), two of which carry the monitored entities.
#[rustfmt::skip]
const PEERS: &[Peer] = &[
    peer("P01", 64601, ("203.0.113.11", "2001:db8:ffff::11"), (FULL, FULL), 0, false),
    peer("P02", 64602, ("203.0.113.12", "2001:db8:ffff::12"), (FULL, FULL), 0, false),
    peer("P03", 64603, ("203.0.113.13", "2001:db8:ffff::13"), (FULL, FULL), 1, true),
    peer("P04", 4_200_000_604, ("203.0.113.14", "2001:db8:ffff::14"), (FULL, FULL), 0, false),
    peer("P05", 64605, ("203.0.113.15", "2001:db8:ffff::15"), (FULL, FULL), 0, false),
    peer("P06", 64606, ("203.0.113.16", ""), (FULL, NONE), 1, true),
    peer("P07", 4_200_000_607, ("203.0.113.17", ""), (FULL, NONE), 0, false),
    peer("P08", 64608, ("", "2001:db8:ffff::18"), (NONE, FULL), 1, false),
    peer("P09", 64609, ("203.0.113.19", "2001:db8:ffff::19"), (cone(300, true), cone(60, true)), 0, false),
    peer("P10", 64610, ("203.0.113.20", ""), (cone(200, false), NONE), 0, false),
    peer("P11", 4_200_000_611, ("203.0.113.21", ""), (cone(150, true), NONE), 1, true),
    peer("P12", 64612, ("203.0.113.22", "2001:db8:ffff::22"), (cone(400, false), cone(40, false)), 0, false),
];

/// Regional transit ASes (upstreams of the background origins).
#[rustfmt::skip]
const REGIONAL: &[u32] = &[
    65020, 65021, 65022, 65023, 65024, 65025, 65026, 65027, 65028, 65029,
    65030, 65031, 65032, 65033, 65034, 65035, 65036, 65037, 65038, 65039,
    65040, 65041, 65042, 65043, 65044, 65045, 65046, 65047, 65048, 65049,
    65050, 65051, 65052, 65053, 65054, 65055, 65056, 65057, 65058, 65059,
];

/// The demo scenario.
pub const DEMO: Scenario = Scenario {
    name: "demo",
    seed: 0x6c69_6768_7473_6f75, // "lightsou"
    start: "2026-11-21T00:00:00Z",
    end: "2026-11-23T00:00:00Z",
    update_every_s: 300,
    rib_every_s: 8 * 3600,
    collector: Collector { name: "rrc-synth", asn: 65500, addr_v4: "203.0.113.254", addr_v6: "2001:db8:ffff::fe" },
    peers: PEERS,
    background: Background {
        v4_prefixes: 3000,
        v6_prefixes: 600,
        v4_space: &["10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12"],
        v6_space: &["3fff::/20"],
        origins: 1100,
        origins_16bit: 250,
        origin_asn_16: 64700,
        origin_asn_32: 4_200_100_000,
    },
    churn: Churn { prefix_flaps: 2, path_changes: 8, transit_changes: 1 },
    transit: Transit { tier1: &[65001, 65002, 65003, 65004, 65005, 65006, 65007, 65008], regional: REGIONAL },
    entities: &[
        Entity {
            name: "Target AS64500",
            asn: 64500,
            prefixes: &["198.18.128.0/22", "198.18.132.0/23", "198.18.134.0/24", "198.18.135.0/24", "2001:db8:4500::/48"],
            upstreams: &[U1, U2],
        },
        Entity {
            name: "Neighbour AS64511",
            asn: 64511,
            prefixes: &["198.19.64.0/22", "198.19.68.0/24", "2001:db8:4511::/48"],
            upstreams: &[U2_PRIMARY, U3],
        },
    ],
    events: &[
        Event {
            id: "ev1-session-reset-P02",
            start: "2026-11-21T19:47:23Z",
            end: "2026-11-21T19:53:41Z",
            kind: EventKind::SessionReset { peer: "P02", ipv6: false },
            description: "the collector's IPv4 session with P02 (AS64602, full feed) drops (Established -> Idle), is re-established and P02 re-sends its table; not an outage",
            expected_reachability: "reachable (collector-side artefact)",
        },
        Event {
            id: "ev2-partial-U1",
            start: "2026-11-22T08:13:37Z",
            end: "2026-11-22T09:16:52Z",
            kind: EventKind::UpstreamLinkDown { entity: 0, upstream: 0 },
            description: "link T<->U1 down: peers that reached AS64500 through U1 (AS65101) move to paths through U2 (AS65102), some after a brief withdrawal or a stale path; nothing of AS64500 disappears",
            expected_reachability: "mostly reachable (via remaining upstream)",
        },
        Event {
            id: "ev3-full-outage",
            start: "2026-11-22T14:21:09Z",
            end: "2026-11-22T16:48:44Z",
            kind: EventKind::FullOutage { entity: 0 },
            description: "AS64500 stops originating all its prefixes (withdrawn towards both upstreams at once), then announces them again",
            expected_reachability: "unreachable",
        },
        Event {
            id: "ev4-flap",
            start: "2026-11-22T19:32:18Z",
            end: "2026-11-22T19:36:05Z",
            kind: EventKind::PrefixFlap { entity: 0, prefix: "198.18.134.0/24" },
            description: "prefix 198.18.134.0/24 withdrawn then re-announced by AS64500",
            expected_reachability: "prefix unreachable while withdrawn",
        },
    ],
    case: CaseKnobs { bin: "5m", visible_fraction: 0.5, history: "24h", warning: 0.99, critical: 0.5 },
};
