//! PDF decompression bombs and other files built to make the parsers work without
//! bound: each is refused with a typed error, and the extractor's slots are free
//! again at once. (Peak memory is measured in `pdf_bomb_memory.rs`, alone in its
//! test binary so no other test's allocations count.)

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
#![cfg(feature = "pdf")]

mod fixtures;

use std::time::Duration;

use bytes::Bytes;
use interview_core::resume::{DocumentExtractor, ExtractError, ExtractLimits};
use lopdf::Object;

use fixtures::bombs::{
    flate_bomb_pdf, hand_written_pdf, nested_forms_pdf, object_stream_bomb_pdf, pdf_with_content,
    repeated_form_pdf, shared_content_pdf, xref_stream_pdf, zlib_repeating, zlib_zeros,
};
use fixtures::pdf::simple_pdf;

const GIB: u64 = 1024 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

fn small_cap(bytes: u64) -> DocumentExtractor {
    DocumentExtractor::new(ExtractLimits {
        max_decompressed_bytes: bytes,
        ..ExtractLimits::default()
    })
}

fn assert_limit(result: Result<(impl std::fmt::Debug, String), ExtractError>, detail: &str) {
    match result {
        Err(ExtractError::LimitExceeded(why)) => assert!(why.contains(detail), "{why}"),
        other => panic!("expected LimitExceeded({detail:?}), got {other:?}"),
    }
}

#[tokio::test]
async fn a_flate_content_stream_inflating_to_a_gibibyte_is_refused_as_over_the_limit() {
    let pdf = flate_bomb_pdf(GIB);
    assert!(pdf.len() < 5 * MIB as usize, "{} bytes", pdf.len());
    let error = DocumentExtractor::default()
        .extract_file(Bytes::from(pdf))
        .await
        .unwrap_err();
    assert!(matches!(error, ExtractError::LimitExceeded(_)), "{error:?}");
    assert!(error.detail().unwrap().contains("decompress"), "{error:?}");
}

#[test]
fn a_single_layer_flate_bomb_is_refused_too() {
    assert_limit(
        small_cap(MIB).extract_blocking(&flate_bomb_pdf(64 * MIB)),
        "decompress",
    );
}

#[test]
fn every_filter_lopdf_decodes_is_measured() {
    let extractor = small_cap(MIB);
    // LZW: the same zeros, encoded by weezl as lopdf's LZWDecode expects.
    let zeros = vec![0_u8; 8 * MIB as usize];
    let lzw = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
        .encode(&zeros)
        .unwrap();
    assert_limit(
        extractor.extract_blocking(&pdf_with_content(lzw, "LZWDecode".into(), None)),
        "decompress",
    );
    // ASCII85: every `z` is four zero bytes.
    let z = vec![b'z'; 2 * MIB as usize];
    assert_limit(
        extractor.extract_blocking(&pdf_with_content(z, "ASCII85Decode".into(), None)),
        "decompress",
    );
    // A chain: ASCII85 around Flate.
    let flate = zlib_zeros(8 * MIB);
    let mut a85 = Vec::new();
    for chunk in flate.chunks(4) {
        let mut group = [0_u8; 4];
        group[..chunk.len()].copy_from_slice(chunk);
        let mut value = u32::from_be_bytes(group);
        let mut digits = [0_u8; 5];
        for digit in digits.iter_mut().rev() {
            *digit = b'!' + (value % 85) as u8;
            value /= 85;
        }
        a85.extend_from_slice(&digits[..chunk.len() + 1]);
    }
    a85.extend_from_slice(b"~>");
    let chain = Object::Array(vec!["ASCII85Decode".into(), "FlateDecode".into()]);
    assert_limit(
        extractor.extract_blocking(&pdf_with_content(a85, chain, None)),
        "decompress",
    );
    // A PNG predictor whose rows would be a gigabyte each, allocated before decoding.
    let params = lopdf::dictionary! { "Predictor" => 12, "Columns" => 1_000_000_000 };
    assert_limit(
        extractor.extract_blocking(&pdf_with_content(
            zlib_zeros(1024),
            "FlateDecode".into(),
            Some(params.into()),
        )),
        "decompress",
    );
}

