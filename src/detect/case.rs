//! Case files: what a researcher asks about, in TOML.
//!
//! In: the text of a case file. Out: a checked [`Case`]: name, time range, bin size, entities
//! (origin ASN and/or prefixes, upstreams, DNS suffixes) and every threshold, with IODA's
//! defaults for what is left out. Unknown keys, bad durations or times, an empty entity list,
//! prefixes that do not parse are refused with a message that names the key.
//!
//! ```toml
//! name = "lab-kp"
//! start = "2026-11-29T04:02:31Z"
//! end = "2026-11-29T04:16:31Z"
//! bin = "10s"
//! [bgp]
//! full_feed_min_v4 = 0
//! [[entity]]
//! name = "T"
//! asn = 65010
//! ```

use super::duration::{Duration, parse_duration};
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Errors in a case file.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// BGP thresholds (IODA's defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BgpParams {
    /// A peer is full-feed for IPv4 in a bin when it holds more than this many IPv4 prefixes.
    pub full_feed_min_v4: u64,
    /// Same for IPv6.
    pub full_feed_min_v6: u64,
    /// A prefix is visible when more than this share of full-feed peers has a route to it.
    pub visible_fraction: f64,
    /// Length of the moving-median baseline.
    pub history: String,
    /// A bin is at warning level below this ratio to its baseline.
    pub warning: f64,
    /// ... and critical below this one.
    pub critical: f64,
    /// Fewest earlier bins a baseline needs; fewer give "insufficient_data".
    pub min_history_bins: u32,
    /// Without a RIB dump before the analysis start, route state is built from the updates of
    /// this long before it (RIS dumps RIBs every 8 h, RouteViews every 2 h).
    pub state_lookback: String,
}

impl Default for BgpParams {
    fn default() -> Self {
        BgpParams {
            full_feed_min_v4: 400_000,
            full_feed_min_v6: 10_000,
            visible_fraction: 0.5,
            history: "24h".into(),
            warning: 0.99,
            critical: 0.5,
            min_history_bins: 6,
            state_lookback: "7d".into(),
        }
    }
}

/// Thresholds of the measurement signals (traceroute, DNS).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalParams {
    pub history: String,
    pub warning: f64,
    pub critical: f64,
    pub min_history_bins: u32,
    /// DNS only: the smallest change, in queries or failures per bin, that can make a surge or
    /// a volume drop (a single SERVFAIL where there were none is a surge at the default 1).
    pub min_change: u32,
}

impl Default for SignalParams {
    fn default() -> Self {
        SignalParams { history: "7d".into(), warning: 0.8, critical: 0.5, min_history_bins: 6, min_change: 1 }
    }
}

/// One entity of the case.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    pub name: String,
    /// Origin AS: its prefixes are learned from the routes when `prefixes` is not given.
    pub asn: Option<u32>,
    /// The entity's address space.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Upstream ASes (the AS before the origin); learned from the paths when not given.
    #[serde(default)]
    pub upstreams: Vec<u32>,
    /// DNS suffixes served from inside the entity.
    #[serde(default)]
    pub domains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    start: String,
    end: String,
    bin: String,
    #[serde(default)]
    bgp: BgpParams,
    #[serde(default)]
    trace: Option<SignalParams>,
    #[serde(default)]
    dns: Option<SignalParams>,
    #[serde(default)]
    entity: Vec<Entity>,
    /// Input archives of the case (files or folders), relative to the case file.
    #[serde(default)]
    inputs: Vec<String>,
    /// CAIDA prefix-to-AS file for IP-to-AS mapping of traceroute hops.
    #[serde(default)]
    pfx2as: Option<String>,
}

/// A checked case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub bin: Duration,
    pub bgp: BgpParams,
    pub bgp_history: Duration,
    /// `bgp.state_lookback`.
    pub bgp_state_lookback: Duration,
    pub trace: SignalParams,
    pub trace_history: Duration,
    pub dns: SignalParams,
    pub dns_history: Duration,
    /// `dns.min_change`.
    pub dns_min_change: u32,
    pub entities: Vec<Entity>,
    /// Parsed prefixes per entity (same order as `entities`).
    pub entity_prefixes: Vec<Vec<IpNet>>,
    /// Inputs, resolved against the case file's folder.
    pub inputs: Vec<PathBuf>,
    pub pfx2as: Option<PathBuf>,
    /// The case file's text, as read (for the manifest).
    pub text: String,
}

