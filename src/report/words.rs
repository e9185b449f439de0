//! The report's vocabulary: names of signals and data sources, units, verdicts and kinds in
//! words, times, durations and numbers, and file names that are safe whatever an entity is
//! called.
//!
//! In: codes as detection writes them (`bgp_visibility_v4`, `upstream:65020`, UTC
//! microseconds, floats). Out: text. Everything here is a pure function of its input, so the
//! report is the same on every run.

use sha2::Digest;

/// The data source of a signal: `BGP`, `traceroutes` or `DNS`.
pub fn source_of(signal: &str) -> &'static str {
    match signal.split('_').next() {
        Some("bgp") => "BGP",
        Some("trace") => "traceroutes",
        Some("dns") => "DNS",
        _ => "other",
    }
}

/// The data sources in report order.
pub const SOURCES: [&str; 3] = ["BGP", "traceroutes", "DNS"];

/// A signal's name for people.
pub fn signal_label(signal: &str) -> String {
    match signal {
        "bgp_visibility_v4" => "BGP visibility, IPv4",
        "bgp_visibility_v6" => "BGP visibility, IPv6",
        "bgp_prefix_visibility" => "Prefix visibility",
        "bgp_upstream_split" => "Upstream split",
        "trace_reach" => "Traceroute reach",
        "dns_answered" => "DNS answered",
        "dns_failures" => "DNS failures",
        "dns_volume" => "DNS volume",
        other => return other.to_string(),
    }
    .to_string()
}

/// What a signal's value counts (the y axis of its panel).
pub fn signal_unit(signal: &str) -> &'static str {
    match signal {
        "bgp_visibility_v4" => "visible /24s",
        "bgp_visibility_v6" => "visible /48s",
        "bgp_prefix_visibility" => "visible /24 or /48 eq.",
        "bgp_upstream_split" => "full-feed peers",
        "trace_reach" => "share reached",
        "dns_answered" => "share answered",
        "dns_failures" => "failures per bin",
        "dns_volume" => "queries per bin",
        _ => "value",
    }
}

/// Is the signal a share in [0, 1] (drawn as a percentage)?
pub fn is_share(signal: &str) -> bool {
    matches!(signal, "trace_reach" | "dns_answered")
}

/// One sentence on what a signal measures.
pub fn signal_meaning(signal: &str) -> &'static str {
    match signal {
        "bgp_visibility_v4" => "IPv4 /24 equivalents of the entity seen by most full-feed BGP peers",
        "bgp_visibility_v6" => "IPv6 /48 equivalents of the entity seen by most full-feed BGP peers",
        "bgp_prefix_visibility" => "each prefix's /24 (or /48) equivalents when most full-feed peers see it, else 0",
        "bgp_upstream_split" => "full-feed peers whose path to the entity goes through each upstream",
        "trace_reach" => "share of traceroutes and pings towards the entity that reached it",
        "dns_answered" => "share of queries under the entity's domains answered NOERROR or NXDOMAIN",
        "dns_failures" => "queries under the entity's domains that got SERVFAIL or no answer",
        "dns_volume" => "queries under the entity's domains",
        _ => "a signal of the detection",
    }
}

/// An event kind in words.
pub fn kind_words(kind: &str) -> &'static str {
    match kind {
        "outage" => "the entity went dark as a whole",
        "upstream_loss" => "paths through one upstream were lost while the entity stayed reachable",
        "prefix_outage" => "some of the entity's prefixes went dark",
        "degradation" => "signals fell below their warning level only",
        _ => "an anomaly",
    }
}

/// A verdict in words.
pub fn verdict_words(verdict: &str) -> String {
    match verdict {
        "internal" => {
            "internal: the cause was inside the network (every upstream lost it at once, or failed traceroutes stopped inside it)".into()
        }
        "inconclusive" => "inconclusive: the evidence does not say whether the cause was inside or upstream".into(),
        "insufficient_data" => "insufficient data: no baseline to compare with".into(),
        v => match v.strip_prefix("upstream:") {
            Some(asn) => format!("upstream AS{asn}: only the paths through AS{asn} were lost; the rest stayed up"),
            None => v.to_string(),
        },
    }
}

