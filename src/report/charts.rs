//! The reports' charts, drawn with plotters into SVG. Each chart is a small self-contained
//! SVG (no fonts, images or scripts) with a `<title>` and a `<desc>` text alternative, sized to
//! its container. A chart with nothing to show is not drawn: the report says so in a sentence.

use plotters::chart::MeshStyle;
use plotters::prelude::*;
use serde::Serialize;

use super::data::{BacktestTier, CsmRow, Funnel, Month, Trend};
use super::format::{money_short, month_label, number, percent};
use crate::vocab::Tier;

/// A rendered chart and what a reader without the picture needs.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// File name stem: `charts/<id>.svg` next to the Markdown reports.
    pub id: String,
    pub title: String,
    /// A text alternative that states what the chart shows.
    pub alt: String,
    pub svg: String,
}

impl Chart {
    pub fn file(&self) -> String {
        format!("charts/{}.svg", self.id)
    }
}

const INK: RGBColor = RGBColor(55, 65, 81);
const GRID: RGBColor = RGBColor(229, 231, 235);
pub const BLUE: RGBColor = RGBColor(37, 99, 235);
pub const GREEN: RGBColor = RGBColor(22, 163, 74);
const VIOLET: RGBColor = RGBColor(124, 58, 237);
const TEAL: RGBColor = RGBColor(13, 148, 136);
const GRAY: RGBColor = RGBColor(156, 163, 175);
const AMBER: RGBColor = RGBColor(217, 119, 6);
const LIGHT_GRAY: RGBColor = RGBColor(209, 213, 219);
const TIER_COLORS: [RGBColor; 4] =
    [RGBColor(21, 128, 61), RGBColor(101, 163, 13), RGBColor(202, 138, 4), RGBColor(220, 38, 38)];

/// Full-width charts.
const WIDTH: u32 = 760;
const HEIGHT: u32 = 320;
/// Charts that share a row with another on wide screens.
const HALF_WIDTH: u32 = 520;
/// Height of the legend strip above a chart's plot.
const LEGEND: u32 = 30;

/// What a legend entry shows next to its label.
#[derive(Clone, Copy)]
enum Key {
    Box(RGBColor),
    Line(RGBColor),
}

/// A legend as a strip of entries above the plot, so it never covers data; returns the area
/// left for the plot.
fn with_legend<'a>(
    root: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    entries: &[(&str, Key)],
) -> Result<DrawingArea<SVGBackend<'a>, plotters::coord::Shift>, Box<dyn std::error::Error>> {
    let (strip, plot) = root.split_vertically(LEGEND);
    let mut x = 16i32;
    let y = (LEGEND / 2) as i32 + 2;
    for (label, key) in entries {
        match key {
            Key::Box(color) => strip.draw(&Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()))?,
            Key::Line(color) => {
                strip.draw(&PathElement::new([(x, y), (x + 14, y)], color.stroke_width(3)))?
            }
        }
        let style = font(13).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        strip.draw(&Text::new(label.to_string(), (x + 20, y), style))?;
        x += 20 + (label.chars().count() as i32) * 7 + 22;
    }
    Ok(plot)
}

/// Which way a chart's values run: the grid draws only the lines that read them.
enum Values {
    Up,
    Across,
}

/// The house grid: light lines across the values only, no minor lines, gray axes.
fn house_grid<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    values: Values,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    match values {
        Values::Up => mesh.disable_x_mesh(),
        Values::Across => mesh.disable_y_mesh(),
    }
    .max_light_lines(0)
    .bold_line_style(GRID)
    .axis_style(GRAY)
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

/// Draws with `draw` onto an SVG of the given size and adds accessibility and responsive
/// sizing. Errors from plotters (which only fail on impossible geometry) leave no chart.
fn render(
    id: &str,
    title: &str,
    alt: String,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), Box<dyn std::error::Error>>,
) -> Option<Chart> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).ok()?;
        draw(&root).ok()?;
        root.present().ok()?;
    }
    let head = format!(
        "<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" width=\"100%\" viewBox=\"0 0 {} {}\" \
         preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"{id}-title\">{}</title>\n\
         <desc id=\"{id}-desc\">{}</desc>",
        size.0,
        size.1,
        escape(title),
        escape(&alt)
    );
    let body = svg.split_once('>').map(|(_, rest)| rest).unwrap_or("");
    Some(Chart { id: id.to_string(), title: title.to_string(), alt, svg: format!("{head}{body}") })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Short month labels for an x axis: `Nov`, and the year on January and on the first month.