#[test]
fn a_stream_shared_by_many_pages_counts_once_per_page() {
    // 256 KiB each: under a 4 MiB cap alone, 20 pages inflate it 5 MiB (twice:
    // pdf-extract concatenates a page's streams into one more buffer).
    let pdf = shared_content_pdf(20, 256 * 1024);
    assert_limit(small_cap(4 * MIB).extract_blocking(&pdf), "decompress");
    // The same file with 3 pages fits.
    let pdf = shared_content_pdf(3, 256 * 1024);
    assert!(matches!(
        small_cap(4 * MIB).extract_blocking(&pdf),
        Err(ExtractError::NoText)
    ));
}

#[test]
fn a_form_drawn_many_times_counts_once_per_draw() {
    assert_limit(
        DocumentExtractor::default().extract_blocking(&repeated_form_pdf(2_000, MIB)),
        "decompress",
    );
}

#[test]
fn forms_nested_too_deep_or_drawing_themselves_are_refused() {
    let extractor = DocumentExtractor::default();
    let (_, text) = extractor
        .extract_blocking(&nested_forms_pdf(5, false))
        .unwrap();
    assert_eq!(text, "Deep");
    assert_limit(
        extractor.extract_blocking(&nested_forms_pdf(40, false)),
        "nests forms",
    );
    // pdf-extract would recurse until the stack overflows, which aborts the process.
    assert_limit(
        extractor.extract_blocking(&nested_forms_pdf(3, true)),
        "draws itself",
    );
}