/// `2026-11-29 04:08:30` (UTC).
pub fn time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| us.to_string())
}

/// `2026-11-29T04:08:30Z`, as the tables of detection write it.
pub fn rfc3339(us: i64) -> String {
    crate::detect::verdict::fmt_time(us)
}

/// `4 min 10 s`, `2 h 25 min`, `1 d 3 h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m, x) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let parts: Vec<String> =
        [(d, "d"), (h, "h"), (m, "min"), (x, "s")].iter().filter(|(n, _)| *n > 0).map(|(n, u)| format!("{n} {u}")).collect();
    match parts.len() {
        0 => "0 s".into(),
        _ => parts.into_iter().take(2).collect::<Vec<_>>().join(" "),
    }
}

/// A number for people: integers without decimals, others with up to 2 (trailing zeros cut).
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if (v - v.round()).abs() < 1e-9 {
        return format!("{:.0}", v.round()).replace("-0", "0");
    }
    let s = if v.abs() >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") };
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A share as a percentage: `71.4%`.
pub fn percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 0.05 { format!("{:.0}%", p.round()) } else { format!("{p:.1}%") }
}

/// A ratio to baseline in words: `0% of baseline`, `19.7x baseline`.
pub fn ratio(r: f64) -> String {
    if r > 1.0 { format!("{}x baseline", number((r * 10.0).round() / 10.0)) } else { format!("{} of baseline", percent(r)) }
}

/// A file-name-safe form of an entity name: kept as is when it is made of ASCII letters,
/// digits, `-` and `_` only (at most 48 of them); else those characters with runs of others
/// as `-`, and 8 hex digits of the name's sha256 so that two names never share a file.
pub fn slug(name: &str) -> String {
    let plain = !name.is_empty() && name.len() <= 48 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        return name.to_string();
    }
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s: String = s.trim_matches('-').chars().take(40).collect();
    let hash = &hex::encode(sha2::Sha256::digest(name.as_bytes()))[..8];
    if s.is_empty() { hash.to_string() } else { format!("{}-{hash}", s.trim_end_matches('-')) }
}

/// The number of an event within its entity (`T#3` is 3).
pub fn event_number(id: &str) -> String {
    id.rsplit_once('#').map(|(_, n)| n).filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).unwrap_or("0").to_string()
}

/// File name of an event's timeline.
pub fn svg_name(entity: &str, id: &str) -> String {
    format!("event-{}-{}.svg", slug(entity), event_number(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(slug("T"), "T");
        assert_eq!(slug("kp_star-jv"), "kp_star-jv");
        let s = slug("Target AS64500");
        assert!(s.starts_with("Target-AS64500-") && s.len() == "Target-AS64500-".len() + 8, "{s}");
        for name in ["../../etc/passwd", "a/b", "Ünïcode", "", ".", "  ", "x<y>&\"'"] {
            let s = slug(name);
            assert!(!s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{name}: {s}");
        }
        assert_ne!(slug("a b"), slug("a/b"));
        assert_eq!(svg_name("Target AS64500", "Target AS64500#12"), format!("event-{}-12.svg", slug("Target AS64500")));
        assert_eq!(event_number("x#y"), "0");
    }

    #[test]
    fn durations_numbers_and_ratios() {
        assert_eq!(duration(250), "4 min 10 s");
        assert_eq!(duration(8700), "2 h 25 min");
        assert_eq!(duration(90_000), "1 d 1 h");
        assert_eq!(duration(0), "0 s");
        assert_eq!(number(8.0), "8");
        assert_eq!(number(0.333333), "0.33");
        assert_eq!(number(61333333.36), "61333333");
        assert_eq!(number(-0.0), "0");
        assert_eq!(percent(0.714286), "71.4%");
        assert_eq!(ratio(0.0), "0% of baseline");
        assert_eq!(ratio(19.666667), "19.7x baseline");
        assert!(verdict_words("upstream:65020").contains("AS65020"));
    }
}