fn axis_months(months: &[Month]) -> Vec<String> {
    axis_labels(&months.iter().map(|m| m.month.as_str()).collect::<Vec<_>>())
}

/// [`axis_months`] for `YYYY-MM` strings.
fn axis_labels(months: &[&str]) -> Vec<String> {
    months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let label = month_label(m, false);
            let (name, year) = label.split_once(' ').unwrap_or((&label, ""));
            if i == 0 || name == "Jan" {
                format!("{name} {}", &year[year.len().saturating_sub(2)..])
            } else {
                name.to_string()
            }
        })
        .collect()
}

/// A "nice" upper bound for an axis that starts at zero, with at least 5% headroom.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let wanted = max * 1.05;
    let magnitude = 10f64.powf(wanted.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|bound| *bound >= wanted)
        .unwrap_or(10.0 * magnitude)
}

/// The bars of a grouped bar chart: `series` values per category, drawn side by side.
fn grouped_bars(values: &[Vec<f64>], colors: &[RGBColor], horizontal: bool) -> Vec<Rectangle<(f64, f64)>> {
    let groups = values.len() as f64;
    let width = 0.76 / groups;
    let mut bars = Vec::new();
    for (series, (column, color)) in values.iter().zip(colors).enumerate() {
        for (i, value) in column.iter().enumerate() {
            let start = i as f64 - 0.38 + width * series as f64;
            let (a, b) = ((start + 0.02, 0.0), (start + width - 0.02, *value));
            let corners = if horizontal { [(a.1, a.0), (b.1, b.0)] } else { [a, b] };
            bars.push(Rectangle::new(corners, color.filled()));
        }
    }
    bars
}

/// A category label for an axis position (empty between categories).
fn category(labels: &[String], x: f64) -> String {
    if (x - x.round()).abs() > 1e-6 || x < -1e-6 {
        return String::new();
    }
    labels.get(x.round() as usize).cloned().unwrap_or_default()
}

/// Won revenue influenced by advocates and sourced by referrals, month by month.
pub fn revenue_by_month(months: &[Month], currency: &str) -> Option<Chart> {
    if months.iter().all(|m| m.influenced_amount == 0.0 && m.referral_amount == 0.0) {
        return None;
    }
    let labels = axis_months(months);
    let top = nice_max(months.iter().map(|m| m.influenced_amount.max(m.referral_amount)).fold(0.0, f64::max));
    let best = months.iter().max_by(|a, b| a.influenced_amount.total_cmp(&b.influenced_amount))?;
    let last = months.last()?;
    let alt = format!(
        "Grouped bars per month from {} to {}. Influenced won revenue peaks in {} at {}; in {} it is {} \
         influenced and {} referral-sourced.",
        month_label(&months[0].month, false),
        month_label(&last.month, false),
        month_label(&best.month, false),
        money_short(Some(best.influenced_amount), currency),
        month_label(&last.month, false),
        money_short(Some(last.influenced_amount), currency),
        money_short(Some(last.referral_amount), currency),
    );
    let currency = currency.to_string();
    render("revenue_by_month", "Influenced and referral revenue by month", alt, (WIDTH, HEIGHT), |root| {
        let plot =
            with_legend(root, &[("Influenced", Key::Box(BLUE)), ("Referral-sourced", Key::Box(GREEN))])?;
        let n = months.len() as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)?;
        house_grid(&mut chart.configure_mesh(), Values::Up)
            .x_labels(months.len())
            .x_label_formatter(&|x| category(&labels, *x))
            .y_labels(6)
            .y_label_formatter(&|y| money_short(Some(*y), &currency))
            .label_style(font(13))
            .draw()?;
        let values = vec![
            months.iter().map(|m| m.influenced_amount).collect(),
            months.iter().map(|m| m.referral_amount).collect(),
        ];
        chart.draw_series(grouped_bars(&values, &[BLUE, GREEN], false))?;
        Ok(())
    })
}

