//! `lightsout eval`: scoring detected windows against a ground truth.
//!
//! In: a `truth.json` (the shape of `../shared/lab/kp/truth.json` and of `lightsout synth`'s
//! output) and the `windows.csv` of a detection. Out: one [`EventScore`] per truth event
//! (found or missed, start and end error, verdict right or wrong) and the windows that match
//! no event (false alarms).
//!
//! Matching: a window matches an event when their time ranges overlap, widened by `slack`
//! (a bin). The window that stands for an event is, by kind: `full_outage`: an entity-level
//! visibility window (expected verdict `internal`); `partial`: an upstream-split window of a
//! lost upstream (expected `upstream:<ASN>`); `flap`: a prefix-level visibility window of a
//! flapped prefix (expected `internal` when every upstream lost it); `session_reset`: nothing
//! (a window there is a false alarm). `insufficient_data` windows are neither hits nor alarms.

use chrono::DateTime;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub events: Vec<TruthEvent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthEvent {
    pub id: String,
    pub kind: String,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub scope: TruthScope,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TruthScope {
    #[serde(default)]
    pub prefixes: Vec<String>,
    #[serde(default)]
    pub upstreams_lost: Vec<Upstream>,
    #[serde(default)]
    pub upstreams_remaining: Vec<Upstream>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Upstream {
    pub asn: u32,
}

/// Whether a window stands for an event.
type WindowTest = Box<dyn Fn(&WindowRow) -> bool>;

/// One row of `windows.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct WindowRow {
    pub entity: String,
    pub scope: String,
    pub signal: String,
    pub upstream_asn: Option<u32>,
    pub start: String,
    pub end: String,
    pub level: String,
    pub verdict: String,
}

/// How one truth event was detected.
#[derive(Debug, Clone, PartialEq)]
pub struct EventScore {
    pub id: String,
    pub kind: String,
    pub found: bool,
    /// Detected minus true start and end, seconds.
    pub start_error_s: Option<i64>,
    pub end_error_s: Option<i64>,
    pub expected_verdict: Option<String>,
    pub verdict: Option<String>,
}

impl EventScore {
    pub fn verdict_ok(&self) -> bool {
        match (&self.expected_verdict, &self.verdict) {
            (Some(e), Some(v)) => e == v,
            (None, _) => true,
            _ => false,
        }
    }
}

/// The evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub events: Vec<EventScore>,
    /// Windows (`entity scope signal start..end`) that match no event.
    pub unmatched: Vec<String>,
}

impl Evaluation {
    /// Every event found (a session reset counts as found when nothing fired), every verdict
    /// right, no false alarm.
    pub fn perfect(&self) -> bool {
        self.unmatched.is_empty() && self.events.iter().all(|e| e.found && e.verdict_ok())
    }

    pub fn table(&self) -> String {
        let mut out = String::from("event                 kind           found  start_err_s  end_err_s  expected_verdict  verdict\n");
        let o = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
        for e in &self.events {
            out.push_str(&format!(
                "{:<21} {:<14} {:<6} {:>11}  {:>9}  {:<16}  {}{}\n",
                e.id,
                e.kind,
                if e.found { "yes" } else { "NO" },
                o(e.start_error_s),
                o(e.end_error_s),
                e.expected_verdict.as_deref().unwrap_or("-"),
                e.verdict.as_deref().unwrap_or("-"),
                if e.verdict_ok() { "" } else { "  (WRONG)" }
            ));
        }
        out.push_str(&format!("windows matching no event: {}\n", self.unmatched.len()));
        for u in &self.unmatched {
            out.push_str(&format!("  {u}\n"));
        }
        out
    }
}

fn secs(t: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(t).map(|d| d.timestamp()).map_err(|e| format!("time `{t}`: {e}"))
}

/// Reads the truth and the windows and scores them; `slack_s` widens every match (one bin).
pub fn evaluate_files(truth: &Path, windows: &Path, slack_s: i64) -> Result<Evaluation, String> {
    let t: Truth = serde_json::from_str(&std::fs::read_to_string(truth).map_err(|e| format!("{}: {e}", truth.display()))?)
        .map_err(|e| format!("{}: {e}", truth.display()))?;
    let mut rdr = csv::Reader::from_path(windows).map_err(|e| format!("{}: {e}", windows.display()))?;
    let rows = rdr.deserialize().collect::<Result<Vec<WindowRow>, _>>().map_err(|e| format!("{}: {e}", windows.display()))?;
    evaluate(&t, &rows, slack_s)
}

