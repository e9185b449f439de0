//! What a scenario is, as plain data: the collector, its peers, the background table, the
//! monitored entities and the events with their times.
//!
//! In: nothing (these are declarations; the scenarios themselves are constants such as
//! [`super::demo`]). Out: the description that `world` turns into prefixes, AS
//! paths and sessions, `timeline` into BGP messages, and `truth` into
//! `truth.json` and `case.toml`. A new scenario is a new constant of these types, not code.

/// One scenario.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    /// Seed of every random choice.
    pub seed: u64,
    /// Scenario start and end, RFC 3339 UTC (`2026-11-21T00:00:00Z`).
    pub start: &'static str,
    pub end: &'static str,
    /// Length of one update file (RouteViews and RIS: 5 or 15 minutes), seconds.
    pub update_every_s: u32,
    /// Interval between RIB dumps (RIS: 8 hours), seconds; the first is at `start`.
    pub rib_every_s: u32,
    pub collector: Collector,
    pub peers: &'static [Peer],
    pub background: Background,
    pub churn: Churn,
    pub transit: Transit,
    pub entities: &'static [Entity],
    pub events: &'static [Event],
    /// Bin size and thresholds written to `case.toml`.
    pub case: CaseKnobs,
}

/// The route collector: its name is the folder under `mrt/`.
#[derive(Debug, Clone, Copy)]
pub struct Collector {
    pub name: &'static str,
    pub asn: u32,
    pub addr_v4: &'static str,
    pub addr_v6: &'static str,
}

/// How much of the table a peer sends on one address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// No session on this family.
    None,
    /// Every background prefix plus the entities' prefixes.
    Full,
    /// A customer cone: this many background prefixes, and the entities' prefixes when
    /// `entities` is set.
    Partial { prefixes: u32, entities: bool },
}

/// One peer router of the collector (one session per address family it has a feed on).
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub node: &'static str,
    pub asn: u32,
    pub addr_v4: &'static str,
    pub addr_v6: &'static str,
    pub v4: Feed,
    pub v6: Feed,
    /// Index of the upstream (in each entity's `upstreams`, modulo their number) through
    /// which this peer's best path to the entities runs.
    pub via: usize,
    /// Whether the peer sends MED on its routes.
    pub sends_med: bool,
}

/// The background table: how many prefixes, from which space, held by how many origins.
#[derive(Debug, Clone, Copy)]
pub struct Background {
    pub v4_prefixes: u32,
    pub v6_prefixes: u32,
    /// IPv4 space the background prefixes are drawn from.
    pub v4_space: &'static [&'static str],
    /// IPv6 space the background prefixes are drawn from.
    pub v6_space: &'static [&'static str],
    /// Number of origin ASes; prefixes per origin follow a heavy-tailed distribution.
    pub origins: u32,
    /// How many of the origins have 16-bit AS numbers (from `origin_asn_16` upwards); the
    /// others have 32-bit ones (from `origin_asn_32` upwards).
    pub origins_16bit: u32,
    pub origin_asn_16: u32,
    pub origin_asn_32: u32,
}

/// Background activity per update file (averages; each draw is random).
#[derive(Debug, Clone, Copy)]
pub struct Churn {
    /// Prefixes withdrawn at their origin (seen by every peer), re-announced minutes later.
    pub prefix_flaps: u32,
    /// Path changes of one peer towards one origin (all the origin's prefixes at once).
    pub path_changes: u32,
    /// Transit changes seen by several peers at once towards one origin.
    pub transit_changes: u32,
}

/// The ASes that make up background AS paths.
#[derive(Debug, Clone, Copy)]
pub struct Transit {
    /// Large transit providers, the middle of most paths.
    pub tier1: &'static [u32],
    /// Regional providers, the upstreams of background origins and of peers.
    pub regional: &'static [u32],
}

/// An upstream of an entity.
#[derive(Debug, Clone, Copy)]
pub struct Upstream {
    pub node: &'static str,
    pub asn: u32,
    /// How many times the entity prepends its AS towards this upstream (0 = none).
    pub prepend: u8,
}

/// A monitored network: an origin AS, its prefixes, its upstreams.
#[derive(Debug, Clone, Copy)]
pub struct Entity {
    pub name: &'static str,
    pub asn: u32,
    /// IPv4 and IPv6 prefixes, as text.
    pub prefixes: &'static [&'static str],
    pub upstreams: &'static [Upstream],
}

/// What happens in an event.
#[derive(Debug, Clone, Copy)]
pub enum EventKind {
    /// The link between an entity and one of its upstreams fails: peers that used it move to
    /// the other upstreams, after some path exploration; nothing disappears.
    UpstreamLinkDown { entity: usize, upstream: usize },
    /// The entity withdraws all its prefixes, then announces them again at the end.
    FullOutage { entity: usize },
    /// The collector's session with one peer (on one family) drops at `start` and is
    /// established again at `end`; the peer then re-sends its table.
    SessionReset { peer: &'static str, ipv6: bool },
    /// One prefix of an entity is withdrawn at `start` and announced again at `end`.
    PrefixFlap { entity: usize, prefix: &'static str },
}

/// One event of the ground truth.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub id: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub kind: EventKind,
    pub description: &'static str,
    pub expected_reachability: &'static str,
}

/// Detection knobs written to `case.toml` (the full-feed thresholds are derived from the
/// table sizes instead).
#[derive(Debug, Clone, Copy)]
pub struct CaseKnobs {
    pub bin: &'static str,
    pub visible_fraction: f64,
    pub history: &'static str,
    pub warning: f64,
    pub critical: f64,
}
