//! The geometry of the deadlines-per-week chart: one bar per week, scaled
//! to the busiest week, with its count and its Monday as labels. The
//! template draws it as inline SVG with presentation attributes only (the
//! Content-Security-Policy allows no inline styles).

use chrono::Datelike;
use garita_app::ops::dashboard::WeekCount;
use garita_engine::user::Language;
use serde::Serialize;

/// The drawing's width and height (SVG user units).
pub const WIDTH: u32 = 720;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 220;
const LEFT: u32 = 16;
const TOP: u32 = 24;
const BOTTOM: u32 = 36;
const GAP: u32 = 12;

/// One bar, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height (0 for an empty week: only its label shows).
    pub height: u32,
    /// Centre, for the labels.
    pub middle: u32,
    /// Deadlines that week.
    pub count: u64,
    /// Its Monday, short (`7 dic`, `Dec 7`).
    pub label: String,
    /// Its Monday, long, for the bar's tooltip.
    pub title: String,
}

/// The whole chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chart {
    /// Width of the drawing.
    pub width: u32,
    /// Height of the drawing.
    pub height: u32,
    /// The baseline's y.
    pub baseline: u32,
    /// One per week.
    pub bars: Vec<Bar>,
}

/// The chart of `weeks` with labels in `language`.
pub fn chart(weeks: &[WeekCount], language: Language) -> Chart {
    let baseline = HEIGHT - BOTTOM;
    let plot = baseline - TOP;
    let n = u32::try_from(weeks.len().max(1)).unwrap_or(1);
    let width = (WIDTH - 2 * LEFT - GAP * (n - 1)) / n;
    let most = weeks.iter().map(|w| w.deadlines).max().unwrap_or(0).max(1);
    let months = super::texts::months(language);
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(i, week)| {
            let i = u32::try_from(i).unwrap_or(0);
            let height = u32::try_from(u64::from(plot) * week.deadlines / most).unwrap_or(plot);
            let x = LEFT + i * (width + GAP);
            let month = months[week.starts_on.month0() as usize];
            let label = match language {
                Language::Es => format!("{} {month}", week.starts_on.day()),
                Language::En => format!("{month} {}", week.starts_on.day()),
            };
            Bar {
                x,
                y: baseline - height,
                width,
                height,
                middle: x + width / 2,
                count: week.deadlines,
                title: format!(
                    "{} {}: {}",
                    super::texts::text(language, "chart_week_of"),
                    super::texts::day(language, week.starts_on),
                    week.deadlines
                ),
                label,
            }
        })
        .collect();
    Chart {
        width: WIDTH,
        height: HEIGHT,
        baseline,
        bars,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn the_busiest_week_fills_the_plot_and_an_empty_one_is_flat() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let weeks: Vec<WeekCount> = [4, 0, 2]
            .into_iter()
            .enumerate()
            .map(|(i, deadlines)| WeekCount {
                starts_on: monday + chrono::Duration::weeks(i as i64),
                deadlines,
            })
            .collect();
        let drawn = chart(&weeks, Language::Es);
        let heights: Vec<u32> = drawn.bars.iter().map(|b| b.height).collect();
        let plot = HEIGHT - BOTTOM - TOP;
        assert_eq!(heights, [plot, 0, plot / 2]);
        assert_eq!(drawn.bars[0].y, TOP);
        assert_eq!(drawn.bars[1].label, "7 dic");
        assert!(drawn.bars.iter().all(|b| b.x + b.width <= WIDTH));
        assert_eq!(chart(&weeks, Language::En).bars[1].label, "Dec 7");
    }
}
