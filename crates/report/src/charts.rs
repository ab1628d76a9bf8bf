//! The report's charts, drawn by plotters into SVG text that the page embeds: no scripts, no
//! fonts to fetch, printable.

use plotters::prelude::*;
use recount_cube::Period;
use recount_detect::Trace;

/// A drawing error becomes a note in the page instead of a chart: a report with one chart
/// missing is better than no report.
fn finish(svg: String, result: Result<(), String>) -> String {
    match result {
        Ok(()) => svg,
        Err(message) => format!("<p class=\"chart-error\">chart not drawn: {message}</p>"),
    }
}

const BLUE: RGBColor = RGBColor(31, 90, 160);
const GREY: RGBColor = RGBColor(130, 130, 130);
const RED: RGBColor = RGBColor(190, 40, 40);
const BAND: RGBColor = RGBColor(200, 215, 235);

/// One force's value with its interval, for a chart with a row per force: its integrity
/// score, or its change at a national break.
pub struct ScorePoint {
    /// Label (force name or code).
    pub label: String,
    /// The value (a score, 0 to 100, or a change).
    pub score: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Whether to draw it in red (flagged, or standing out).
    pub flagged: bool,
}

/// Every force's score with its interval, sorted from lowest to highest.
pub fn scores_chart(points: &[ScorePoint]) -> String {
    let low = points
        .iter()
        .map(|p| p.low)
        .fold(100.0, f64::min)
        .min(80.0)
        .floor();
    interval_chart(points, (low, 100.5), "integrity score (95% interval)", None)
}

/// Each force's value with its interval, one row each, in the order given; `reference` draws
/// a vertical line (e.g. no change).
pub fn interval_chart(
    points: &[ScorePoint],
    (low, high): (f64, f64),
    x_desc: &str,
    reference: Option<f64>,
) -> String {
    let mut svg = String::new();
    let height = 60 + 22 * points.len().max(1) as u32;
    let result = (|| -> Result<(), String> {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = points.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(190)
            .build_cartesian_2d(low..high, -0.5..n - 0.5)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
        chart
            .configure_mesh()
            .y_labels(points.len())
            .y_label_formatter(&|y| {
                let i = y.round() as i64;
                if (y - i as f64).abs() < 0.01 && i >= 0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc(x_desc)
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(x) = reference {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, -0.5), (x, n - 0.5)],
                    GREY.stroke_width(1),
                )))
                .map_err(|e| e.to_string())?;
        }
        for (i, p) in points.iter().enumerate() {
            let y = i as f64;
            let colour = if p.flagged { RED } else { BLUE };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p.low.max(low), y), (p.high.min(high), y)],
                    colour.stroke_width(2),
                )))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p.score, y),
                    4,
                    colour.filled(),
                )))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    })();
    finish(svg, result)
}

/// One force in a funnel plot.
pub struct FunnelPoint {
    /// Number of records the rate is over.
    pub size: f64,
    /// The rate.
    pub rate: f64,
    /// Whether the force is flagged.
    pub flagged: bool,
}

