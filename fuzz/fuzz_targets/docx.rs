//! Any bytes, read as a DOCX archive: the zip layer, the zip-bomb guard and the
//! XML check in front of docx-rs.
#![no_main]

use interview_core::resume::DocumentExtractor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // libfuzzer-sys aborts on every panic, even one the extractor catches and
    // reports as `Failed`; a panic that escapes still aborts (it cannot unwind out
    // of the fuzzer's entry point).
    init: std::panic::set_hook(Box::new(|_| {})),
    |data: &[u8]| {
    // The sniffer wants a ZIP that names `word/` parts.
    let mut file = b"PK\x03\x04".to_vec();
    file.extend_from_slice(data);
    file.extend_from_slice(b"word/");
    let _ = DocumentExtractor::default().extract_blocking(&file);
});
