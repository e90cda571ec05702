//! A small form layout engine over printpdf's drawing operations: labelled boxes whose
//! text is wrapped by measured glyph advances, that flow onto further pages with the
//! form title repeated, tick boxes, signature blocks and a "Page N of M" footer.
//!
//! Coordinates are millimetres from the top-left of an A4 page; they are turned into
//! PDF points (from the bottom-left) only when an operation is emitted.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LineDashPattern, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfFontHandle,
    Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
const MARGIN_X: f32 = 16.0;
const TOP: f32 = 14.0;
const BOTTOM: f32 = 18.0;
/// Where content may start on a page, below the repeated header.
const CONTENT_TOP: f32 = TOP + 16.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const PAD: f32 = 1.8;
const LABEL_W: f32 = 58.0;

pub const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;

const PT_PER_MM: f32 = 72.0 / 25.4;

static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The two faces forms use, parsed once.
pub struct Fonts {
    pub regular: ParsedFont,
    pub bold: ParsedFont,
}

static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();

pub fn fonts() -> Option<&'static Fonts> {
    FONTS
        .get_or_init(|| {
            let regular = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut Vec::new())?;
            let bold = ParsedFont::from_bytes(BOLD_TTF, 0, &mut Vec::new())?;
            Some(Fonts { regular, bold })
        })
        .as_ref()
}

/// Resource names are fixed, not random, so the same input gives the same bytes.
pub fn regular_id() -> FontId {
    FontId("F1".to_owned())
}