/// New CSQAs per month (bars) and active CSQAs at each month's end (line).
pub fn csqas_by_month(months: &[Month]) -> Option<Chart> {
    if months.iter().all(|m| m.new_csqas == 0 && m.active_csqas == 0) {
        return None;
    }
    let labels = axis_months(months);
    let top = nice_max(months.iter().map(|m| m.new_csqas.max(m.active_csqas) as f64).fold(0.0, f64::max));
    let last = months.last()?;
    let total_new: i64 = months.iter().map(|m| m.new_csqas).sum();
    let alt = format!(
        "{total_new} new CS Qualified Advocates over the {} months shown ({} in {}); active CSQAs went from {} at \
         the end of {} to {} at the end of {}.",
        months.len(),
        last.new_csqas,
        month_label(&last.month, false),
        months[0].active_csqas,
        month_label(&months[0].month, false),
        last.active_csqas,
        month_label(&last.month, false),
    );
    render("csqas_by_month", "New and active CSQAs by month", alt, (HALF_WIDTH, HEIGHT), |root| {
        let plot =
            with_legend(root, &[("New CSQAs", Key::Box(VIOLET)), ("Active at month end", Key::Line(TEAL))])?;
        let n = months.len() as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)?;
        house_grid(&mut chart.configure_mesh(), Values::Up)
            .x_labels(months.len())
            // Every other month, counting back from the latest so that it is always labelled.
            .x_label_formatter(&|x| {
                if (labels.len() as i64 - 1 - x.round() as i64) % 2 == 0 {
                    category(&labels, *x)
                } else {
                    String::new()
                }
            })
            .y_labels(6)
            .y_label_formatter(&|y| number(Some(*y), 0))
            .label_style(font(12))
            .draw()?;
        chart.draw_series(months.iter().enumerate().map(|(i, m)| {
            Rectangle::new(
                [(i as f64 - 0.3, 0.0), (i as f64 + 0.3, m.new_csqas as f64)],
                VIOLET.mix(0.85).filled(),
            )
        }))?;
        let line: Vec<(f64, f64)> =
            months.iter().enumerate().map(|(i, m)| (i as f64, m.active_csqas as f64)).collect();
        chart.draw_series(LineSeries::new(line.clone(), TEAL.stroke_width(3)))?;
        chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, TEAL.filled())))?;
        Ok(())
    })
}

/// Contacts per health tier on D, next to the previous month-end; champions on top.
pub fn health_tiers(tiers: &[(String, i64, i64)]) -> Option<Chart> {
    if tiers.iter().all(|(_, now, prev)| *now == 0 && *prev == 0) {
        return None;
    }
    let top = nice_max(tiers.iter().map(|(_, a, b)| (*a).max(*b) as f64).fold(0.0, f64::max));
    let alt = tiers
        .iter()
        .map(|(tier, now, prev)| format!("{}: {now} (previous month {prev})", tier.replace('_', " ")))
        .collect::<Vec<_>>()
        .join("; ");
    // Plot rows bottom-up, so the first tier (champion) is drawn last, at the top.
    let rows = Tier::ALL.len();
    let row_of = |i: usize| (rows - 1 - i) as f64;
    render(
        "health_tiers",
        "Advocate health tiers",
        format!("Contacts per health tier. {alt}."),
        (HALF_WIDTH, HEIGHT),
        |root| {
            let plot = with_legend(
                root,
                &[("On the as-of date", Key::Box(INK)), ("Previous month-end", Key::Box(LIGHT_GRAY))],
            )?;
            let mut chart = ChartBuilder::on(&plot)
                .margin(12)
                .x_label_area_size(28)
                .y_label_area_size(80)
                .build_cartesian_2d(0.0..top, -0.5..rows as f64 - 0.5)?;
            house_grid(&mut chart.configure_mesh(), Values::Across)
                .y_labels(rows)
                .y_label_formatter(&|y| {
                    if (y - y.round()).abs() > 1e-6 || *y < -1e-6 {
                        return String::new();
                    }
                    let i = rows - 1 - y.round() as usize;
                    Tier::ALL.get(i).map(|t| t.as_str().replace('_', " ")).unwrap_or_default()
                })
                .x_labels(5)
                .x_label_formatter(&|x| number(Some(*x), 0))
                .label_style(font(12))
                .draw()?;
            chart.draw_series(tiers.iter().enumerate().flat_map(|(i, (_, now, prev))| {
                let y = row_of(i);
                [
                    Rectangle::new([(0.0, y + 0.02), (*now as f64, y + 0.38)], TIER_COLORS[i].filled()),
                    Rectangle::new(
                        [(0.0, y - 0.36), (*prev as f64, y - 0.04)],
                        TIER_COLORS[i].mix(0.35).filled(),
                    ),
                ]
            }))?;
            Ok(())
        },
    )
}