impl Case {
    /// Reads and checks a case file.
    pub fn load(path: &Path) -> Result<Case, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaseError::Read { path: path.to_path_buf(), source })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Case::parse(&text, base).map_err(|message| CaseError::Invalid { path: path.to_path_buf(), message })
    }

    /// Parses case text; relative input paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Case, String> {
        let raw: RawCase = toml::from_str(text).map_err(|e| e.to_string().trim().replace('\n', " "))?;
        let time = |key: &str, v: &str| -> Result<DateTime<Utc>, String> {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| format!("key `{key}`: `{v}` is not an RFC 3339 time ({e})"))
        };
        let start = time("start", &raw.start)?;
        let end = time("end", &raw.end)?;
        if end <= start {
            return Err(format!("key `end`: {end} is not after `start` {start}"));
        }
        let dur = |key: &str, v: &str| parse_duration(v).map_err(|e| format!("key `{key}`: {e}"));
        let bin = dur("bin", &raw.bin)?;
        if bin.secs() < 10 || bin.secs() > 86_400 {
            return Err(format!("key `bin`: {} is outside 10s..1d", raw.bin));
        }
        let bgp_history = dur("bgp.history", &raw.bgp.history)?;
        let bgp_state_lookback = dur("bgp.state_lookback", &raw.bgp.state_lookback)?;
        let trace = raw.trace.unwrap_or_default();
        let dns = raw.dns.unwrap_or_default();
        let trace_history = dur("trace.history", &trace.history)?;
        let dns_history = dur("dns.history", &dns.history)?;
        for (key, p) in
            [("bgp", (raw.bgp.warning, raw.bgp.critical)), ("trace", (trace.warning, trace.critical)), ("dns", (dns.warning, dns.critical))]
        {
            if !(0.0..=1.0).contains(&p.1) || !(0.0..=1.0).contains(&p.0) || p.1 > p.0 {
                return Err(format!("key `{key}.warning`/`{key}.critical`: need 0 <= critical <= warning <= 1, got {} and {}", p.0, p.1));
            }
        }
        if !(0.0..1.0).contains(&raw.bgp.visible_fraction) {
            return Err(format!("key `bgp.visible_fraction`: {} is not in [0, 1)", raw.bgp.visible_fraction));
        }
        if raw.entity.is_empty() {
            return Err("key `entity`: the case names no entity ([[entity]] with name and asn or prefixes)".into());
        }
        let mut entity_prefixes = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for (i, e) in raw.entity.iter().enumerate() {
            if e.name.trim().is_empty() {
                return Err(format!("key `entity[{i}].name`: empty"));
            }
            if !names.insert(e.name.clone()) {
                return Err(format!("key `entity[{i}].name`: `{}` appears twice", e.name));
            }
            if e.asn.is_none() && e.prefixes.is_empty() {
                return Err(format!("key `entity[{i}]` ({}): needs `asn` or `prefixes`", e.name));
            }
            let mut nets = Vec::new();
            for p in &e.prefixes {
                let net: IpNet = p.parse().map_err(|_| format!("key `entity[{i}].prefixes`: `{p}` is not a prefix"))?;
                if net.trunc() != net {
                    return Err(format!("key `entity[{i}].prefixes`: `{p}` has host bits set (did you mean {}?)", net.trunc()));
                }
                nets.push(net);
            }
            entity_prefixes.push(nets);
        }
        Ok(Case {
            name: raw.name,
            start,
            end,
            bin,
            bgp: raw.bgp,
            bgp_history,
            bgp_state_lookback,
            trace,
            trace_history,
            dns_min_change: dns.min_change,
            dns,
            dns_history,
            entities: raw.entity,
            entity_prefixes,
            inputs: raw.inputs.iter().map(|p| base.join(p)).collect(),
            pfx2as: raw.pfx2as.map(|p| base.join(p)),
            text: text.to_string(),
        })
    }

    /// Bin size in microseconds.
    pub fn bin_us(&self) -> i64 {
        self.bin.micros()
    }

    /// Start of the first bin of the analysis: the case start minus the longest baseline
    /// history, rounded down to a bin boundary (bins are aligned to multiples of the bin size
    /// since 1970).
    pub fn analysis_start_us(&self) -> i64 {
        let hist = self.bgp_history.micros().max(self.trace_history.micros()).max(self.dns_history.micros());
        let t = self.start.timestamp_micros() - hist;
        t.div_euclid(self.bin_us()) * self.bin_us()
    }

    /// End of the last bin (the case end rounded up to a bin boundary).
    pub fn analysis_end_us(&self) -> i64 {
        let b = self.bin_us();
        let t = self.end.timestamp_micros();
        (t + b - 1).div_euclid(b) * b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "lab-kp"
start = "2026-11-29T04:02:31Z"
end = "2026-11-29T04:16:31Z"
bin = "10s"
[bgp]
full_feed_min_v4 = 0
full_feed_min_v6 = 0
visible_fraction = 0.5
history = "24h"
warning = 0.99
critical = 0.5
[[entity]]
name = "T"
asn = 65010
prefixes = ["198.18.10.0/24", "2001:db8:10::/48"]
upstreams = [65020, 65030]
domains = ["target.test"]
"#;

    #[test]
    fn parses_the_documented_keys() {
        let c = Case::parse(GOOD, Path::new(".")).unwrap();
        assert_eq!(c.name, "lab-kp");
        assert_eq!(c.bin_us(), 10_000_000);
        assert_eq!(c.bgp.full_feed_min_v4, 0);
        assert_eq!(c.entities[0].upstreams, [65020, 65030]);
        assert_eq!(c.entity_prefixes[0].len(), 2);
        assert_eq!(c.analysis_start_us() % c.bin_us(), 0);
        assert!(c.analysis_start_us() <= c.start.timestamp_micros() - 7 * 86_400_000_000);
    }

    #[test]
    fn defaults_are_iodas() {
        let c = Case::parse(
            "name='x'\nstart='2026-01-01T00:00:00Z'\nend='2026-01-02T00:00:00Z'\nbin='5m'\n[[entity]]\nname='a'\nasn=1\n",
            Path::new("."),
        )
        .unwrap();
        assert_eq!(c.bgp.full_feed_min_v4, 400_000);
        assert_eq!(c.bgp.full_feed_min_v6, 10_000);
        assert_eq!(c.bgp.visible_fraction, 0.5);
        assert_eq!(c.bgp_history.secs(), 86_400);
        assert_eq!((c.bgp.warning, c.bgp.critical), (0.99, 0.5));
        assert_eq!((c.trace.warning, c.trace.critical), (0.8, 0.5));
    }

    #[test]
    fn refusals_name_the_key() {
        let bad = |edit: &str, key: &str| {
            let text = GOOD.replace("full_feed_min_v6 = 0", edit);
            let e = Case::parse(&text, Path::new(".")).unwrap_err();
            assert!(e.contains(key), "{edit}: {e}");
        };
        bad("full_feed_min_v6 = 0\nfull_fed = 3", "full_fed");
        bad("full_feed_min_v6 = 0\nhistory2 = '1h'", "history2");
        let e = Case::parse(&GOOD.replace("bin = \"10s\"", "bin = \"10 parsecs\""), Path::new(".")).unwrap_err();
        assert!(e.contains("`bin`"), "{e}");
        let e = Case::parse(&GOOD.replace("history = \"24h\"", "history = \"forever\""), Path::new(".")).unwrap_err();
        assert!(e.contains("bgp.history"), "{e}");
        let no_entity = GOOD.split("[[entity]]").next().unwrap();
        let e = Case::parse(no_entity, Path::new(".")).unwrap_err();
        assert!(e.contains("`entity`"), "{e}");
        let e = Case::parse(&GOOD.replace("198.18.10.0/24", "198.18.10.1/24"), Path::new(".")).unwrap_err();
        assert!(e.contains("host bits"), "{e}");
        let e = Case::parse(&GOOD.replace("bin = \"10s\"", "bin = \"5s\""), Path::new(".")).unwrap_err();
        assert!(e.contains("10s..1d"), "{e}");
    }
}