pub fn bold_id() -> FontId {
    FontId("F2".to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    fn font(self, f: &Fonts) -> &ParsedFont {
        match self {
            Face::Regular => &f.regular,
            Face::Bold => &f.bold,
        }
    }
    fn id(self) -> FontId {
        match self {
            Face::Regular => regular_id(),
            Face::Bold => bold_id(),
        }
    }
}

/// Width of `text` in millimetres at `size` points.
pub fn width(fonts: &Fonts, face: Face, size: f32, text: &str) -> f32 {
    let font = face.font(fonts);
    let upem = f32::from(font.font_metrics.units_per_em.max(1));
    let fallback = font.lookup_glyph_index(u32::from('?')).unwrap_or(0);
    let units: u32 = text
        .chars()
        .map(|c| {
            let g = font.lookup_glyph_index(u32::from(c)).unwrap_or(fallback);
            u32::from(font.get_horizontal_advance(g))
        })
        .sum();
    units as f32 / upem * size / PT_PER_MM
}

fn line_height(size: f32) -> f32 {
    size * 1.3 / PT_PER_MM
}

/// Break `text` into lines no wider than `max` mm, by words, breaking a word that is
/// itself too long. Paragraph breaks are kept.
pub fn wrap(fonts: &Fonts, face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(fonts, face, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line: split it by characters.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(fonts, face, size, &piece) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

fn point(x: f32, y_from_top: f32) -> Point {
    Point::new(Mm(x), Mm(PAGE_H - y_from_top))
}

/// A document being laid out.
pub struct Sheet {
    fonts: &'static Fonts,
    /// Shown at the top of every page.
    org: String,
    title: String,
    reference: String,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Sheet {
    pub fn new(fonts: &'static Fonts, org: &str, title: &str, reference: &str) -> Sheet {
        let mut s = Sheet {
            fonts,
            org: org.to_owned(),
            title: title.to_owned(),
            reference: reference.to_owned(),
            pages: Vec::new(),
            y: 0.0,
        };
        s.new_page();
        s
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(vec![
            Op::SetOutlineColor { col: black() },
            Op::SetFillColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(0.6) },
        ]);
        let (org, title, reference) =
            (self.org.clone(), self.title.clone(), self.reference.clone());
        self.text_at(MARGIN_X, TOP + 4.0, SMALL, Face::Regular, &org);
        if !reference.is_empty() {
            let w = width(self.fonts, Face::Regular, SMALL, &reference);
            self.text_at(
                PAGE_W - MARGIN_X - w,
                TOP + 4.0,
                SMALL,
                Face::Regular,
                &reference,
            );
        }
        // A long title (the Monitoring Form's) wraps; the header grows to hold it.
        let lines = wrap(self.fonts, Face::Bold, 14.0, &title, CONTENT_W);
        let lh = line_height(14.0);
        for (i, l) in lines.iter().enumerate() {
            self.text_at(MARGIN_X, TOP + 11.0 + i as f32 * lh, 14.0, Face::Bold, l);
        }
        let extra = (lines.len().max(1) - 1) as f32 * lh;
        self.hline(TOP + 13.5 + extra);
        self.y = CONTENT_TOP + extra;
    }

    fn room(&self) -> f32 {
        PAGE_H - BOTTOM - self.y
    }

    /// A sheet with this one's header and nothing on it, to measure a part of the form
    /// on before laying it out here.
    pub fn blank_like(&self) -> Sheet {
        Sheet::new(self.fonts, &self.org, &self.title, &self.reference)
    }

    /// How far down the page the next item starts, in mm.
    pub fn y(&self) -> f32 {
        self.y
    }

    /// The pages begun so far.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// The room a fresh page has below its header.
    pub fn empty_page_room(&self) -> f32 {
        self.blank_like().room()
    }

    /// Start a new page unless `need` mm fit on this one.
    fn ensure(&mut self, need: f32) {
        if need > self.room() {
            self.new_page();
        }
    }

    /// Keep the next `mm` millimetres together: start a new page unless they fit.
    pub fn keep(&mut self, mm: f32) {
        self.ensure(mm);
    }

    pub fn gap(&mut self, mm: f32) {
        self.y += mm;
    }

    fn text_at(&mut self, x: f32, baseline: f32, size: f32, face: Face, text: &str) {
        if text.is_empty() {
            return;
        }
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(face.id()),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: point(x, baseline),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    fn hline(&mut self, y: f32) {
        self.line(&[(MARGIN_X, y), (PAGE_W - MARGIN_X, y)], false);
    }

    fn line(&mut self, pts: &[(f32, f32)], closed: bool) {
        let points = pts
            .iter()
            .map(|(x, y)| LinePoint {
                p: point(*x, *y),
                bezier: false,
            })
            .collect();
        self.ops().push(Op::DrawLine {
            line: Line {
                points,
                is_closed: closed,
            },
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.line(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], true);
    }

    /// Lines of text from the top of a box, `size` points, starting at `top`.
    fn lines_at(&mut self, x: f32, top: f32, size: f32, face: Face, lines: &[String]) {
        let lh = line_height(size);
        for (i, l) in lines.iter().enumerate() {
            self.text_at(
                x,
                top + PAD + size / PT_PER_MM + i as f32 * lh,
                size,
                face,
                l,
            );
        }
    }

    /// A heading across the page.
    pub fn heading(&mut self, text: &str) {
        let lines = wrap(self.fonts, Face::Bold, 11.0, text, CONTENT_W);
        let h = lines.len() as f32 * line_height(11.0) + 2.0;
        self.ensure(h + 12.0);
        self.lines_at(MARGIN_X, self.y, 11.0, Face::Bold, &lines);
        self.y += h + PAD;
    }

    /// Plain text across the page.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        let lines = wrap(self.fonts, Face::Regular, size, text, CONTENT_W);
        let lh = line_height(size);
        for chunk in lines {
            self.ensure(lh + PAD);
            self.lines_at(
                MARGIN_X,
                self.y - PAD,
                size,
                Face::Regular,
                std::slice::from_ref(&chunk),
            );
            self.y += lh;
        }
        self.y += PAD;
    }

    /// A labelled box: the label on the left, the value wrapped on the right. A value
    /// longer than the page flows on, the label repeated with "(continued)". `min`
    /// keeps room to write by hand when the value is empty or short.
    pub fn field(&mut self, label: &str, value: &str, min: f32) {
        let fonts = self.fonts;
        let label_lines = wrap(fonts, Face::Bold, BODY, label, LABEL_W - 2.0 * PAD);
        let value_w = CONTENT_W - LABEL_W - 2.0 * PAD;
        let mut value_lines = wrap(fonts, Face::Regular, BODY, value, value_w);
        if value.trim().is_empty() {
            value_lines.clear();
        }
        let lh = line_height(BODY);
        let label_h = label_lines.len() as f32 * lh + 2.0 * PAD + 1.0;
        let mut first = true;
        loop {
            let want = (value_lines.len() as f32 * lh + 2.0 * PAD + 1.0)
                .max(label_h)
                .max(min);
            // Start on a new page rather than leave a label with no room for text.
            if self.room() < label_h.max(lh * 3.0 + 2.0 * PAD) {
                self.new_page();
            }
            let fits = ((self.room() - 2.0 * PAD - 1.0) / lh).floor().max(1.0) as usize;
            let (now, rest): (Vec<String>, Vec<String>) = if value_lines.len() > fits {
                let rest = value_lines.split_off(fits);
                (std::mem::take(&mut value_lines), rest)
            } else {
                (std::mem::take(&mut value_lines), Vec::new())
            };
            let h = if rest.is_empty() {
                want.min(self.room())
            } else {
                self.room()
            };
            let top = self.y;
            self.rect(MARGIN_X, top, LABEL_W, h);
            self.rect(MARGIN_X + LABEL_W, top, CONTENT_W - LABEL_W, h);
            let shown_label = if first {
                label_lines.clone()
            } else {
                wrap(
                    fonts,
                    Face::Bold,
                    BODY,
                    &format!("{label} (continued)"),
                    LABEL_W - 2.0 * PAD,
                )
            };
            self.lines_at(MARGIN_X + PAD, top, BODY, Face::Bold, &shown_label);
            self.lines_at(MARGIN_X + LABEL_W + PAD, top, BODY, Face::Regular, &now);
            self.y = top + h;
            first = false;
            if rest.is_empty() {
                break;
            }
            value_lines = rest;
            self.new_page();
        }
    }

    /// A row of tick boxes after a label: ☒ ticked, ☐ not.
    pub fn ticks(&mut self, label: &str, options: &[(&str, bool)]) {
        let fonts = self.fonts;
        let label_lines = wrap(fonts, Face::Bold, BODY, label, LABEL_W - 2.0 * PAD);
        let lh = line_height(BODY);
        let h = (label_lines.len() as f32 * lh + 2.0 * PAD + 1.0).max(11.0);
        self.ensure(h);
        let top = self.y;
        self.rect(MARGIN_X, top, LABEL_W, h);
        self.rect(MARGIN_X + LABEL_W, top, CONTENT_W - LABEL_W, h);
        self.lines_at(MARGIN_X + PAD, top, BODY, Face::Bold, &label_lines);
        // Ballot-box characters, so the choice survives text extraction and black-and-white printing.
        let mut x = MARGIN_X + LABEL_W + 3.0;
        let baseline = top + h / 2.0 + 1.8;
        for (name, ticked) in options {
            let text = format!("{} {name}", if *ticked { '\u{2612}' } else { '\u{2610}' });
            self.text_at(x, baseline, 12.0, Face::Regular, &text);
            x += width(fonts, Face::Regular, 12.0, &text) + 10.0;
        }
        self.y = top + h;
    }

    /// A table: a header row, then rows that flow onto further pages with the header repeated.
    pub fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<(String, bool)>]) {
        let fonts = self.fonts;
        let lh = line_height(BODY);
        let total: f32 = columns.iter().map(|c| c.1).sum();
        let widths: Vec<f32> = columns.iter().map(|c| c.1 / total * CONTENT_W).collect();
        let header: Vec<Vec<String>> = columns
            .iter()
            .zip(&widths)
            .map(|((name, _), w)| wrap(fonts, Face::Bold, BODY, name, w - 2.0 * PAD))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD + 1.0;
        let draw_header = |s: &mut Sheet| {
            let top = s.y;
            let mut x = MARGIN_X;
            for (lines, w) in header.iter().zip(&widths) {
                s.rect(x, top, *w, header_h);
                s.lines_at(x + PAD, top, BODY, Face::Bold, lines);
                x += w;
            }
            s.y = top + header_h;
        };
        self.ensure(header_h + lh * 2.0);
        draw_header(self);
        for row in rows {
            let cells: Vec<(Vec<String>, Face)> = row
                .iter()
                .zip(&widths)
                .map(|((text, bold), w)| {
                    let face = if *bold { Face::Bold } else { Face::Regular };
                    (wrap(fonts, face, BODY, text, w - 2.0 * PAD), face)
                })
                .collect();
            let h =
                cells.iter().map(|c| c.0.len()).max().unwrap_or(1) as f32 * lh + 2.0 * PAD + 1.0;
            if h > self.room() {
                self.new_page();
                draw_header(self);
            }
            let top = self.y;
            let mut x = MARGIN_X;
            for ((lines, face), w) in cells.iter().zip(&widths) {
                self.rect(x, top, *w, h);
                self.lines_at(x + PAD, top, BODY, *face, lines);
                x += w;
            }
            self.y = top + h;
        }
    }

    fn filled(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
        self.ops().extend([
            Op::SaveGraphicsState,
            Op::SetFillColor {
                col: grey_color(grey),
            },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing {
                        points: pts
                            .iter()
                            .map(|(x, y)| LinePoint {
                                p: point(*x, *y),
                                bezier: false,
                            })
                            .collect(),
                    }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// Horizontal bars, one per item, longest first as given; the value is printed at
    /// the end of each bar, so the chart reads in black and white and when extracted.
    pub fn bar_chart(&mut self, items: &[(String, f64)]) {
        if items.is_empty() {
            self.paragraph("No cases.", BODY);
            return;
        }
        let fonts = self.fonts;
        let label_w = 58.0;
        let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max).max(1.0);
        let bar_max = CONTENT_W - label_w - 18.0;
        for (label, value) in items {
            let lines = wrap(fonts, Face::Regular, SMALL, label, label_w - 2.0);
            let h = (lines.len() as f32 * line_height(SMALL)).max(5.0) + 1.5;
            self.ensure(h);
            let top = self.y;
            self.lines_at(MARGIN_X, top - PAD + 0.6, SMALL, Face::Regular, &lines);
            let w = (*value / max) as f32 * bar_max;
            self.filled(MARGIN_X + label_w, top + 0.8, w.max(0.4), 3.6, 0.35);
            self.text_at(
                MARGIN_X + label_w + w + 2.0,
                top + 3.7,
                SMALL,
                Face::Bold,
                &format_number(*value),
            );
            self.y = top + h;
        }
        self.y += PAD;
    }

    /// A line chart of one or two series over labelled points (e.g. quarters): the
    /// first series solid, the second dashed, each point marked and its value printed.
    pub fn line_chart(&mut self, labels: &[String], series: &[(&str, Vec<f64>)]) {
        if labels.is_empty() {
            self.paragraph("No cases.", BODY);
            return;
        }
        let height = 55.0;
        self.ensure(height + 22.0);
        let (left, top) = (MARGIN_X + 12.0, self.y + 4.0);
        let (w, h) = (CONTENT_W - 16.0, height - 12.0);
        let max = series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .fold(0.0_f64, f64::max)
            .max(1.0);
        self.line(&[(left, top), (left, top + h), (left + w, top + h)], false);
        self.text_at(
            MARGIN_X,
            top + 3.0,
            SMALL,
            Face::Regular,
            &format_number(max),
        );
        self.text_at(MARGIN_X, top + h, SMALL, Face::Regular, "0");
        let step = if labels.len() > 1 {
            w / (labels.len() - 1) as f32
        } else {
            0.0
        };
        let x_at = |i: usize| {
            if labels.len() > 1 {
                left + i as f32 * step
            } else {
                left + w / 2.0
            }
        };
        for (i, l) in labels.iter().enumerate() {
            let lw = width(self.fonts, Face::Regular, SMALL, l);
            self.text_at(x_at(i) - lw / 2.0, top + h + 4.5, SMALL, Face::Regular, l);
        }
        for (k, (name, values)) in series.iter().enumerate() {
            let pts: Vec<(f32, f32)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (x_at(i), top + h - (*v / max) as f32 * h))
                .collect();
            if k == 1 {
                self.ops().push(Op::SetLineDashPattern {
                    dash: LineDashPattern::new(0.0, &[4.0, 2.0]),
                });
            }
            if pts.len() > 1 {
                self.line(&pts, false);
            }
            if k == 1 {
                self.ops().push(Op::SetLineDashPattern {
                    dash: LineDashPattern::solid(),
                });
            }
            for (i, (x, y)) in pts.iter().enumerate() {
                self.filled(x - 1.0, y - 1.0, 2.0, 2.0, if k == 0 { 0.0 } else { 0.5 });
                let v = format_number(values[i]);
                self.text_at(x + 1.5, y - 1.5 - k as f32 * 3.5, SMALL, Face::Regular, &v);
            }
            let legend = format!("{} {name}", if k == 0 { "—— " } else { "- - -" });
            self.text_at(
                left + 2.0 + k as f32 * 60.0,
                top + h + 10.0,
                SMALL,
                Face::Bold,
                &legend,
            );
        }
        self.y = top + h + 14.0;
    }

    /// Pages with the footer ("Page N of M") added.
    pub fn finish(mut self) -> Vec<Vec<Op>> {
        let total = self.pages.len();
        let title = self.title.clone();
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages = vec![ops];
            let footer = format!("Page {} of {}", i + 1, total);
            let w = width(self.fonts, Face::Regular, SMALL, &footer);
            self.text_at(
                PAGE_W - MARGIN_X - w,
                PAGE_H - 9.0,
                SMALL,
                Face::Regular,
                &footer,
            );
            self.text_at(MARGIN_X, PAGE_H - 9.0, SMALL, Face::Regular, &title);
            out.append(&mut self.pages);
        }
        out
    }
}

fn grey_color(level: f32) -> Color {
    Color::Rgb(Rgb {
        r: level,
        g: level,
        b: level,
        icc_profile: None,
    })
}

/// Whole numbers without decimals; others to one place.
pub fn format_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_measured_width() {
        let f = fonts().unwrap();
        let text = "Siân Llŷr Ŵyn — the school believes the threshold for a section 47 enquiry is met and has said so in writing twice.";
        let lines = wrap(f, Face::Regular, BODY, text, 60.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(width(f, Face::Regular, BODY, l) <= 60.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn an_overlong_word_is_broken() {
        let f = fonts().unwrap();
        let lines = wrap(f, Face::Regular, BODY, &"W".repeat(200), 40.0);
        assert!(lines.len() > 3);
        assert!(lines
            .iter()
            .all(|l| width(f, Face::Regular, BODY, l) <= 40.0));
    }

    #[test]
    fn wider_glyphs_measure_wider() {
        let f = fonts().unwrap();
        assert!(width(f, Face::Regular, BODY, "WWWW") > width(f, Face::Regular, BODY, "iiii"));
        assert!(width(f, Face::Bold, BODY, "Report") > width(f, Face::Regular, BODY, "Report"));
    }
}
