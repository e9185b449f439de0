//! `lightsout report` end to end, through the binary.
//!
//! The demo (`synth demo`, ingest, detect, report; run once for this file, in
//! `CARGO_TARGET_TMPDIR/report-demo`): `summary.csv` and the events and footprint tables of
//! `report.md` against `tests/golden/report/` (after an intended change, rerun with
//! `UPDATE_GOLDEN=1` and review the diff); every SVG is well-formed XML with one panel per
//! signal of its event; a second run writes byte-identical files; the HTML loads nothing from
//! outside; the manifest lists every report file with its sha256; the wrong case file and a
//! folder without detection outputs are refused.
//!
//! The lab (`../shared/lab/kp`, skipped when absent): one internal outage on which BGP,
//! traceroutes and DNS agree, the U1 loss as an upstream event, the two flaps, nothing else.

mod common;

use common::check_golden;

use assert_cmd::Command;
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn lightsout(args: &[&std::ffi::OsStr]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("lightsout").unwrap().args(args).assert()
}

/// The demo's data and output folder, made once for every test of this file.
fn demo() -> &'static (PathBuf, PathBuf) {
    static DEMO: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-demo");
        let _ = std::fs::remove_dir_all(&root);
        let (data, lake, out) = (root.join("data"), root.join("lake"), root.join("out"));
        lightsout(&["synth".as_ref(), "demo".as_ref(), "--out".as_ref(), data.as_os_str()]).success();
        lightsout(&["ingest".as_ref(), "--lake".as_ref(), lake.as_os_str(), data.join("mrt").as_os_str()]).success();
        let case = data.join("case.toml");
        lightsout(&["detect".as_ref(), case.as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), out.as_os_str()]).success();
        lightsout(&["report".as_ref(), case.as_os_str(), "--out".as_ref(), out.as_os_str()]).success();
        (case, out)
    })
}

/// The table lines (and subsection headings) of a `## <title>` section of report.md.
fn tables_of(md: &str, title: &str) -> String {
    let start = md.find(&format!("\n## {title}\n")).unwrap_or_else(|| panic!("no section {title}"));
    let rest = &md[start + 1..];
    let end = rest[3..].find("\n## ").map(|i| i + 3).unwrap_or(rest.len());
    rest[..end].lines().filter(|l| l.starts_with('|') || l.starts_with("## ") || l.starts_with("### ")).map(|l| format!("{l}\n")).collect()
}

fn summary_rows(out: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    r.deserialize().map(|x| x.unwrap()).collect()
}

/// A small XML well-formedness check: tags nest and close, attributes are quoted, `&` starts
/// an entity and `<` a tag. Returns the text content of every element named `text`.
fn xml_texts(xml: &str) -> Result<Vec<String>, String> {
    let b = xml.as_bytes();
    let (mut i, mut stack, mut texts, mut current) = (0, Vec::<String>::new(), Vec::new(), None::<String>);
    let name_ok = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c));
    let check_text = |t: &str| -> Result<(), String> {
        for (k, _) in t.match_indices('&') {
            let semi = t[k..].find(';').ok_or(format!("bare & in {t:?}"))?;
            let ent = &t[k + 1..k + semi];
            if !(["amp", "lt", "gt", "quot", "apos"].contains(&ent) || ent.starts_with('#')) {
                return Err(format!("unknown entity &{ent};"));
            }
        }
        if t.contains('>') && t.contains("]]>") {
            return Err("]]> in text".into());
        }
        Ok(())
    };
    while i < b.len() {
        if b[i] == b'<' {
            let end = xml[i..].find('>').ok_or("unclosed <")? + i;
            let tag = &xml[i + 1..end];
            if tag.starts_with('?') || tag.starts_with("!--") {
                // declaration or comment
            } else if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or(format!("</{name}> without an open tag"))?;
                if open != name.trim() {
                    return Err(format!("<{open}> closed by </{name}>"));
                }
                if name.trim() == "text" {
                    texts.push(current.take().unwrap_or_default().trim().to_string());
                }
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let name = body.split_whitespace().next().unwrap_or("");
                if !name_ok(name) {
                    return Err(format!("bad tag name {name:?}"));
                }
                let mut attrs = &body[name.len()..];
                while !attrs.trim().is_empty() {
                    let a = attrs.trim_start();
                    let eq = a.find('=').ok_or(format!("attribute without value in <{name}>"))?;
                    if !name_ok(a[..eq].trim()) {
                        return Err(format!("bad attribute name {:?}", &a[..eq]));
                    }
                    let q = a[eq + 1..].chars().next().ok_or("no value")?;
                    if q != '"' && q != '\'' {
                        return Err(format!("unquoted attribute in <{name}>"));
                    }
                    let close = a[eq + 2..].find(q).ok_or("unterminated attribute")? + eq + 2;
                    check_text(&a[eq + 2..close])?;
                    attrs = &a[close + 1..];
                }
                if !self_closing {
                    stack.push(name.to_string());
                    if name == "text" {
                        current = Some(String::new());
                    }
                }
            }
            i = end + 1;
        } else {
            let next = xml[i..].find('<').map(|k| k + i).unwrap_or(b.len());
            let t = &xml[i..next];
            check_text(t)?;
            if stack.is_empty() && !t.trim().is_empty() {
                return Err(format!("text outside the root: {t:?}"));
            }
            if let Some(c) = current.as_mut() {
                c.push_str(t);
            }
            i = next;
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed: {stack:?}"));
    }
    Ok(texts)
}

