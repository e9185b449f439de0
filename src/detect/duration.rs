//! Durations as written in case files: `10s`, `5m`, `1h`, `24h`, `1d`, `7d` (one integer and
//! one unit: s, m, h, d, w).
//!
//! In: text. Out: a [`Duration`] in whole seconds, or a message saying what is wrong.

/// A whole number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(u64);

impl Duration {
    pub const fn from_secs(s: u64) -> Self {
        Duration(s)
    }
    pub const fn secs(self) -> u64 {
        self.0
    }
    pub const fn micros(self) -> i64 {
        self.0 as i64 * 1_000_000
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        for (unit, n) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
            if s >= n && s.is_multiple_of(n) {
                return write!(f, "{}{unit}", s / n);
            }
        }
        write!(f, "{s}s")
    }
}

/// Parses `<integer><unit>`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| format!("`{text}` has no unit (s, m, h, d or w)"))?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{text}` does not start with a whole number"))?;
    let mult = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        u => return Err(format!("`{text}`: unknown unit `{u}` (use s, m, h, d or w)")),
    };
    if n == 0 {
        return Err(format!("`{text}` is zero"));
    }
    n.checked_mul(mult).map(Duration).ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_refuses_nonsense() {
        assert_eq!(parse_duration("10s").unwrap().secs(), 10);
        assert_eq!(parse_duration("5m").unwrap().secs(), 300);
        assert_eq!(parse_duration("24h").unwrap().secs(), 86_400);
        assert_eq!(parse_duration("7d").unwrap().secs(), 604_800);
        assert_eq!(parse_duration("5m").unwrap().to_string(), "5m");
        assert_eq!(parse_duration("90s").unwrap().to_string(), "90s");
        for bad in ["", "10", "s", "1.5h", "10 parsecs", "0s", "-5m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
