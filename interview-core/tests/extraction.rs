//! Resume text extraction end to end: documents written by `fixtures`, read back
//! through [`DocumentExtractor`] as the upload endpoint does.

#![cfg(all(feature = "pdf", feature = "docx", feature = "doc"))]

mod fixtures;

use std::time::{Duration, Instant};

use bytes::Bytes;
use interview_core::resume::{
    DocumentExtractor, DocumentKind, ExtractError, ExtractLimits, ResumeExtractor,
};

use fixtures::doc::{Storage, compound_file, word_doc, word_doc_with};
use fixtures::docx::{
    bomb_docx, deeply_nested_docx, docx_with_document, empty_docx, lying_bomb_docx, resume_docx,
};
use fixtures::pdf::{
    Font, Placed, encrypted_pdf, image_only_pdf, lines, pdf_without_media_box, simple_pdf, text_pdf,
};

async fn extract(bytes: Vec<u8>) -> Result<(DocumentKind, String), ExtractError> {
    DocumentExtractor::default()
        .extract_file(Bytes::from(bytes))
        .await
}

async fn extract_with(
    limits: ExtractLimits,
    bytes: Vec<u8>,
) -> Result<(DocumentKind, String), ExtractError> {
    DocumentExtractor::new(limits)
        .extract_file(Bytes::from(bytes))
        .await
}

async fn text_of(bytes: Vec<u8>) -> String {
    match extract(bytes).await {
        Ok((_, text)) => text,
        Err(error) => panic!("extraction failed: {error} ({error:?})"),
    }
}