#[test]
fn the_xml_check_can_fail() {
    assert!(xml_texts("<svg><text x=\"1\">a &amp; b</text></svg>").is_ok());
    for bad in ["<svg><text>a</svg>", "<svg x=1></svg>", "<svg>a & b</svg>", "<svg><g></svg></g>", "<svg>"] {
        assert!(xml_texts(bad).is_err(), "{bad}");
    }
}

/// Panel titles of an SVG: text elements that end with `(<signal>)`.
fn panel_signals(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .filter_map(|t| t.strip_suffix(')').and_then(|t| t.rsplit_once(" (")).map(|(_, s)| s.to_string()))
        .filter(|s| s.contains('_'))
        .collect()
}

#[test]
fn demo_summary_and_tables_match_the_golden_files() {
    let (_, out) = demo();
    check_golden("report/demo_summary.csv", &std::fs::read_to_string(out.join("summary.csv")).unwrap());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    check_golden("report/demo_tables.md", &(tables_of(&md, "Events") + &tables_of(&md, "Footprint")));
}

#[test]
fn demo_timelines_are_well_formed_with_one_panel_per_signal() {
    let (_, out) = demo();
    let rows = summary_rows(out);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in &rows {
        let file = &r["timeline"];
        assert!(file.starts_with("event-") && file.ends_with(".svg") && !file.contains(' ') && !file.contains('/'), "{file}");
        let svg = std::fs::read_to_string(out.join(file)).unwrap();
        let texts = xml_texts(&svg).unwrap_or_else(|e| panic!("{file}: not well-formed: {e}"));
        let mut panels = panel_signals(&texts);
        panels.sort();
        let mut signals: Vec<String> = r["signals"].split("; ").map(str::to_string).collect();
        signals.sort();
        assert_eq!(panels, signals, "{file}: one panel per signal of {}", r["event"]);
        assert!(texts.iter().any(|t| t.starts_with("time (UTC), 2026-11-22")), "{file}: no UTC axis description");
        assert!(texts.iter().any(|t| t == "baseline (median)") && texts.iter().any(|t| t == "critical level"), "{file}: no legend");
    }
    // The upstream loss shows one line per upstream.
    let loss = rows.iter().find(|r| r["kind"] == "upstream_loss").unwrap();
    let texts = xml_texts(&std::fs::read_to_string(out.join(&loss["timeline"])).unwrap()).unwrap();
    assert!(texts.contains(&"AS65101".to_string()) && texts.contains(&"AS65102".to_string()), "{texts:?}");
}

fn hashes(out: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), hex::encode(sha2::Sha256::digest(std::fs::read(&p).unwrap()))))
        .collect()
}

#[test]
fn demo_report_rerun_is_byte_identical_and_in_the_manifest() {
    let (case, out) = demo();
    let before = hashes(out);
    lightsout(&["report".as_ref(), case.as_os_str(), "--out".as_ref(), out.as_os_str()]).success();
    assert_eq!(before, hashes(out), "a second report changed files");
    assert!(!before.keys().any(|n| n.ends_with(".tmp")), "temporary files left: {before:?}");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let files = manifest.pointer("/report/files").and_then(|f| f.as_object()).expect("report section");
    for name in ["report.md", "report.html", "summary.csv"] {
        assert!(files.contains_key(name), "{name} not in the manifest");
    }
    assert_eq!(files.keys().filter(|n| n.ends_with(".svg")).count(), 3);
    for (name, sha) in files {
        assert_eq!(Some(sha.as_str().unwrap()), before.get(name).map(String::as_str), "{name}");
    }
    assert!(manifest.pointer("/case/sha256").is_some() && manifest.get("queries").is_some(), "detect's manifest kept");
}