/// Referral against other new-business deals: win rate with its 95% interval, and median days
/// to close.
pub fn referral_vs_other(referral: &Funnel, other: &Funnel) -> Option<Chart> {
    if referral.win_rate.is_none() && other.win_rate.is_none() {
        return None;
    }
    let alt = format!(
        "Win rate: referral {} (95% interval {} to {}), other {} ({} to {}). Median days to close: referral {}, \
         other {}.",
        percent(referral.win_rate, 0),
        percent(referral.win_rate_ci_low, 0),
        percent(referral.win_rate_ci_high, 0),
        percent(other.win_rate, 0),
        percent(other.win_rate_ci_low, 0),
        percent(other.win_rate_ci_high, 0),
        number(referral.median_cycle_days, 0),
        number(other.median_cycle_days, 0),
    );
    // Referral on top.
    let rows = [(1.0, referral, GREEN), (0.0, other, GRAY)];
    let side = |y: &f64| match y.round() as i64 {
        1 if (y - 1.0).abs() < 1e-6 => "Referral".to_string(),
        0 if y.abs() < 1e-6 => "Other".to_string(),
        _ => String::new(),
    };
    render("referral_vs_other", "Referral against other deals", alt, (WIDTH, 260), |root| {
        let (left, right) = root.split_horizontally(WIDTH / 2);
        let mut rates = ChartBuilder::on(&left)
            .margin(12)
            .caption("Win rate with 95% interval", font(14))
            .x_label_area_size(28)
            .y_label_area_size(76)
            .build_cartesian_2d(0.0..1.0, -0.6..1.6)?;
        house_grid(&mut rates.configure_mesh(), Values::Across)
            .y_labels(3)
            .y_label_formatter(&side)
            .x_labels(6)
            .x_label_formatter(&|x| percent(Some(*x), 0))
            .label_style(font(13))
            .draw()?;
        for (y, row, color) in &rows {
            if let (Some(low), Some(high)) = (row.win_rate_ci_low, row.win_rate_ci_high) {
                rates.draw_series([PathElement::new([(low, *y), (high, *y)], color.stroke_width(3))])?;
                for x in [low, high] {
                    rates.draw_series([PathElement::new(
                        [(x, y - 0.15), (x, y + 0.15)],
                        color.stroke_width(2),
                    )])?;
                }
            }
            if let Some(rate) = row.win_rate {
                rates.draw_series([Circle::new((rate, *y), 7, color.filled())])?;
            }
        }
        let top = nice_max(rows.iter().filter_map(|(_, r, _)| r.median_cycle_days).fold(0.0, f64::max));
        let mut cycle = ChartBuilder::on(&right)
            .margin(12)
            .caption("Median days to close, won deals", font(14))
            .x_label_area_size(28)
            .y_label_area_size(76)
            .build_cartesian_2d(0.0..top, -0.6..1.6)?;
        house_grid(&mut cycle.configure_mesh(), Values::Across)
            .y_labels(3)
            .y_label_formatter(&side)
            .x_labels(5)
            .x_label_formatter(&|x| number(Some(*x), 0))
            .label_style(font(13))
            .draw()?;
        cycle.draw_series(rows.iter().filter_map(|(y, row, color)| {
            row.median_cycle_days.map(|d| Rectangle::new([(0.0, y - 0.3), (d, y + 0.3)], color.filled()))
        }))?;
        Ok(())
    })
}

