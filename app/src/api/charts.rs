//! Capacity charts drawn as SVG on the server with plotters (the browser gets markup, no
//! chart code in the WASM). Each chart is drawn once, in the light palette; in a dark
//! colour scheme the stylesheet repaints each light colour with its dark one (CSS
//! overrides SVG presentation attributes), so a page carries one SVG per chart.

use plotters::prelude::*;

use super::types::ChartSvg;
use crate::domain::capacity::ChartData;

/// The colours of one palette.
struct Palette {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
    series: [RGBColor; 4],
}

const LIGHT: Palette = Palette {
    background: RGBColor(255, 255, 255),
    text: RGBColor(29, 35, 48),
    grid: RGBColor(221, 225, 232),
    series: [
        RGBColor(36, 87, 197),
        RGBColor(181, 71, 8),
        RGBColor(6, 118, 71),
        RGBColor(180, 35, 24),
    ],
};

const DARK: Palette = Palette {
    background: RGBColor(24, 28, 36),
    text: RGBColor(230, 233, 240),
    grid: RGBColor(58, 64, 78),
    series: [
        RGBColor(122, 162, 255),
        RGBColor(255, 170, 102),
        RGBColor(92, 214, 150),
        RGBColor(255, 123, 114),
    ],
};

/// A series with more points than this is drawn as a line only; sparser ones also get a
/// dot on each point, so that a lone sample shows.
const MAX_DOTTED_POINTS: usize = 60;

/// Draws `chart` (in the light palette).
pub fn render(chart: &ChartData) -> Result<ChartSvg, String> {
    Ok(ChartSvg {
        title: chart.title.clone(),
        svg: draw(chart, &LIGHT)?,
    })
}

/// The stylesheet rules that repaint the light palette's colours with the dark ones
/// (`style/main.css` holds them, in its dark colour scheme block).
pub fn dark_scheme_rules() -> Vec<String> {
    let hex = |c: &RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
    let pairs = [
        (&LIGHT.background, &DARK.background),
        (&LIGHT.text, &DARK.text),
        (&LIGHT.grid, &DARK.grid),
    ]
    .into_iter()
    .chain(LIGHT.series.iter().zip(DARK.series.iter()));
    pairs
        .flat_map(|(light, dark)| {
            ["fill", "stroke"].map(|attribute| {
                format!(
                    ".chart [{attribute}=\"{}\"] {{ {attribute}: {}; }}",
                    hex(light),
                    hex(dark)
                )
            })
        })
        .collect()
}

fn draw(chart: &ChartData, palette: &Palette) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 240)).into_drawing_area();
        root.fill(&palette.background).map_err(|e| e.to_string())?;
        let top = chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold(1.0_f64, f64::max)
            * 1.1;
        let minutes = chart.span_seconds / 60.0;
        let text = |size| ("sans-serif", size).into_font().color(&palette.text);
        let mut ctx = ChartBuilder::on(&root)
            .caption(&chart.title, text(16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(-minutes..0.0, 0.0..top)
            .map_err(|e| e.to_string())?;
        ctx.configure_mesh()
            .x_labels(7)
            .y_labels(5)
            .light_line_style(TRANSPARENT)
            .bold_line_style(palette.grid)
            .axis_style(palette.text)
            .label_style(text(12))
            .x_desc(if minutes > 120.0 {
                "minutes ago (last day)"
            } else {
                "minutes ago (last hour)"
            })
            // `-x + 0.0` turns the right edge's -0 into 0.
            .x_label_formatter(&|x| format!("{:.0}", -x + 0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, series) in chart.series.iter().enumerate() {
            let colour = palette.series[i % palette.series.len()];
            let points: Vec<(f64, f64)> = series
                .points
                .iter()
                .map(|(t, v)| ((t - chart.span_seconds) / 60.0, *v))
                .collect();
            if points.len() <= MAX_DOTTED_POINTS {
                ctx.draw_series(points.iter().map(|p| Circle::new(*p, 2, colour.filled())))
                    .map_err(|e| e.to_string())?;
            }
            ctx.draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(series.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
        }
        ctx.configure_series_labels()
            .background_style(palette.background.mix(0.85))
            .border_style(palette.grid)
            .label_font(text(12))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::capacity::Series;

    fn chart(points: usize) -> ChartData {
        let at = |i: usize, n: f64| (i as f64 * 3600.0 / points as f64, n);
        ChartData {
            title: "Cluster tasks".into(),
            span_seconds: 3600.0,
            series: vec![
                Series {
                    name: "running".into(),
                    points: (0..points).map(|i| at(i, 5.0)).collect(),
                },
                Series {
                    name: "pending".into(),
                    points: (0..points).map(|i| at(i, 1.0)).collect(),
                },
            ],
        }
    }

    #[test]
    fn a_chart_is_drawn_once_in_the_light_palette_with_every_series_and_its_legend() {
        let svg = render(&chart(2)).unwrap().svg;
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("Cluster tasks"));
        assert!(svg.contains("running") && svg.contains("pending"), "{svg}");
        assert!(svg.contains("minutes ago (last hour)"));
        for (attribute, colour) in [
            ("fill", "#FFFFFF"),
            ("fill", "#1D2330"),
            ("stroke", "#DDE1E8"),
            ("stroke", "#2457C5"),
            ("stroke", "#B54708"),
        ] {
            let drawn = format!("{attribute}=\"{colour}\"");
            assert!(svg.contains(&drawn), "{drawn} in {svg}");
        }
        assert!(!svg.contains("#7AA2FF"), "no dark colour is drawn");
        // Two sparse series: a dot on each point (and the legend's).
        assert_eq!(svg.matches("<circle").count(), 4, "{svg}");
    }

    #[test]
    fn dense_series_are_lines_without_dots() {
        let svg = render(&chart(MAX_DOTTED_POINTS + 1)).unwrap().svg;
        assert_eq!(svg.matches("<circle").count(), 0);
        // Each series' line and its legend's stroke.
        for colour in ["#2457C5", "#B54708"] {
            let lines = svg
                .matches(&format!("stroke=\"{colour}\" stroke-width=\"2\""))
                .count();
            assert_eq!(lines, 2, "{colour} in {svg}");
        }
    }

    #[test]
    fn the_stylesheet_repaints_every_light_colour_in_the_dark_scheme() {
        let css = include_str!("../../../style/main.css");
        let dark = &css[css
            .find("@media (prefers-color-scheme: dark)")
            .expect("a dark scheme block")..];
        let missing: Vec<String> = dark_scheme_rules()
            .into_iter()
            .filter(|rule| !dark.contains(rule.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "style/main.css lacks, in its dark block:\n{}",
            missing.join("\n")
        );
        assert_eq!(dark_scheme_rules().len(), 14);
    }
}
