//! Drawing an event's timeline as SVG with plotters.
//!
//! In: a [`Timeline`]. Out: SVG text: a header (event, verdict, time, and a key to the
//! shading and line styles), then one panel per signal stacked vertically on a shared UTC time
//! axis (labelled under the last panel). Each panel has its title and unit, the value of each
//! series as a solid step line (one colour per series), its baseline dashed in the same
//! colour, the warning (orange) and critical (red) levels in short dashes, the event's windows
//! shaded (orange: warning, red: critical), the event's span tinted blue and other events of
//! the entity grey; the legend sits to the right of the plot. Sparse series (measurements
//! every few bins) get a dot per measured bin and lines across the empty bins between them.

use super::time_axis::UtcAxis;
use super::timeline::{Panel, Shade, Step, Timeline};
use super::words;
use plotters::coord::Shift;
use plotters::prelude::*;

const WIDTH: u32 = 1000;
const HEADER: u32 = 64;
const PANEL: u32 = 150;
const AXIS: u32 = 46;
const LEGEND: u32 = 230;
const FONT: &str = "sans-serif";

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(127, 127, 127),
];
const WARNING: RGBColor = RGBColor(255, 127, 14);
const CRITICAL: RGBColor = RGBColor(214, 39, 40);
const EVENT: RGBAColor = RGBAColor(31, 119, 180, 0.07);
const GRID: RGBColor = RGBColor(225, 225, 225);

fn shade_color(s: Shade) -> RGBAColor {
    match s {
        Shade::Other => RGBAColor(110, 110, 110, 0.16),
        Shade::Warning => RGBAColor(255, 127, 14, 0.20),
        Shade::Critical => RGBAColor(214, 39, 40, 0.17),
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Failure = Box<dyn std::error::Error>;

/// Runs of bins to join into one polyline: bins with a value, joined across gaps up to twice
/// the usual spacing of the series. Returns the runs and whether the series is sparse.
fn runs(steps: &[Step]) -> (Vec<Vec<(i64, f64)>>, bool) {
    let known: Vec<(i64, i64, f64)> = steps.iter().filter_map(|(a, b, v)| v.map(|v| (*a, *b, v))).collect();
    let mut gaps: Vec<i64> = known.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_unstable();
    let bin = steps.first().map(|(a, b, _)| b - a).unwrap_or(1).max(1);
    let usual = gaps.get(gaps.len() / 2).copied().unwrap_or(bin);
    let mut out: Vec<Vec<(i64, f64)>> = Vec::new();
    let mut last_start = i64::MIN;
    for (a, b, v) in known {
        let (p, q) = ((a.div_euclid(1_000_000), v), (b.div_euclid(1_000_000), v));
        match out.last_mut() {
            Some(run) if a.saturating_sub(last_start) <= 2 * usual => run.extend([p, q]),
            _ => out.push(vec![p, q]),
        }
        last_start = a;
    }
    (out, usual > bin)
}

/// Shades of one kind merged where they overlap or touch, so overlaps do not look darker.
fn merged(shades: &[(i64, i64, Shade)]) -> Vec<(i64, i64, Shade)> {
    let mut sorted = shades.to_vec();
    sorted.sort_by_key(|(a, b, s)| (*s, *a, *b));
    let mut out: Vec<(i64, i64, Shade)> = Vec::new();
    for (a, b, s) in sorted {
        match out.last_mut() {
            Some(last) if last.2 == s && a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b, s)),
        }
    }
    out
}

fn y_max(p: &Panel) -> f64 {
    let vals = p.lines.iter().flat_map(|l| l.values.iter().chain(&l.baseline)).chain(p.levels.iter().flat_map(|l| &l.steps));
    let m = vals.filter_map(|s| s.2).filter(|v| v.is_finite()).fold(0.0f64, f64::max);
    if p.share { 1.0f64.max(m) * 1.08 } else { (m * 1.15).max(1.0) }
}

fn draw_panel(area: &Area, p: &Panel, axis: UtcAxis, tl: &Timeline, last: bool) -> Result<(), Failure> {
    let (plot, legend) = area.split_horizontally(WIDTH - LEGEND);
    let title = if p.more > 0 { format!("{}: {} more series not drawn", p.title, p.more) } else { p.title.clone() };
    plot.draw(&Text::new(title, (74, 6), (FONT, 14).into_font().style(FontStyle::Bold)))?;
    let ymax = y_max(p);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(26)
        .margin_right(14)
        .margin_bottom(4)
        .x_label_area_size(if last { AXIS } else { 0 })
        .y_label_area_size(64)
        .build_cartesian_2d(axis, 0f64..ymax)?;
    let share = p.share;
    chart
        .configure_mesh()
        .x_labels(30)
        .y_labels(5)
        .x_label_formatter(&|t| axis.label(*t))
        .y_label_formatter(&|v| if share { words::percent(*v) } else { words::number(*v) })
        .x_desc(if last { axis.description() } else { String::new() })
        .y_desc(p.unit)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 12))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    let (from, to) = (axis.from, axis.to);
    let secs = |us: i64| (us / 1_000_000).clamp(from, to);
    let (ev0, ev1) = (secs(tl.event.0), secs(tl.event.1));
    chart.draw_series(std::iter::once(Rectangle::new([(ev0, 0.0), (ev1, ymax)], EVENT.filled())))?;
    chart.draw_series(
        merged(&p.shades).into_iter().map(|(a, b, s)| Rectangle::new([(secs(a), 0.0), (secs(b), ymax)], shade_color(s).filled())),
    )?;
    for lv in &p.levels {
        let color = if lv.critical { CRITICAL } else { WARNING };
        for run in runs(&lv.steps).0 {
            chart.draw_series(DashedLineSeries::new(run, 4, 3, color.stroke_width(1)))?;
        }
    }
    for (i, line) in p.lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        for run in runs(&line.baseline).0 {
            chart.draw_series(DashedLineSeries::new(run, 8, 5, color.mix(0.8).stroke_width(1)))?;
        }
        let (value_runs, sparse) = runs(&line.values);
        for run in value_runs {
            chart.draw_series(LineSeries::new(run, color.stroke_width(2)))?;
        }
        if sparse {
            let dots = line.values.iter().filter_map(|(a, b, v)| v.map(|v| ((a + b) / 2_000_000, v)));
            chart.draw_series(dots.map(|c| Circle::new(c, 2, color.filled())))?;
        }
    }
    draw_legend(&legend, p)
}

