//! Capacity charts drawn as SVG on the server with plotters (the browser gets markup, no
//! chart code in the WASM). Each chart is drawn twice, in a light and a dark palette; the
//! stylesheet shows the one matching the reader's colour scheme.

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

/// Draws `chart` in both palettes.
pub fn render(chart: &ChartData) -> Result<ChartSvg, String> {
    Ok(ChartSvg {
        title: chart.title.clone(),
        light: draw(chart, &LIGHT)?,
        dark: draw(chart, &DARK)?,
    })
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
            // A dot on each sample, so that sparse samples show too.
            ctx.draw_series(points.iter().map(|p| Circle::new(*p, 2, colour.filled())))
                .map_err(|e| e.to_string())?;
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

    #[test]
    fn both_palettes_draw_every_series_with_its_legend() {
        let chart = ChartData {
            title: "Cluster tasks".into(),
            span_seconds: 3600.0,
            series: vec![
                Series {
                    name: "running".into(),
                    points: vec![(600.0, 2.0), (2400.0, 5.0)],
                },
                Series {
                    name: "pending".into(),
                    points: vec![(600.0, 0.0), (2400.0, 1.0)],
                },
            ],
        };
        let svg = render(&chart).unwrap();
        for (markup, line) in [(&svg.light, "#2457C5"), (&svg.dark, "#7AA2FF")] {
            assert!(markup.starts_with("<svg"), "{markup}");
            assert!(markup.contains("Cluster tasks"));
            assert!(
                markup.contains("running") && markup.contains("pending"),
                "{markup}"
            );
            assert!(markup.contains("minutes ago (last hour)"));
            assert!(markup.to_uppercase().contains(line), "series colour {line}");
        }
        assert_ne!(svg.light, svg.dark);
    }
}