#[test]
fn demo_html_is_self_contained() {
    let (_, out) = demo();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for banned in ["<script", "<link", "<img", "<iframe", "src=", "url(", "@import"] {
        assert!(!html.contains(banned), "report.html has {banned}");
    }
    let http = html.matches("http").count();
    let svg_ns = html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(http, svg_ns, "report.html mentions http outside SVG namespaces");
    assert_eq!(html.matches("<svg ").count(), 3, "one inline SVG per event");
    for href in html.split("href=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
        assert!(href.starts_with('#') || (!href.contains(':') && !href.contains('/')), "href {href}");
    }
    assert!(html.contains("<style>") && html.contains("</html>"));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for section in ["## Case", "## Events", "## Footprint", "## Method", "## Reproducibility"] {
        assert!(md.contains(section), "report.md has no {section}");
    }
}

#[test]
fn report_refuses_another_case_file_and_a_folder_without_detection() {
    let (case, out) = demo();
    let d = tempfile::tempdir().unwrap();
    let other = d.path().join("case.toml");
    std::fs::write(&other, std::fs::read_to_string(case).unwrap() + "\n# edited\n").unwrap();
    let a = lightsout(&["report".as_ref(), other.as_os_str(), "--out".as_ref(), out.as_os_str()]).failure().code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("another case file") && err.contains("manifest.json"), "{err}");
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let a = lightsout(&["report".as_ref(), case.as_os_str(), "--out".as_ref(), empty.as_os_str()]).failure().code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("run `lightsout detect`"), "{err}");
}

#[test]
fn lab_report_one_internal_outage_the_upstream_loss_and_two_flaps() {
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/lab/kp");
    if !lab.is_dir() {
        eprintln!("SKIP: ../shared/lab/kp not present");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let (lake, out) = (d.path().join("lake"), d.path().join("out"));
    let inputs = ["mrt", "traceroute/vp1.kp.warts", "dns/resolver.dnstap", "dns/resolver-query-errors.log"].map(|i| lab.join(i));
    let mut args: Vec<&std::ffi::OsStr> = vec!["ingest".as_ref(), "--lake".as_ref(), lake.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    lightsout(&args).success();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/kp-lab.toml");
    lightsout(&["detect".as_ref(), case.as_os_str(), "--lake".as_ref(), lake.as_os_str(), "--out".as_ref(), out.as_os_str()]).success();
    lightsout(&["report".as_ref(), case.as_os_str(), "--out".as_ref(), out.as_os_str()]).success();

    let rows = summary_rows(&out);
    let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r["kind"].as_str(), r["verdict"].as_str())).collect();
    assert_eq!(
        kinds,
        [("upstream_loss", "upstream:65020"), ("outage", "internal"), ("prefix_outage", "internal"), ("prefix_outage", "internal")]
    );
    let outage = &rows[1];
    assert_eq!(outage["sources"], "BGP; traceroutes; DNS", "BGP, traceroutes and DNS agree");
    assert_eq!(outage["upstreams_lost"], "AS65020; AS65030");
    assert_eq!(rows[0]["upstreams_lost"], "AS65020");
    assert_eq!(rows[0]["sources"], "BGP");
    for flap in &rows[2..] {
        assert_eq!(flap["dark_prefixes"], "198.18.12.0/23");
        assert_eq!(flap["dark_addresses"], "198.18.12.10");
    }
    let svg = std::fs::read_to_string(out.join(&outage["timeline"])).unwrap();
    let texts = xml_texts(&svg).unwrap();
    let panels = panel_signals(&texts);
    assert_eq!(panels.len(), outage["signals"].split("; ").count(), "{panels:?}");
    for s in ["bgp_visibility_v4", "bgp_upstream_split", "trace_reach", "dns_answered", "dns_failures"] {
        assert!(panels.iter().any(|p| p == s), "no {s} panel: {panels:?}");
    }
    assert!(texts.iter().any(|t| t == "04:10"), "10-second bins over minutes: ticks on round minutes: {texts:?}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("### T#2: outage, internal")
            && md.contains("3 of the 3 data sources with data for this entity agree: BGP, traceroutes, DNS"),
        "{md}"
    );
    assert_eq!(md.matches("\n### T#").count(), 4, "nothing else");
}