/// Webinar registrations and attendances per month, with NPS on a second axis. The NPS line
/// only joins consecutive months that both had responses.
pub fn program_reach(months: &[Month]) -> Option<Chart> {
    let has_webinars = months
        .iter()
        .any(|m| m.webinar_registrations.unwrap_or(0.0) + m.webinar_attendances.unwrap_or(0.0) > 0.0);
    let has_nps = months.iter().any(|m| m.nps.is_some());
    if !has_webinars && !has_nps {
        return None;
    }
    let labels = axis_months(months);
    let top = nice_max(
        months
            .iter()
            .map(|m| m.webinar_registrations.unwrap_or(0.0).max(m.webinar_attendances.unwrap_or(0.0)))
            .fold(0.0, f64::max),
    );
    let last = months.last()?;
    let alt = format!(
        "Webinar registrations and attendances per month, and NPS. In {}: {} registrations, {} attendances, NPS {}.",
        month_label(&last.month, false),
        number(last.webinar_registrations, 0),
        number(last.webinar_attendances, 0),
        number(last.nps, 0),
    );
    render("program_reach", "Program reach: webinars and NPS", alt, (WIDTH, HEIGHT), |root| {
        let plot = with_legend(
            root,
            &[
                ("Registrations", Key::Box(GRAY)),
                ("Attendances", Key::Box(BLUE)),
                ("NPS (right axis)", Key::Line(AMBER)),
            ],
        )?;
        let n = months.len() as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .right_y_label_area_size(52)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)?
            .set_secondary_coord(-0.5..n - 0.5, -100.0..100.0);
        house_grid(&mut chart.configure_mesh(), Values::Up)
            .x_labels(months.len())
            .x_label_formatter(&|x| category(&labels, *x))
            .y_labels(6)
            .y_desc("People")
            .y_label_formatter(&|y| number(Some(*y), 0))
            .label_style(font(13))
            .axis_desc_style(font(13))
            .draw()?;
        chart
            .configure_secondary_axes()
            .axis_style(GRAY)
            .y_labels(5)
            .y_desc("NPS")
            .y_label_formatter(&|y| number(Some(*y), 0))
            .label_style(font(13))
            .axis_desc_style(font(13))
            .draw()?;
        let values = vec![
            months.iter().map(|m| m.webinar_registrations.unwrap_or(0.0)).collect(),
            months.iter().map(|m| m.webinar_attendances.unwrap_or(0.0)).collect(),
        ];
        chart.draw_series(grouped_bars(&values, &[GRAY, BLUE], false))?;
        for pair in months.windows(2).enumerate() {
            let (i, [a, b]) = pair else { continue };
            if let (Some(ya), Some(yb)) = (a.nps, b.nps) {
                let segment = [(i as f64, ya), (i as f64 + 1.0, yb)];
                chart.draw_secondary_series(LineSeries::new(segment, AMBER.stroke_width(3)))?;
            }
        }
        chart.draw_secondary_series(
            months
                .iter()
                .enumerate()
                .filter_map(|(i, m)| m.nps.map(|v| Circle::new((i as f64, v), 4, AMBER.filled()))),
        )?;
        Ok(())
    })
}

