//! Any bytes as `word/document.xml` inside an otherwise valid DOCX package: the
//! XML side of docx-rs and the text walk, which the archive target rarely reaches.
#![no_main]

use std::io::{Cursor, Write};

use interview_core::resume::DocumentExtractor;
use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#;

fuzz_target!(
    // libfuzzer-sys aborts on every panic, even one the extractor catches and
    // reports as `Failed`; a panic that escapes still aborts (it cannot unwind out
    // of the fuzzer's entry point).
    init: std::panic::set_hook(Box::new(|_| {})),
    |data: &[u8]| {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.as_bytes()),
        ("word/document.xml", data),
    ] {
        if zip.start_file(name, options).is_err() || zip.write_all(content).is_err() {
            return;
        }
    }
    let Ok(file) = zip.finish() else { return };
    let _ = DocumentExtractor::default().extract_blocking(&file.into_inner());
});
