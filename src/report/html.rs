//! HTML rendering of the report's [`Block`]s: `report.html`, one self-contained page.
//!
//! In: blocks. Out: an HTML5 page with inline CSS and each timeline's SVG inline; no scripts
//! and nothing loaded from elsewhere (links point at anchors of the page or at files beside
//! it). Every text is escaped.

use super::doc::{Block, Inline, Rich};

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
    fn html_escapes_text_and_right_aligns_numbers() {
        let html = render("t & <t>", &doc());
        assert!(html.contains("<title>t &amp; &lt;t&gt;</title>"));
        assert!(html.contains("<h2 id=\"x-1\">#1 &lt;b&gt;</h2>"));
        assert!(html.contains("<code>q`|r</code>") && html.contains("<td class=\"n\">1</td>"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<link"));
    }
}
