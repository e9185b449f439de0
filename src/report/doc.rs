//! The report as a document: a list of blocks that both `report.md` and `report.html` are
//! rendered from, so that the two always say the same thing.
//!
//! In: what [`super::content`] builds. Out: the same blocks, which [`super::markdown`] and
//! [`super::html`] render; each renderer escapes text for its format, the builders never do.

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
