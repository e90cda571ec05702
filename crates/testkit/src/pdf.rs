//! PDFs read back as a reader would: poppler's text, the fonts embedded, qpdf's check.

use std::process::Command;

/// Run a command-line tool and give its standard output; a missing tool or a failure
/// is a failed test that says what to install.
pub fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed (make test installs poppler-utils and qpdf): {e}")
    });
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text as poppler extracts it, with runs of spaces folded.
pub fn text(pdf: &[u8], pages: Option<(u32, u32)>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.pdf");
    std::fs::write(&f, pdf).unwrap();
    let mut args = vec![];
    let (a, b);
    if let Some((first, last)) = pages {
        a = first.to_string();
        b = last.to_string();
        args.extend(["-f", a.as_str(), "-l", b.as_str()]);
    }
    let path = f.to_str().unwrap().to_owned();
    args.extend([path.as_str(), "-"]);
    tool("pdftotext", &args)
}

/// Every label must appear; labels wrap, so compare with whitespace folded.
pub fn assert_contains_all(text: &str, needles: &[&str]) {
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let hay = fold(text);
    for n in needles {
        assert!(hay.contains(&fold(n)), "missing {n:?} in:\n{hay}");
    }
}

pub fn check_pdf(pdf: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.pdf");
    std::fs::write(&f, pdf).unwrap();
    let p = f.to_str().unwrap();
    let fonts = tool("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {fonts}");
    for r in rows {
        assert!(r.contains("DejaVuSans"), "unexpected font: {r}");
        // columns: name type encoding emb sub uni
        let cols: Vec<&str> = r.split_whitespace().collect();
        assert_eq!(
            &cols[cols.len() - 5..cols.len() - 2],
            ["yes", "yes", "yes"],
            "font not embedded, subset and unicode: {r}"
        );
    }
    let check = tool("qpdf", &["--check", p]);
    assert!(
        check.contains("No syntax or stream encoding errors found"),
        "{check}"
    );
}