/// A funnel plot: each force's rate against its size, with the national rate and control
/// limits at 95% and 99.8% that allow for over-dispersion (`tau2`, Spiegelhalter 2005).
pub fn funnel_chart(title: &str, points: &[FunnelPoint], target: f64, tau2: f64) -> String {
    let mut svg = String::new();
    let result = (|| -> Result<(), String> {
        let root = SVGBackend::with_string(&mut svg, (760, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max_size = points.iter().map(|p| p.size).fold(1.0, f64::max) * 1.05;
        let min_size = points
            .iter()
            .map(|p| p.size)
            .fold(f64::MAX, f64::min)
            .max(1.0)
            * 0.5;
        let limit = |n: f64, z: f64| {
            let se = (target * (1.0 - target) / n + tau2).sqrt();
            (target - z * se, target + z * se)
        };
        let (lo, _) = limit(min_size, 3.09);
        let (_, hi) = limit(min_size, 3.09);
        let rates_lo = points.iter().map(|p| p.rate).fold(lo, f64::min);
        let rates_hi = points.iter().map(|p| p.rate).fold(hi, f64::max);
        let pad = (rates_hi - rates_lo).max(0.01) * 0.05;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(
                min_size..max_size,
                (rates_lo - pad).max(0.0)..(rates_hi + pad).min(1.0),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("records in the comparison")
            .y_desc("rate")
            .draw()
            .map_err(|e| e.to_string())?;
        let steps: Vec<f64> = (0..=100)
            .map(|i| min_size + (max_size - min_size) * f64::from(i) / 100.0)
            .collect();
        for (z, style) in [(1.96, GREY.stroke_width(1)), (3.09, GREY.stroke_width(2))] {
            chart
                .draw_series(LineSeries::new(
                    steps.iter().map(|&n| (n, limit(n, z).0)),
                    style,
                ))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(LineSeries::new(
                    steps.iter().map(|&n| (n, limit(n, z).1)),
                    style,
                ))
                .map_err(|e| e.to_string())?;
        }
        chart
            .draw_series(LineSeries::new(
                vec![(min_size, target), (max_size, target)],
                BLUE.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(points.iter().map(|p| {
                let colour = if p.flagged { RED } else { BLUE };
                Circle::new((p.size, p.rate), 4, colour.filled())
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    })();
    finish(svg, result)
}

/// A finding's series: the force's rate by month, its peers' rate, the target's start, and
/// after it the counterfactual with its 95% band.
pub fn finding_chart(title: &str, trace: &Trace, start: Period) -> String {
    let mut svg = String::new();
    let result = (|| -> Result<(), String> {
        let root = SVGBackend::with_string(&mut svg, (760, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let x: Vec<f64> = trace.periods.iter().map(|p| f64::from(p.index())).collect();
        let (Some(&x0), Some(&x1)) = (x.first(), x.last()) else {
            return Err("no data".into());
        };
        let values = trace
            .force_rate
            .iter()
            .copied()
            .chain(trace.baseline_rate.iter().flatten().copied())
            .chain(trace.expected_low.iter().flatten().copied())
            .chain(trace.expected_high.iter().flatten().copied())
            .filter(|v| v.is_finite());
        let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let pad = ((hi - lo).abs() * 0.08).max(0.005);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(55)
            .build_cartesian_2d(x0 - 0.5..x1 + 0.5, (lo - pad).max(0.0)..(hi + pad).min(1.0))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|v| Period::from_index(v.round() as i32).to_string())
            .y_desc("rate")
            .draw()
            .map_err(|e| e.to_string())?;
        let band: Vec<(f64, f64, f64)> = x
            .iter()
            .zip(trace.expected_low.iter().zip(&trace.expected_high))
            .filter_map(|(&x, (l, h))| Some((x, (*l)?, (*h)?)))
            .collect();
        if !band.is_empty() {
            let polygon: Vec<(f64, f64)> = band
                .iter()
                .map(|(x, l, _)| (*x, *l))
                .chain(band.iter().rev().map(|(x, _, h)| (*x, *h)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(polygon, BAND.filled())))
                .map_err(|e| e.to_string())?
                .label("expected without the shift (95% band)")
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], BAND.filled()));
            chart
                .draw_series(LineSeries::new(
                    x.iter()
                        .zip(&trace.expected_rate)
                        .filter_map(|(&x, e)| Some((x, (*e)?))),
                    GREY.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
        }
        let peers: Vec<(f64, f64)> = x
            .iter()
            .zip(&trace.baseline_rate)
            .filter_map(|(&x, b)| Some((x, (*b)?)))
            .collect();
        if !peers.is_empty() {
            chart
                .draw_series(LineSeries::new(peers, GREY.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label("peers")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], GREY));
        }
        chart
            .draw_series(LineSeries::new(
                x.iter()
                    .zip(&trace.force_rate)
                    .filter(|(_, r)| r.is_finite())
                    .map(|(&x, &r)| (x, r)),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("this force")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLUE.stroke_width(2)));
        let s = f64::from(start.index()) - 0.5;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(s, (lo - pad).max(0.0)), (s, (hi + pad).min(1.0))],
                RED.stroke_width(1),
            )))
            .map_err(|e| e.to_string())?
            .label("target starts")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], RED));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(GREY)
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    })();
    finish(svg, result)
}