/// Scores `rows` against `truth`.
pub fn evaluate(truth: &Truth, rows: &[WindowRow], slack_s: i64) -> Result<Evaluation, String> {
    let mut windows = Vec::new();
    for r in rows.iter().filter(|r| r.level == "warning" || r.level == "critical") {
        windows.push((r, secs(&r.start)?, secs(&r.end)?));
    }
    let mut matched = vec![false; windows.len()];
    let mut events = Vec::new();
    for ev in &truth.events {
        let (s, e) = (secs(&ev.start)?, secs(&ev.end)?);
        let overlaps = |ws: i64, we: i64| ws <= e + slack_s && s <= we + slack_s;
        for (i, (_, ws, we)) in windows.iter().enumerate() {
            if overlaps(*ws, *we) {
                matched[i] = true;
            }
        }
        let lost: Vec<u32> = ev.scope.upstreams_lost.iter().map(|u| u.asn).collect();
        let (primary, expected): (WindowTest, Option<String>) = match ev.kind.as_str() {
            "full_outage" => (Box::new(|w: &WindowRow| w.scope == "*" && w.signal.starts_with("bgp_visibility")), Some("internal".into())),
            "partial" => {
                let l = lost.clone();
                (
                    Box::new(move |w: &WindowRow| w.signal == "bgp_upstream_split" && w.upstream_asn.is_some_and(|u| l.contains(&u))),
                    lost.first().map(|u| format!("upstream:{u}")),
                )
            }
            "flap" => {
                let p = ev.scope.prefixes.clone();
                let expected = if ev.scope.upstreams_remaining.is_empty() { Some("internal".to_string()) } else { None };
                (Box::new(move |w: &WindowRow| w.signal == "bgp_prefix_visibility" && p.contains(&w.scope)), expected)
            }
            _ => (Box::new(|_: &WindowRow| false), None),
        };
        let best =
            windows.iter().filter(|(w, ws, we)| primary(w) && overlaps(*ws, *we)).max_by_key(|(_, ws, we)| (we.min(&e) - ws.max(&s), -ws));
        let score = match (ev.kind.as_str(), best) {
            ("session_reset", _) => {
                let fired = windows.iter().any(|(_, ws, we)| overlaps(*ws, *we));
                EventScore {
                    id: ev.id.clone(),
                    kind: ev.kind.clone(),
                    found: !fired,
                    start_error_s: None,
                    end_error_s: None,
                    expected_verdict: None,
                    verdict: fired.then(|| "window fired".into()),
                }
            }
            (_, Some((w, ws, we))) => EventScore {
                id: ev.id.clone(),
                kind: ev.kind.clone(),
                found: true,
                start_error_s: Some(ws - s),
                end_error_s: Some(we - e),
                expected_verdict: expected,
                verdict: Some(w.verdict.clone()),
            },
            (_, None) => EventScore {
                id: ev.id.clone(),
                kind: ev.kind.clone(),
                found: false,
                start_error_s: None,
                end_error_s: None,
                expected_verdict: expected,
                verdict: None,
            },
        };
        // A session reset's windows are false alarms, not matches.
        if ev.kind == "session_reset" {
            for (i, (_, ws, we)) in windows.iter().enumerate() {
                if overlaps(*ws, *we)
                    && !truth.events.iter().any(|o| {
                        o.kind != "session_reset"
                            && secs(&o.start).is_ok_and(|os| secs(&o.end).is_ok_and(|oe| *ws <= oe + slack_s && os <= *we + slack_s))
                    })
                {
                    matched[i] = false;
                }
            }
        }
        events.push(score);
    }
    let unmatched = windows
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|((w, _, _), _)| {
            format!(
                "{} {} {}{} {}..{} {}",
                w.entity,
                w.scope,
                w.signal,
                w.upstream_asn.map(|u| format!(" AS{u}")).unwrap_or_default(),
                w.start,
                w.end,
                w.level
            )
        })
        .collect();
    Ok(Evaluation { events, unmatched })
}
