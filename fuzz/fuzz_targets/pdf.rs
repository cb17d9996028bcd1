//! Any bytes, read as a PDF. Panics inside pdf-extract are caught and expected (it
//! panics on about one corrupted file in ten); what this looks for is what the
//! guard cannot catch: aborts, stack overflows, runaway memory, hangs.
#![no_main]

use interview_core::resume::{DocumentExtractor, DocumentKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // libfuzzer-sys aborts on every panic, even one the extractor catches and
    // reports as `Failed`; a panic that escapes still aborts (it cannot unwind out
    // of the fuzzer's entry point).
    init: std::panic::set_hook(Box::new(|_| {})),
    |data: &[u8]| {
    // Start every input as a PDF so the fuzzer spends its time inside the parser.
    let mut file = b"%PDF-1.7\n".to_vec();
    file.extend_from_slice(data);
    if let Ok((kind, text)) = DocumentExtractor::default().extract_blocking(&file) {
        assert_eq!(kind, DocumentKind::Pdf);
        assert!(!text.is_empty());
    }
});