fn draw_legend(area: &Area, p: &Panel) -> Result<(), Failure> {
    let font = (FONT, 12).into_font();
    let mut y = 34;
    let mut sample = |label: String, color: RGBColor, dash: Option<(i32, i32)>, width: u32| -> Result<(), Failure> {
        match dash {
            None => area.draw(&PathElement::new(vec![(6, y), (30, y)], color.stroke_width(width)))?,
            Some((on, off)) => {
                let mut x = 6;
                while x < 30 {
                    area.draw(&PathElement::new(vec![(x, y), ((x + on).min(30), y)], color.stroke_width(width)))?;
                    x += on + off;
                }
            }
        }
        area.draw(&Text::new(label, (36, y - 7), font.clone()))?;
        y += 17;
        Ok(())
    };
    for (i, line) in p.lines.iter().enumerate() {
        sample(line.label.clone(), PALETTE[i % PALETTE.len()], None, 2)?;
    }
    let base = if p.lines.len() == 1 { PALETTE[0] } else { RGBColor(90, 90, 90) };
    sample("baseline (median)".into(), base, Some((8, 5)), 1)?;
    if p.levels.iter().any(|l| !l.critical) {
        sample("warning level".into(), WARNING, Some((4, 3)), 1)?;
    }
    if p.levels.iter().any(|l| l.critical) {
        sample("critical level".into(), CRITICAL, Some((4, 3)), 1)?;
    }
    for line in wrap(&p.rule, 34) {
        area.draw(&Text::new(line, (6, y - 7), (FONT, 11).into_font().color(&RGBColor(80, 80, 80))))?;
        y += 14;
    }
    Ok(())
}

/// Words of `s` in lines of at most about `width` characters.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in s.split(' ') {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.len() + word.len() >= width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// Height of a panel: enough for its legend.
fn panel_height(p: &Panel) -> u32 {
    let kinds = [false, true].iter().filter(|c| p.levels.iter().any(|l| l.critical == **c)).count();
    let entries = (p.lines.len() + 1 + kinds) as u32;
    PANEL.max(34 + 17 * entries + 14 * wrap(&p.rule, 34).len() as u32)
}

fn draw_header(area: &Area, tl: &Timeline) -> Result<(), Failure> {
    area.draw(&Text::new(tl.title.clone(), (12, 8), (FONT, 17).into_font().style(FontStyle::Bold)))?;
    area.draw(&Text::new(tl.subtitle.clone(), (12, 30), (FONT, 13).into_font()))?;
    let font = (FONT, 12).into_font();
    let mut x = 12;
    let key: [(&str, RGBAColor); 4] = [
        ("event", EVENT),
        ("critical window", shade_color(Shade::Critical)),
        ("warning window", shade_color(Shade::Warning)),
        ("other event", shade_color(Shade::Other)),
    ];
    for (label, color) in key {
        area.draw(&Rectangle::new([(x, 47), (x + 16, 59)], color.filled()))?;
        area.draw(&Rectangle::new([(x, 47), (x + 16, 59)], RGBColor(170, 170, 170).stroke_width(1)))?;
        area.draw(&Text::new(label, (x + 21, 47), font.clone()))?;
        x += 30 + 7 * label.len() as i32;
    }
    area.draw(&Text::new("solid: value; long dashes: baseline; short dashes: levels", (x + 12, 47), font))?;
    Ok(())
}

/// Draws `tl` as SVG text.
pub fn svg(tl: &Timeline) -> Result<String, Failure> {
    let height = HEADER + tl.panels.iter().map(panel_height).sum::<u32>() + AXIS;
    let axis = UtcAxis::new(tl.from_us.div_euclid(1_000_000), tl.to_us.div_euclid(1_000_000), 9);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (header, mut rest) = root.split_vertically(HEADER);
        draw_header(&header, tl)?;
        for (i, p) in tl.panels.iter().enumerate() {
            let last = i + 1 == tl.panels.len();
            let h = panel_height(p);
            let (area, below) = rest.split_vertically(if last { h + AXIS } else { h });
            draw_panel(&area, p, axis, tl, last)?;
            rest = below;
        }
        root.present()?;
    }
    Ok(out)
}
