//! The report as a document: a list of blocks that both `report.md` and `report.html` are
//! rendered from, so that the two always say the same thing.
//!
//! In: what [`super::content`] builds. Out: Markdown ([`markdown`]) or HTML ([`html`]) text.
//! Text is escaped for each format here, never by the builders.

/// A piece of running text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
    /// A link to an anchor of the report (`#event-T-2`) or a file next to it.
    Link {
        text: String,
        target: String,
    },
}

/// Text of one or more inlines.
pub type Rich = Vec<Inline>;

/// Plain text as [`Rich`].
pub fn text(s: impl Into<String>) -> Rich {
    vec![Inline::Text(s.into())]
}

/// A labelled line: **label:** text.
pub fn labelled(label: &str, rest: impl Into<String>) -> Rich {
    vec![Inline::Strong(format!("{label}:")), Inline::Text(format!(" {}", rest.into()))]
}

/// A block of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading with the anchor other parts link to.
    Heading {
        level: u8,
        text: String,
        id: String,
    },
    Para(Rich),
    Bullets(Vec<Rich>),
    /// A table; `numeric` columns are right-aligned.
    Table {
        header: Vec<String>,
        numeric: Vec<bool>,
        rows: Vec<Vec<Rich>>,
    },
    /// A timeline: the SVG file's name (Markdown links it), its text (HTML embeds it).
    Figure {
        file: String,
        svg: String,
        caption: String,
    },
}

impl Block {
    pub fn heading(level: u8, text: impl Into<String>, id: impl Into<String>) -> Block {
        Block::Heading { level, text: text.into(), id: id.into() }
    }

    /// A table of plain-text cells; columns whose header is in `numeric` are right-aligned.
    pub fn table(header: &[&str], numeric: &[&str], rows: Vec<Vec<Rich>>) -> Block {
        Block::Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            numeric: header.iter().map(|h| numeric.contains(h)).collect(),
            rows,
        }
    }
}

/// Markdown rendering.
pub mod markdown {
    use super::{Block, Inline, Rich};

    /// Escapes what Markdown would read as markup; an underscore inside a word (`bgp_visibility`)
    /// and a `#` that does not start the text are left as they are, so the source stays readable.
    fn escape(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let word = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(|c| c.is_alphanumeric());
        let mut out = String::with_capacity(s.len());
        for (i, &c) in chars.iter().enumerate() {
            let markup = match c {
                '\\' | '*' | '`' | '[' | ']' | '<' | '>' | '|' => true,
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
}

/// HTML rendering: one self-contained page (inline CSS, SVGs inline, no scripts).
pub mod html {
    use super::{Block, Inline, Rich};

    pub fn escape(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }

    fn rich(r: &Rich) -> String {
        r.iter()
            .map(|i| match i {
                Inline::Text(t) => escape(t),
                Inline::Code(t) => format!("<code>{}</code>", escape(t)),
                Inline::Strong(t) => format!("<strong>{}</strong>", escape(t)),
                Inline::Link { text, target } => format!("<a href=\"{}\">{}</a>", escape(target), escape(text)),
            })
            .collect()
    }

    const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1b1b1b;\
background:#fff;margin:0;line-height:1.45}main{max-width:1060px;margin:0 auto;padding:1.5em 1.2em 4em}\
h1{font-size:1.8em;border-bottom:2px solid #1f77b4;padding-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd}\
h3{margin-top:1.6em}table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}\
th,td{border:1px solid #d5d5d5;padding:.25em .55em;vertical-align:top;text-align:left}th{background:#f1f4f8}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr:nth-child(even) td{background:#fafafa}\
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;background:#f3f3f3;padding:0 .2em}\
figure{margin:1em 0}figure svg{max-width:100%;height:auto;border:1px solid #e3e3e3}\
figcaption{font-size:.85em;color:#555}td code{word-break:break-all}ul{padding-left:1.4em}a{color:#1f5f9f}";

    /// The document as an HTML page titled `title`.
    pub fn render(title: &str, blocks: &[Block]) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
            escape(title)
        );
        for b in blocks {
            match b {
                Block::Heading { level, text, id } => out.push_str(&format!("<h{level} id=\"{id}\">{}</h{level}>\n", escape(text))),
                Block::Para(r) => out.push_str(&format!("<p>{}</p>\n", rich(r))),
                Block::Bullets(items) => {
                    out.push_str("<ul>\n");
                    for i in items {
                        out.push_str(&format!("<li>{}</li>\n", rich(i)));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table { header, numeric, rows } => {
                    let class = |i: usize| if numeric.get(i).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
                    out.push_str("<table>\n<thead><tr>");
                    for (i, h) in header.iter().enumerate() {
                        out.push_str(&format!("<th{}>{}</th>", class(i), escape(h)));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for (i, c) in r.iter().enumerate() {
                            out.push_str(&format!("<td{}>{}</td>", class(i), rich(c)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Figure { svg, caption, .. } => {
                    out.push_str(&format!("<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n", svg.trim(), escape(caption)));
                }
            }
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }
}
