//! Markdown rendering of the report's [`Block`]s: `report.md`.
//!
//! In: blocks. Out: GitHub-flavoured Markdown: an `<a id>` before each heading (so the links of
//! the report work on any renderer), pipe tables with numeric columns right-aligned, figures
//! as image links to the SVG files with their caption. Text is escaped where Markdown would
//! read it as markup.

use super::doc::{Block, Inline, Rich};

/// Escapes what Markdown would read as markup; an underscore inside a word (`bgp_visibility`)
/// and a `#` that does not start the text are left as they are, so the source stays readable.
fn escape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let word = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(|c| c.is_alphanumeric());
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let markup = match c {
            '\\' | '*' | '`' | '[' | ']' | '<' | '>' | '|' | '&' => true,
            '_' => !(word(i.checked_sub(1)) && word(Some(i + 1))),
            '#' => i == 0,
            _ => false,
        };
        if markup {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

fn code(s: &str) -> String {
    // Cells cannot hold a pipe even in code; a backtick inside needs a longer fence.
    let s = s.replace('|', "\\|").replace('\n', " ");
    if s.contains('`') { format!("`` {s} ``") } else { format!("`{s}`") }
}

pub fn rich(r: &Rich) -> String {
    r.iter()
        .map(|i| match i {
            Inline::Text(t) => escape(t),
            Inline::Code(t) => code(t),
            Inline::Strong(t) => format!("**{}**", escape(t)),
            Inline::Link { text, target } => format!("[{}]({target})", escape(text)),
        })
        .collect()
}

/// The document as Markdown.
pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading { level, text, id } => {
                out.push_str(&format!("<a id=\"{id}\"></a>\n\n{} {}\n\n", "#".repeat(*level as usize), escape(text)));
            }
            Block::Para(r) => out.push_str(&format!("{}\n\n", rich(r))),
            Block::Bullets(items) => {
                for i in items {
                    out.push_str(&format!("- {}\n", rich(i)));
                }
                out.push('\n');
            }
            Block::Table { header, numeric, rows } => {
                out.push_str(&format!("| {} |\n", header.iter().map(|h| escape(h)).collect::<Vec<_>>().join(" | ")));
                let rule: Vec<&str> = numeric.iter().map(|n| if *n { "---:" } else { "---" }).collect();
                out.push_str(&format!("| {} |\n", rule.join(" | ")));
                for r in rows {
                    out.push_str(&format!("| {} |\n", r.iter().map(rich).collect::<Vec<_>>().join(" | ")));
                }
                out.push('\n');
            }
            Block::Figure { file, caption, .. } => {
                out.push_str(&format!("![Timeline: {}]({file})\n\n*{}*\n\n", escape(file), escape(caption)));
            }
        }
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::text;

    fn doc() -> Vec<Block> {
        vec![
            Block::heading(2, "#1 <b>", "x-1"),
            Block::Para(vec![Inline::Text("a|b *c* bgp_visibility_v4 _x_ & ".into()), Inline::Code("q`|r".into())]),
            Block::table(&["name", "n"], &["n"], vec![vec![text("a|b"), text("1")]]),
        ]
    }

    #[test]
    fn markdown_escapes_markup_but_keeps_words_readable() {
        let md = render(&doc());
        assert!(md.contains("<a id=\"x-1\"></a>\n\n## \\#1 \\<b\\>"), "{md}");
        assert!(md.contains("a\\|b \\*c\\* bgp_visibility_v4 \\_x\\_ \\& `` q`\\|r ``"), "{md}");
        assert!(md.contains("| name | n |\n| --- | ---: |\n| a\\|b | 1 |"), "{md}");
    }
}