/// A one-page PDF whose page (object 3) names `parent` as its `/Parent`, followed
/// by `extra` objects (numbered from 6); the page has no `/Resources` of its own.
fn page_with_parent(parent: &str, extra: &[Vec<u8>]) -> Vec<u8> {
    let content = b"BT /F1 12 Tf 72 720 Td (Jane Doe) Tj ET";
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent {parent} /MediaBox [0 0 612 792] /Contents 4 0 R >>")
            .into_bytes(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    objects.extend_from_slice(extra);
    hand_written_pdf(&objects)
}

/// Found by fuzzing: pdf-extract looks inherited keys up the `/Parent` chain
/// recursively, so a page that is its own ancestor looped forever in a release
/// build and overflowed the stack, aborting the process, in a debug one.
#[test]
fn a_page_tree_that_loops_or_runs_too_deep_is_refused() {
    let extractor = DocumentExtractor::default();
    for pdf in [
        page_with_parent("3 0 R", &[]),
        page_with_parent("6 0 R", &[b"<< /Type /Pages /Parent 3 0 R >>".to_vec()]),
    ] {
        match extractor.extract_blocking(&pdf) {
            Err(ExtractError::Corrupt(why)) => assert!(why.contains("loops"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
    let chain = |levels: usize| -> Vec<Vec<u8>> {
        (0..levels)
            .map(|level| match level + 1 < levels {
                true => format!("<< /Type /Pages /Parent {} 0 R >>", 7 + level).into_bytes(),
                // The font is inherited from the top of the chain.
                false => b"<< /Type /Pages /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
            })
            .collect()
    };
    assert_limit(
        extractor.extract_blocking(&page_with_parent("6 0 R", &chain(100))),
        "levels deep",
    );
    // A few levels above the page are what real files have: still read.
    let (_, text) = extractor
        .extract_blocking(&page_with_parent("6 0 R", &chain(5)))
        .unwrap();
    assert_eq!(text, "Jane Doe");
}

#[test]
fn an_object_stream_bomb_is_refused_while_loading() {
    assert_limit(
        DocumentExtractor::default().extract_blocking(&object_stream_bomb_pdf(256 * MIB)),
        "decompress",
    );
}

#[test]
fn a_cross_reference_stream_bomb_is_refused_before_loading() {
    let pdf = xref_stream_pdf(
        "/Size 2 /W [1 1 1] /Filter /FlateDecode",
        &zlib_zeros(256 * MIB),
    );
    assert_limit(
        DocumentExtractor::default().extract_blocking(&pdf),
        "decompress",
    );
}

#[test]
fn cross_reference_streams_that_make_lopdf_loop_or_allocate_without_bound_are_refused() {
    let extractor = DocumentExtractor::default();
    // Widths of zero: lopdf would insert two billion entries without reading a byte.
    let pdf = xref_stream_pdf("/Size 2 /W [0 0 0] /Index [0 2000000000]", b"");
    assert_limit(extractor.extract_blocking(&pdf), "declares");
    let pdf = xref_stream_pdf("/Size 2 /W [0 0 0] /Index [0 1000]", b"");
    assert!(
        matches!(extractor.extract_blocking(&pdf), Err(ExtractError::Corrupt(why)) if why.contains("zero bytes")),
    );
    // A field width lopdf would allocate as given: a terabyte.
    let pdf = xref_stream_pdf("/Size 2 /W [1 1000000000000 1]", &[1, 0, 0]);
    assert!(
        matches!(extractor.extract_blocking(&pdf), Err(ExtractError::Corrupt(why)) if why.contains("widths")),
    );
}

#[test]
fn a_stream_whose_length_lives_in_an_object_stream_is_refused() {
    // Object 3 is compressed in object stream 2; stream 4's /Length refers to it,
    // so lopdf would inflate object stream 2 again for every such stream.
    let objstm_body = b"3 0 5";
    let mut objstm = b"3 0 ".to_vec();
    objstm.extend_from_slice(&objstm_body[4..]);
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let objstm_offset = pdf.len();
    pdf.extend_from_slice(
        b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length 5 >>\nstream\n3 0 5\nendstream\nendobj\n",
    );
    let stream_offset = pdf.len();
    pdf.extend_from_slice(b"4 0 obj\n<< /Length 3 0 R >>\nstream\nabcde\nendstream\nendobj\n");
    let xref_offset = pdf.len();
    let mut entries = Vec::new();
    entries.extend_from_slice(&[0, 0, 0, 0]);
    entries.extend_from_slice(&[1, 0, 0, 0]); // object 1: nothing
    entries.extend_from_slice(&[1, 0, objstm_offset as u8, 0]);
    entries.extend_from_slice(&[2, 0, 2, 0]); // object 3 in object stream 2
    entries.extend_from_slice(&[1, 0, stream_offset as u8, 0]);
    pdf.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /XRef /Size 5 /W [1 2 1] /Length {} >>\nstream\n",
            entries.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&entries);
    pdf.extend_from_slice(
        format!("\nendstream\nendobj\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes(),
    );
    assert_limit(
        DocumentExtractor::default().extract_blocking(&pdf),
        "object stream",
    );
}

#[test]
fn ordinary_resumes_still_read_within_the_limits() {
    let pdf = simple_pdf(&[&["Jane Doe", "Rust engineer"], &["Experience"]]);
    let (_, text) = DocumentExtractor::default().extract_blocking(&pdf).unwrap();
    assert!(
        text.contains("Jane Doe") && text.contains("Experience"),
        "{text}"
    );
    // Streams that are compressed well but modestly (a page of drawing operators)
    // stay well under the cap.
    let pdf = pdf_with_content(
        zlib_repeating(b"0 0 m ", 256 * 1024),
        "FlateDecode".into(),
        None,
    );
    assert!(matches!(
        DocumentExtractor::default().extract_blocking(&pdf),
        Err(ExtractError::NoText)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_two_bombs_the_next_upload_is_read_at_once() {
    let extractor = DocumentExtractor::new(ExtractLimits {
        max_concurrent: 2,
        timeout: Duration::from_secs(15),
        ..ExtractLimits::default()
    });
    let bomb = Bytes::from(flate_bomb_pdf(GIB));
    let bombs = [bomb.clone(), bomb].map(|bomb| {
        let extractor = extractor.clone();
        tokio::spawn(async move { extractor.extract_file(bomb).await })
    });
    for bomb in bombs {
        let error = bomb.await.unwrap().unwrap_err();
        assert!(matches!(error, ExtractError::LimitExceeded(_)), "{error:?}");
    }
    // Refused, not timed out: both parsers have returned and given their slots
    // back, so the next candidate's resume is read (today's code would still be
    // inflating both bombs, and this upload would wait for a slot and time out).
    let (_, text) = extractor
        .extract_file(Bytes::from(simple_pdf(&[&["Candidate after the bombs"]])))
        .await
        .unwrap();
    assert_eq!(text, "Candidate after the bombs");
}