fn assert_in_order(text: &str, parts: &[&str]) {
    let mut from = 0;
    for part in parts {
        match text[from..].find(part) {
            Some(at) => from += at + part.len(),
            None => panic!("{part:?} missing (or out of order) in {text:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// PDF

#[tokio::test]
async fn pdf_pages_come_out_in_order_separated_by_paragraph_breaks() {
    let pdf = simple_pdf(&[
        &["Jane Doe", "Senior Rust Engineer"],
        &["Experience", "Acme Corp, 2019 to 2024"],
        &["Education", "ETH Zurich"],
    ]);
    let (kind, text) = extract(pdf).await.unwrap();
    assert_eq!(kind, DocumentKind::Pdf);
    assert_in_order(
        &text,
        &[
            "Jane Doe",
            "Senior Rust Engineer",
            "Experience",
            "Acme Corp, 2019 to 2024",
            "Education",
            "ETH Zurich",
        ],
    );
    assert!(
        text.contains("Senior Rust Engineer\n\nExperience"),
        "{text:?}"
    );
    assert!(text.contains("2024\n\nEducation"), "{text:?}");
}

#[tokio::test]
async fn pdf_latin_accents_survive_through_win_ansi() {
    let text = text_of(simple_pdf(&[&[
        "José Müller, Zürich",
        "Café society, naïve façade",
    ]]))
    .await;
    assert!(text.contains("José Müller, Zürich"), "{text:?}");
    assert!(text.contains("Café society, naïve façade"), "{text:?}");
}

#[tokio::test]
async fn pdf_cyrillic_and_devanagari_come_out_through_to_unicode() {
    // The fixture's Type0 font maps one code to one Unicode character, in logical
    // order. That is the best case: a real PDF shapes Devanagari into glyphs (a
    // conjunct is one glyph; the i-matra is drawn before its consonant), and
    // pdf-extract then gets back whatever the font's ToUnicode map says for each
    // glyph, in visual order, so real Devanagari often comes out reordered or with
    // conjuncts missing. Here we can only check the mechanism works for any script.
    let pages = vec![lines(&[
        "Иван Петров — инженер",
        "राम शर्मा, सॉफ़्टवेयर इंजीनियर",
        "Ångström Ελληνικά",
    ])];
    let text = text_of(text_pdf(&pages, Font::Unicode)).await;
    assert!(text.contains("Иван Петров — инженер"), "{text:?}");
    assert!(text.contains("राम शर्मा, सॉफ़्टवेयर इंजीनियर"), "{text:?}");
    assert!(text.contains("Ångström Ελληνικά"), "{text:?}");
}

#[tokio::test]
async fn pdf_table_cells_stay_on_their_rows_in_column_order() {
    let mut cells = Vec::new();
    for (row, values) in [
        ["Company", "Role", "Years"],
        ["Acme Corp", "Engineer", "2019-2024"],
        ["Initech", "Lead", "2024-"],
    ]
    .iter()
    .enumerate()
    {
        for (column, value) in values.iter().enumerate() {
            cells.push(Placed {
                x: 72.0 + 180.0 * column as f32,
                y: 700.0 - 20.0 * row as f32,
                text: (*value).to_owned(),
            });
        }
    }
    let text = text_of(text_pdf(&[cells], Font::Helvetica)).await;
    // pdf-extract puts a blank line between rows more than 1.5 font sizes apart;
    // what matters is that each row stays one line, cells in column order.
    let rows: Vec<&str> = text.lines().filter(|line| !line.is_empty()).collect();
    assert_eq!(
        rows,
        [
            "Company Role Years",
            "Acme Corp Engineer 2019-2024",
            "Initech Lead 2024-"
        ],
        "{text:?}"
    );
}

#[tokio::test]
async fn pdf_words_hyphenated_at_line_ends_are_joined() {
    let text = text_of(simple_pdf(&[&[
        "Ten years of software engi-",
        "neering in fintech.",
    ]]))
    .await;
    assert!(
        text.contains("software engineering in fintech."),
        "{text:?}"
    );
}

#[tokio::test]
async fn pdf_that_needs_a_password_is_reported_as_encrypted() {
    let err = extract(encrypted_pdf(&["Secret resume"], "hunter2"))
        .await
        .unwrap_err();
    assert!(matches!(err, ExtractError::Encrypted), "{err:?}");
}

#[tokio::test]
async fn pdf_encrypted_with_an_empty_password_opens_like_in_a_viewer() {
    let text = text_of(encrypted_pdf(&["Printing restricted, reading allowed"], "")).await;
    assert!(
        text.contains("Printing restricted, reading allowed"),
        "{text:?}"
    );
}

#[tokio::test]
async fn pdf_of_a_scanned_image_has_no_text() {
    let err = extract(image_only_pdf()).await.unwrap_err();
    assert!(matches!(err, ExtractError::NoText), "{err:?}");
}

#[tokio::test]
async fn truncated_pdf_is_corrupt() {
    let pdf = simple_pdf(&[&["Jane Doe", "Rust"], &["Page two"]]);
    for keep in [pdf.len() / 2, pdf.len() * 3 / 4, 40] {
        let err = extract(pdf[..keep].to_vec()).await.unwrap_err();
        assert!(
            matches!(err, ExtractError::Corrupt(_)),
            "kept {keep} bytes: {err:?}"
        );
    }
}

#[tokio::test]
async fn pdf_nested_a_hundred_thousand_deep_is_an_error_not_a_crash() {
    // lopdf's parser recurses into arrays; it stops at its own nesting limit.
    let depth = 100_000;
    let mut pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'[', depth));
    pdf.extend(std::iter::repeat_n(b']', depth));
    pdf.extend_from_slice(b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    let err = extract(pdf).await.unwrap_err();
    assert!(matches!(err, ExtractError::Corrupt(_)), "{err:?}");
}

#[tokio::test]
async fn a_panic_inside_pdf_extract_becomes_failed() {
    let err = extract(pdf_without_media_box()).await.unwrap_err();
    assert!(matches!(err, ExtractError::Failed(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "We could not read this document. Please export it as a new PDF or DOCX and upload that."
    );
    // The panic's message is for logs only.
    assert!(err.detail().unwrap().contains("MediaBox"), "{err:?}");
}

#[tokio::test]
async fn pdf_with_too_many_pages_is_refused() {
    let pages: Vec<Vec<Placed>> = (0..12).map(|i| lines(&[&format!("Page {i}")])).collect();
    let limits = ExtractLimits {
        max_pages: 10,
        ..ExtractLimits::default()
    };
    let err = extract_with(limits, text_pdf(&pages, Font::Helvetica))
        .await
        .unwrap_err();
    match err {
        ExtractError::LimitExceeded(why) => assert!(why.contains("12 pages"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn pdf_with_too_much_text_is_refused() {
    let line = "lorem ipsum dolor sit amet ".repeat(3);
    let page: Vec<&str> = std::iter::repeat_n(line.as_str(), 40).collect();
    let limits = ExtractLimits {
        max_text_chars: 500,
        ..ExtractLimits::default()
    };
    let err = extract_with(limits, simple_pdf(&[&page, &page]))
        .await
        .unwrap_err();
    assert!(matches!(err, ExtractError::LimitExceeded(_)), "{err:?}");
}

// ---------------------------------------------------------------------------
// DOCX

#[tokio::test]
async fn docx_reads_header_body_tables_and_footer_in_reading_order() {
    let (kind, text) = extract(resume_docx()).await.unwrap();
    assert_eq!(kind, DocumentKind::Docx);
    assert_in_order(
        &text,
        &[
            "Jane Doe · jane@example.com",
            "Summary",
            "Backend engineer, Zürich Rust and Go",
            "Company | Role | Years",
            "Acme Corp | Senior Engineer | 2019–2024",
            "Languages: English, Deutsch, Русский, हिन्दी",
            "References on request",
        ],
    );
}

#[tokio::test]
async fn empty_docx_has_no_text() {
    let err = extract(empty_docx()).await.unwrap_err();
    assert!(matches!(err, ExtractError::NoText), "{err:?}");
}

#[tokio::test]
async fn docx_that_inflates_past_the_cap_is_refused() {
    let limits = ExtractLimits {
        max_decompressed_bytes: 1024 * 1024,
        ..ExtractLimits::default()
    };
    let bomb = bomb_docx(4 * 1024 * 1024);
    assert!(
        bomb.len() < 64 * 1024,
        "the bomb should be small: {} bytes",
        bomb.len()
    );
    let err = extract_with(limits, bomb).await.unwrap_err();
    match err {
        ExtractError::LimitExceeded(why) => assert!(why.contains("declares"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn docx_bomb_that_lies_about_its_sizes_is_caught_while_inflating() {
    let limits = ExtractLimits {
        max_decompressed_bytes: 1024 * 1024,
        ..ExtractLimits::default()
    };
    let err = extract_with(limits, lying_bomb_docx(4 * 1024 * 1024))
        .await
        .unwrap_err();
    match err {
        ExtractError::LimitExceeded(why) => assert!(why.contains("inflates"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn docx_nested_too_deep_is_refused_before_parsing() {
    let err = extract(deeply_nested_docx(20_000)).await.unwrap_err();
    match err {
        ExtractError::LimitExceeded(why) => assert!(why.contains("nests"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Twenty tables nested in one another (XML depth 63) are still read, on the
    // blocking pool's 2 MiB stack, even in a debug build.
    let err = extract(deeply_nested_docx(20)).await.unwrap_err();
    assert!(matches!(err, ExtractError::NoText), "{err:?}");
}

/// Found by fuzzing (`docx_xml`): docx-rs reads each element until its end tag and
/// treats the end of the document as one more event to skip, so an element left
/// open spun forever on a core, holding its extraction slot past every deadline.
#[tokio::test]
async fn docx_whose_xml_leaves_an_element_open_is_corrupt_at_once() {
    let open = r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
    for document in [
        format!("{open}<w:p><w:r><w:t>Jane Doe</w:t></w:r>"),
        format!("{open}<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Rust</w:t></w:r></w:p>"),
        format!("{open}<w:p><w:r><w:t>Jane"),
        // The fuzzer's own find: a mangled declaration, then a paragraph never closed.
        "<?x\u{81}lsingml/2006/main\"><w:body><w:p><w\u{1}@;w:t>Jane Doe</w:t></w:r></w:p><w:tbl>r><w:tc><w:p><w:r><w:t>Rust</w:t>".to_owned(),
    ] {
        let limits = ExtractLimits {
            max_concurrent: 1,
            timeout: Duration::from_secs(10),
            ..ExtractLimits::default()
        };
        let started = Instant::now();
        let err = extract_with(limits, docx_with_document(&document))
            .await
            .unwrap_err();
        assert!(matches!(err, ExtractError::Corrupt(_)), "{document}: {err:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{document}");
    }
}

#[tokio::test]
async fn docx_with_comments_and_cdata_holding_angle_brackets_is_still_read() {
    let document = r#"<?xml version="1.0"?><!-- a <comment> --><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t><![CDATA[Rust <and> C]]></w:t></w:r></w:p><w:p/></w:body></w:document>"#;
    let text = text_of(docx_with_document(document)).await;
    assert!(text.contains("Rust <and> C"), "{text:?}");
}

#[tokio::test]
async fn truncated_docx_is_corrupt() {
    let docx = resume_docx();
    for keep in [docx.len() / 2, docx.len() - 10] {
        let err = extract(docx[..keep].to_vec()).await.unwrap_err();
        assert!(
            matches!(err, ExtractError::Corrupt(_)),
            "kept {keep} bytes: {err:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// DOC

#[tokio::test]
async fn doc_unicode_text_with_tables_and_fields() {
    let main = "Jane Doe\rRust engineer in Zürich\rCompany\u{7}Years\u{7}\u{7}Acme\u{7}2019–2024\u{7}\u{7}\
                Site: \u{13} HYPERLINK \"https://jane.dev\" \u{14}jane.dev\u{15}\rИван, राम\r";
    let doc = word_doc(main, "Curriculum vitae\r", Storage::Unicode);
    let (kind, text) = extract(doc).await.unwrap();
    assert_eq!(kind, DocumentKind::Doc);
    assert_in_order(
        &text,
        &[
            "Jane Doe",
            "Rust engineer in Zürich",
            "Company | Years",
            "Acme | 2019–2024",
            "Site: jane.dev",
            "Иван, राम",
            "Curriculum vitae",
        ],
    );
    assert!(!text.contains("HYPERLINK"), "{text:?}");
}

#[tokio::test]
async fn doc_compressed_8_bit_text() {
    let text = text_of(word_doc(
        "José Müller\rSoftware engi-\rneering – 5 years\r",
        "",
        Storage::Compressed,
    ))
    .await;
    assert_eq!(text, "José Müller\nSoftware engineering – 5 years");
}

#[tokio::test]
async fn encrypted_doc_is_reported_as_encrypted() {
    let doc = word_doc_with("secret\r", "", Storage::Unicode, 0x00C1, 0x0200 | 0x0100);
    assert!(matches!(
        extract(doc).await.unwrap_err(),
        ExtractError::Encrypted
    ));
    // A password-protected DOCX is an OLE2 file with an EncryptedPackage stream.
    let protected = compound_file(&[
        ("/EncryptionInfo", b"\x04\x00\x04\x00"),
        ("/EncryptedPackage", &[0; 64]),
    ]);
    assert!(matches!(
        extract(protected).await.unwrap_err(),
        ExtractError::Encrypted
    ));
}

#[tokio::test]
async fn word_95_doc_asks_for_pdf_or_docx() {
    let doc = word_doc_with("old\r", "", Storage::Compressed, 0x0065, 0x0200);
    let err = extract(doc).await.unwrap_err();
    assert!(
        matches!(err, ExtractError::KindNotSupported(DocumentKind::Doc)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("Please upload your resume as a PDF or DOCX"),
        "{err}"
    );
}

#[tokio::test]
async fn other_office_containers_say_what_they_are() {
    let xls = compound_file(&[("/Workbook", b"not really a workbook")]);
    match extract(xls).await.unwrap_err() {
        ExtractError::Unsupported(unsupported) => {
            assert_eq!(unsupported.detected, "an Excel 97-2003 spreadsheet")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn truncated_doc_is_corrupt() {
    let doc = word_doc("Jane Doe\rRust\r", "", Storage::Unicode);
    let err = extract(doc[..doc.len() / 3].to_vec()).await.unwrap_err();
    assert!(matches!(err, ExtractError::Corrupt(_)), "{err:?}");
}

// ---------------------------------------------------------------------------
// Types, sizes, time

#[tokio::test]
async fn a_png_named_pdf_is_refused_as_a_png() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    // The caller believes it is a PDF (its name said so); the bytes win.
    let err = DocumentExtractor::default()
        .extract(Bytes::from(png), DocumentKind::Pdf)
        .await
        .unwrap_err();
    match &err {
        ExtractError::Unsupported(unsupported) => assert_eq!(unsupported.detected, "a PNG image"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "This file is a PNG image, not a PDF, DOC or DOCX document. Please upload your resume as a PDF or DOCX."
    );
}

#[tokio::test]
async fn wrong_types_are_refused_with_what_they_are() {
    for (bytes, detected) in [
        (b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec(), "a JPEG image"),
        (b"Jane Doe\nRust engineer\n".to_vec(), "a plain text file"),
        (Vec::new(), "an empty file"),
        (b"{\\rtf1\\ansi Jane}".to_vec(), "an RTF document"),
    ] {
        match extract(bytes).await.unwrap_err() {
            ExtractError::Unsupported(unsupported) => assert_eq!(unsupported.detected, detected),
            other => panic!("{detected}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_docx_claimed_as_pdf_is_read_as_the_docx_it_is() {
    let text = DocumentExtractor::default()
        .extract(Bytes::from(resume_docx()), DocumentKind::Pdf)
        .await
        .unwrap();
    assert!(text.contains("References on request"), "{text:?}");
}

#[tokio::test]
async fn files_over_the_size_limit_are_refused_before_parsing() {
    let limits = ExtractLimits {
        max_input_bytes: 100,
        ..ExtractLimits::default()
    };
    let pdf = simple_pdf(&[&["x"; 40]]);
    let size = pdf.len() as u64;
    let err = extract_with(limits, pdf).await.unwrap_err();
    assert!(
        matches!(err, ExtractError::TooLarge { size: s, limit: 100 } if s == size),
        "{err:?}"
    );
    // The default is 5 MiB.
    let six_mib = vec![b'%'; 6 * 1024 * 1024];
    assert!(matches!(
        extract(six_mib).await.unwrap_err(),
        ExtractError::TooLarge {
            limit: 5_242_880,
            ..
        }
    ));
}

#[tokio::test]
async fn the_deadline_cuts_extraction_short() {
    let pages: Vec<Vec<Placed>> = (0..40)
        .map(|i| lines(&[format!("Page {i} of a long resume").as_str(); 40]))
        .collect();
    let limits = ExtractLimits {
        timeout: Duration::from_millis(1),
        ..ExtractLimits::default()
    };
    let started = Instant::now();
    let err = extract_with(limits, text_pdf(&pages, Font::Helvetica))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ExtractError::TimedOut(t) if t == Duration::from_millis(1)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn extractions_run_concurrently_and_independently() {
    let extractor = DocumentExtractor::new(ExtractLimits {
        max_concurrent: 2,
        ..ExtractLimits::default()
    });
    let jobs = (0..6).map(|i| {
        let extractor = extractor.clone();
        let pdf = simple_pdf(&[&[&format!("Candidate {i}")]]);
        tokio::spawn(async move { extractor.extract_file(Bytes::from(pdf)).await })
    });
    for (i, job) in jobs.enumerate() {
        let (_, text) = job.await.unwrap().unwrap();
        assert_eq!(text, format!("Candidate {i}"));
    }
}

#[test]
fn extract_blocking_gives_the_same_answers_without_a_runtime() {
    let extractor = DocumentExtractor::default();
    let (kind, text) = extractor.extract_blocking(&resume_docx()).unwrap();
    assert_eq!(kind, DocumentKind::Docx);
    assert!(text.contains("Acme Corp | Senior Engineer"));
    assert!(matches!(
        extractor.extract_blocking(&pdf_without_media_box()),
        Err(ExtractError::Failed(_))
    ));
    assert!(matches!(
        extractor.extract_blocking(&image_only_pdf()),
        Err(ExtractError::NoText)
    ));
}
