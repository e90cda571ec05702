//! Turning laid-out pages into PDF bytes: fonts embedded and subset, document
//! properties set, and nothing random, so the same input gives the same bytes.

use chrono::NaiveDateTime;
use printpdf::{Mm, Op, PdfDocument, PdfFont, PdfPage, PdfSaveOptions};
use sha2::{Digest, Sha256};

use crate::layout::{bold_id, fonts, regular_id, PAGE_H, PAGE_W};
use crate::ReportError;

/// What the PDF says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfProperties {
    pub title: String,
    /// The agency that made it.
    pub author: String,
    pub subject: String,
    /// When it was made: also the creation date in the file.
    pub created: NaiveDateTime,
}

fn offset(t: NaiveDateTime) -> Option<printpdf::OffsetDateTime> {
    printpdf::OffsetDateTime::from_unix_timestamp(t.and_utc().timestamp()).ok()
}

pub(crate) fn write(pages: Vec<Vec<Op>>, props: &PdfProperties) -> Result<Vec<u8>, ReportError> {
    let f = fonts().ok_or_else(|| ReportError::Font("DejaVu Sans".to_owned()))?;
    let mut doc = PdfDocument::new(&props.title);
    // Fixed resource names (printpdf would choose random ones).
    doc.resources
        .fonts
        .map
        .insert(regular_id(), PdfFont::new(f.regular.clone()));
    doc.resources
        .fonts
        .map
        .insert(bold_id(), PdfFont::new(f.bold.clone()));
    let info = &mut doc.metadata.info;
    info.author = props.author.clone();
    info.subject = props.subject.clone();
    info.creator = "Escalate".to_owned();
    info.producer = "Escalate (printpdf)".to_owned();
    if let Some(d) = offset(props.created) {
        info.creation_date = d;
        info.modification_date = d;
        info.metadata_date = d;
    }
    doc.with_pages(
        pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops))
            .collect(),
    );
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    // A subset font's name must carry a six-capital-letter tag (PDF 32000-1, 9.6.4);
    // printpdf uses its resource name instead. Fixed tags keep the output reproducible.
    for obj in lo.objects.values_mut() {
        if let Ok(dict) = obj.as_dict_mut() {
            for key in [b"BaseFont".as_slice(), b"FontName".as_slice()] {
                let renamed = match dict.get(key).and_then(lopdf::Object::as_name) {
                    Ok(name) if name.starts_with(b"F1+") => {
                        Some([b"ESCAAA+".as_slice(), &name[3..]].concat())
                    }
                    Ok(name) if name.starts_with(b"F2+") => {
                        Some([b"ESCAAB+".as_slice(), &name[3..]].concat())
                    }
                    _ => None,
                };
                if let Some(n) = renamed {
                    dict.set(key, lopdf::Object::Name(n));
                }
            }
        }
    }
    // printpdf always writes a PDF/X version key; this file makes no conformance claim.
    if let Ok(info_id) = lo
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
    {
        if let Ok(info) = lo
            .get_object_mut(info_id)
            .and_then(lopdf::Object::as_dict_mut)
        {
            info.remove(b"GTS_PDFXVersion");
            info.remove(b"GTS_PDFXConformance");
        }
    }
    // The file identifier is a hash of the content, not random: same input, same bytes.
    let placeholder = vec![b'0'; 32];
    let id = |bytes: Vec<u8>| {
        lopdf::Object::Array(vec![
            lopdf::Object::String(bytes.clone(), lopdf::StringFormat::Literal),
            lopdf::Object::String(bytes, lopdf::StringFormat::Literal),
        ])
    };
    lo.trailer.set("ID", id(placeholder));
    let mut first = Vec::new();
    lo.save_to(&mut first)
        .map_err(|e| ReportError::Pdf(e.to_string()))?;
    let digest = hex::encode(&Sha256::digest(&first)[..16]).into_bytes();
    lo.trailer.set("ID", id(digest));
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| ReportError::Pdf(e.to_string()))?;
    Ok(out)
}
