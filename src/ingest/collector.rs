//! Deriving a collector name from an archive's path when `--collector` is not given.
//!
//! In: a path such as `route-views.sydney/bgpdata/2022.06/UPDATES/updates.20220601.0230.bz2`
//! or `rrc00/2000.01/updates.20000102.2014.gz`. Out: `route-views.sydney`, `rrc00`. The rule:
//! the last path component (or part of the file name split at `.`/`_`) that names a RIS
//! (`rrcNN`) or RouteViews (`route-views...`) collector; else the parent folder's name, unless
//! that is one of the archive layout's own folders (`UPDATES`, `RIBS`, `bgpdata`, `YYYY.MM`);
//! else `unknown`.

use std::path::Path;

fn is_collector_token(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    (t.starts_with("rrc") && t.len() >= 5 && t[3..].chars().all(|c| c.is_ascii_digit()))
        || t.starts_with("route-views")
        || t.starts_with("routeviews")
}

fn is_layout_dir(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    matches!(l.as_str(), "updates" | "ribs" | "rib" | "bgpdata" | "mrt" | "." | "..")
        || (l.len() == 7 && l.as_bytes()[4] == b'.' && l.chars().filter(|c| c.is_ascii_digit()).count() == 6)
}

/// The collector of the archive at `path`.
pub fn collector_from_path(path: &Path) -> String {
    let comps: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    for comp in comps.iter().rev() {
        if is_collector_token(comp) {
            return comp.to_ascii_lowercase();
        }
        // A file name such as `dnas_rrc01.updates.20100827.0840.gz` or `rrc00_bview...`.
        for tok in comp.split(['.', '_']) {
            if is_collector_token(tok) {
                return tok.to_ascii_lowercase();
            }
        }
    }
    for comp in comps.iter().rev().skip(1) {
        if !is_layout_dir(comp) && !comp.is_empty() && comp != "/" {
            return comp.clone();
        }
    }
    "unknown".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_archive_layouts() {
        let c = |p: &str| collector_from_path(Path::new(p));
        assert_eq!(c("route-views.sydney/bgpdata/2022.06/UPDATES/updates.20220601.0230.bz2"), "route-views.sydney");
        assert_eq!(c("/data/rrc00/2000.01/updates.20000102.2014.gz"), "rrc00");
        assert_eq!(c("realdata/mrt/ris_rrc15_updates.20100227.1600.gz"), "rrc15");
        assert_eq!(c("lab/kp/mrt/updates.20261129.0402.bz2"), "kp");
        assert_eq!(c("updates.20261129.0402"), "unknown");
    }
}
