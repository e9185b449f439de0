//! The README documents every column of every table (a schema change must update it).

use lightsout::formats::Table;

#[test]
fn every_column_of_every_table_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut missing = Vec::new();
    for t in Table::ALL {
        let Some(start) = readme.find(&format!("### `{}`", t.name())) else {
            missing.push(format!("section for {}", t.name()));
            continue;
        };
        let section = &readme[start..];
        let end = section[4..].find("\n### ").map(|i| i + 4).unwrap_or(section.len());
        let section = &section[..end];
        for f in t.schema().fields() {
            if !section.contains(&format!("`{}`", f.name())) {
                missing.push(format!("{}.{}", t.name(), f.name()));
            }
        }
    }
    assert!(missing.is_empty(), "not documented in README.md: {missing:?}");
}