/// New CSQAs (T12M) and active CSQAs per 10 accounts, per CSM in rank order: advocate
/// creation normalised by book size.
pub fn csm_comparison(rows: &[CsmRow]) -> Option<Chart> {
    let shown: Vec<&CsmRow> = rows.iter().filter(|r| r.accounts > 0).collect();
    if shown.is_empty() {
        return None;
    }
    let top = nice_max(
        shown
            .iter()
            .map(|r| {
                r.new_csqas_t12m_per_10_accounts.unwrap_or(0.0).max(r.csqas_per_10_accounts.unwrap_or(0.0))
            })
            .fold(0.0, f64::max),
    );
    let alt = shown
        .iter()
        .map(|r| {
            format!(
                "{}: {} new and {} active per 10 accounts",
                r.csm_name,
                number(r.new_csqas_t12m_per_10_accounts, 1),
                number(r.csqas_per_10_accounts, 1)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let height = LEGEND + 60 + 46 * shown.len() as u32;
    // Bottom-up rows: the best-ranked CSM is drawn last, at the top.
    let names: Vec<String> = shown.iter().rev().map(|r| r.csm_name.clone()).collect();
    render("csm_comparison", "CSQAs per 10 accounts, by CSM", format!("{alt}."), (WIDTH, height), |root| {
        let plot = with_legend(
            root,
            &[("New CSQAs, last 12 months", Key::Box(VIOLET)), ("Active CSQAs", Key::Box(TEAL))],
        )?;
        let n = shown.len() as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(140)
            .build_cartesian_2d(0.0..top, -0.5..n - 0.5)?;
        house_grid(&mut chart.configure_mesh(), Values::Across)
            .y_labels(shown.len())
            .y_label_formatter(&|y| category(&names, *y))
            .x_labels(6)
            .x_label_formatter(&|x| number(Some(*x), 0))
            .label_style(font(13))
            .draw()?;
        // Within a row the first series sits lower; active goes first so "new" reads on top.
        let values: Vec<Vec<f64>> = vec![
            shown.iter().rev().map(|r| r.csqas_per_10_accounts.unwrap_or(0.0)).collect(),
            shown.iter().rev().map(|r| r.new_csqas_t12m_per_10_accounts.unwrap_or(0.0)).collect(),
        ];
        chart.draw_series(grouped_bars(&values, &[TEAL, VIOLET], true))?;
        Ok(())
    })
}

/// The x axis of a trend chart: months as "Oct 2026", every one on up to 6 months, every
/// other one on up to 12, else every third, counting back from the latest (so that it is
/// always labelled).
fn trend_label(labels: &[String], x: f64) -> String {
    let every = match labels.len() {
        0..=6 => 1,
        7..=12 => 2,
        _ => 3,
    };
    if (labels.len() as i64 - 1 - x.round() as i64) % every == 0 {
        category(labels, x)
    } else {
        String::new()
    }
}

/// "from Nov 2024 (published history) to Oct 2026": what a trend chart spans.
fn trend_span(trends: &[Trend]) -> String {
    let (Some(first), Some(last)) = (trends.first(), trends.last()) else { return String::new() };
    format!("from {} to {}", month_label(&first.month, false), month_label(&last.month, false))
}

/// A trend chart's plot on `area`: one slot per month (labelled by [`trend_label`]), values
/// from 0 to `top` written by `y_format`, the house grid drawn.
fn trend_axes<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    labels: &[String],
    top: f64,
    y_area: u32,
    y_format: &dyn Fn(f64) -> String,
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    Box<dyn std::error::Error>,
> {
    let n = labels.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(y_area)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)?;
    house_grid(&mut chart.configure_mesh(), Values::Up)
        .x_labels(labels.len())
        .x_label_formatter(&|x| trend_label(labels, *x))
        .y_labels(6)
        .y_label_formatter(&|y| y_format(*y))
        .label_style(font(13))
        .draw()?;
    Ok(chart)
}

/// A line over the months where `value` is known, with a dot on each.
fn trend_line(
    id: &str,
    title: &str,
    alt: String,
    trends: &[Trend],
    value: impl Fn(&Trend) -> Option<f64>,
    top: f64,
    y_format: &dyn Fn(f64) -> String,
) -> Option<Chart> {
    let labels: Vec<String> = trends.iter().map(|t| month_label(&t.month, false)).collect();
    render(id, title, alt, (HALF_WIDTH, HEIGHT), |root| {
        // One series, named by the figure's caption: no legend.
        let mut chart = trend_axes(root, &labels, top, 56, y_format)?;
        // One line per run of known months: a month history lacks breaks the line.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, t) in trends.iter().enumerate() {
            match value(t) {
                Some(v) => runs.last_mut().expect("one run").push((i as f64, v)),
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            chart.draw_series(LineSeries::new(run.clone(), TEAL.stroke_width(3)))?;
            chart.draw_series(run.into_iter().map(|p| Circle::new(p, 3, TEAL.filled())))?;
        }
        Ok(())
    })
}

/// Active CSQAs at each month's end over the trend months.
pub fn trend_csqas(trends: &[Trend]) -> Option<Chart> {
    let known: Vec<(&Trend, i64)> = trends.iter().filter_map(|t| Some((t, t.active_csqas?))).collect();
    if known.iter().all(|(_, v)| *v == 0) {
        return None;
    }
    let (first, last) = (known.first()?, known.last()?);
    let alt = format!(
        "Active CS Qualified Advocates at each month end {}: {} at the end of {}, {} at the end of {}.",
        trend_span(trends),
        first.1,
        month_label(&first.0.month, false),
        last.1,
        month_label(&last.0.month, false)
    );
    let top = nice_max(known.iter().map(|(_, v)| *v as f64).fold(0.0, f64::max));
    trend_line(
        "trend_csqas",
        "Active CSQAs at month end",
        alt,
        trends,
        |t| t.active_csqas.map(|v| v as f64),
        top,
        &|y| number(Some(y), 0),
    )
}

/// The share of customer accounts with an active CSQA at each month's end.
pub fn trend_coverage(trends: &[Trend]) -> Option<Chart> {
    let known: Vec<(&Trend, f64)> = trends.iter().filter_map(|t| Some((t, t.coverage?))).collect();
    let (first, last) = (known.first()?, known.last()?);
    let alt = format!(
        "Share of customer accounts with an active CS Qualified Advocate {}: {} at the end of {}, {} at the end \
         of {}.",
        trend_span(trends),
        percent(Some(first.1), 0),
        month_label(&first.0.month, false),
        percent(Some(last.1), 0),
        month_label(&last.0.month, false)
    );
    let top = nice_max(known.iter().map(|(_, v)| *v).fold(0.0, f64::max)).min(1.0);
    trend_line("trend_coverage", "Accounts with an advocate", alt, trends, |t| t.coverage, top, &|y| {
        percent(Some(y), 0)
    })
}

/// Contacts per health tier at each month's end, stacked (champions on top).
pub fn trend_tiers(trends: &[Trend]) -> Option<Chart> {
    let known: Vec<(&Trend, [i64; 4])> = trends.iter().filter_map(|t| Some((t, t.tiers?))).collect();
    if known.iter().all(|(_, tiers)| tiers.iter().all(|v| *v == 0)) {
        return None;
    }
    let last = known.last()?;
    let alt = format!(
        "Contacts per health tier at each month end {}. At the end of {}: {}.",
        trend_span(trends),
        month_label(&last.0.month, false),
        Tier::ALL
            .iter()
            .zip(last.1)
            .map(|(tier, n)| format!("{} {n}", tier.as_str().replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let top = nice_max(known.iter().map(|(_, t)| t.iter().sum::<i64>() as f64).fold(0.0, f64::max));
    let labels: Vec<String> = trends.iter().map(|t| month_label(&t.month, false)).collect();
    let names: Vec<String> = Tier::ALL.iter().map(|t| t.as_str().replace('_', " ")).collect();
    render("trend_tiers", "Health tiers at month end", alt, (WIDTH, HEIGHT), |root| {
        let legend: Vec<(&str, Key)> =
            names.iter().zip(TIER_COLORS).map(|(name, color)| (name.as_str(), Key::Box(color))).collect();
        let plot = with_legend(root, &legend)?;
        let mut chart = trend_axes(&plot, &labels, top, 56, &|y| number(Some(y), 0))?;
        let mut bars = Vec::new();
        for (i, t) in trends.iter().enumerate() {
            let Some(tiers) = t.tiers else { continue };
            // At risk at the bottom, champions on top.
            let mut base = 0.0;
            for tier in (0..4).rev() {
                let height = tiers[tier] as f64;
                let x = i as f64;
                bars.push(Rectangle::new(
                    [(x - 0.34, base), (x + 0.34, base + height)],
                    TIER_COLORS[tier].filled(),
                ));
                base += height;
            }
        }
        chart.draw_series(bars)?;
        Ok(())
    })
}

/// Influenced won revenue per month, with its referral-sourced part drawn inside each bar
/// (referral deals are influenced deals, so the two are not added).
pub fn trend_revenue(trends: &[Trend], currency: &str) -> Option<Chart> {
    let known: Vec<(&Trend, f64, f64)> = trends
        .iter()
        .filter_map(|t| Some((t, t.influenced_amount?, t.referral_amount.unwrap_or(0.0))))
        .collect();
    if known.iter().all(|(_, a, b)| *a == 0.0 && *b == 0.0) {
        return None;
    }
    let total: f64 = known.iter().map(|(_, a, _)| a).sum();
    let referral: f64 = known.iter().map(|(_, _, b)| b).sum();
    let alt = format!(
        "Influenced won revenue by month {}: {} in all, of which {} referral-sourced.",
        trend_span(trends),
        money_short(Some(total), currency),
        money_short(Some(referral), currency)
    );
    let top = nice_max(known.iter().map(|(_, a, b)| a.max(*b)).fold(0.0, f64::max));
    let labels: Vec<String> = trends.iter().map(|t| month_label(&t.month, false)).collect();
    let currency = currency.to_string();
    render(
        "trend_revenue",
        "Influenced revenue and its referral-sourced part",
        alt,
        (WIDTH, HEIGHT),
        |root| {
            let plot = with_legend(
                root,
                &[("Influenced", Key::Box(BLUE)), ("of which referral-sourced", Key::Box(GREEN))],
            )?;
            let mut chart = trend_axes(&plot, &labels, top, 64, &|y| money_short(Some(y), &currency))?;
            let mut bars = Vec::new();
            for (i, t) in trends.iter().enumerate() {
                let x = i as f64;
                if let Some(amount) = t.influenced_amount {
                    bars.push(Rectangle::new([(x - 0.36, 0.0), (x + 0.36, amount)], BLUE.filled()));
                }
                if let Some(amount) = t.referral_amount.filter(|a| *a > 0.0) {
                    bars.push(Rectangle::new([(x - 0.2, 0.0), (x + 0.2, amount)], GREEN.filled()));
                }
            }
            chart.draw_series(bars)?;
            Ok(())
        },
    )
}

/// A CSM's active CSQAs over the months history holds, as a small inline line (no axes; the
/// first and last values are written beside it by the report).
pub fn sparkline(values: &[Option<i64>]) -> Option<String> {
    let known: Vec<(usize, i64)> = values.iter().enumerate().filter_map(|(i, v)| Some((i, (*v)?))).collect();
    if known.len() < 2 {
        return None;
    }
    let (w, h) = (120.0, 28.0);
    let max = known.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let step = w / (values.len().max(2) - 1) as f64;
    let points: Vec<String> = known
        .iter()
        .map(|(i, v)| format!("{:.1},{:.1}", *i as f64 * step, h - 2.0 - (*v as f64 / max) * (h - 4.0)))
        .collect();
    Some(format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" aria-hidden=\"true\"><polyline \
         fill=\"none\" stroke=\"#0d9488\" stroke-width=\"2\" points=\"{}\"/></svg>",
        points.join(" ")
    ))
}

/// The rate at which units of each health tier went on to the outcome, with the rate and the
/// count written on each bar.
pub fn tier_rates(outcome: &str, title: &str, rows: &[BacktestTier]) -> Option<Chart> {
    let rows: Vec<&BacktestTier> = rows.iter().filter(|r| r.outcome == outcome).collect();
    if rows.iter().all(|r| r.units == 0) {
        return None;
    }
    let top = nice_max(rows.iter().filter_map(|r| r.rate).fold(0.0, f64::max)).min(1.0);
    let alt = rows
        .iter()
        .map(|r| {
            format!("{}: {} ({} of {})", r.tier.replace('_', " "), percent(r.rate, 0), r.positives, r.units)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let labels: Vec<String> = rows.iter().map(|r| r.tier.replace('_', " ")).collect();
    let id = format!("backtest_{outcome}");
    render(
        &id,
        title,
        format!("{title} by health tier at the month-end before: {alt}."),
        (HALF_WIDTH, HEIGHT),
        |root| {
            let n = rows.len() as f64;
            let mut chart = ChartBuilder::on(root)
                .margin(16)
                .x_label_area_size(30)
                .y_label_area_size(52)
                .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)?;
            house_grid(&mut chart.configure_mesh(), Values::Up)
                .x_labels(rows.len())
                .x_label_formatter(&|x| category(&labels, *x))
                .y_labels(5)
                .y_label_formatter(&|y| percent(Some(*y), 0))
                .label_style(font(13))
                .draw()?;
            chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
                let x = i as f64;
                Rectangle::new(
                    [(x - 0.3, 0.0), (x + 0.3, r.rate.unwrap_or(0.0))],
                    TIER_COLORS[i % 4].filled(),
                )
            }))?;
            chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
                let label = if r.units == 0 {
                    "none".to_string()
                } else {
                    format!("{} ({}/{})", percent(r.rate, 0), r.positives, r.units)
                };
                Text::new(label, (i as f64 - 0.3, r.rate.unwrap_or(0.0) + top * 0.04), font(12))
            }))?;
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up_to_nice_numbers() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 8.0);
        assert_eq!(nice_max(96_000.0), 120_000.0); // 100,800 with headroom
        assert_eq!(nice_max(9.9), 12.0);
        assert_eq!(nice_max(120_000.0), 150_000.0);
        assert_eq!(nice_max(520_000.0), 600_000.0);
        assert_eq!(nice_max(23.0), 25.0);
    }
}
