//! Any bytes as the `WordDocument` and `1Table` streams of a valid OLE2 file: the
//! FIB and piece-table reader, which is this project's own code and must never
//! panic (a panic would surface as `ExtractError::Failed`).
#![no_main]

use std::io::{Cursor, Write};

use interview_core::resume::{DocumentExtractor, ExtractError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // libfuzzer-sys aborts on every panic, even one the extractor catches and
    // reports as `Failed`; a panic that escapes still aborts (it cannot unwind out
    // of the fuzzer's entry point).
    init: std::panic::set_hook(Box::new(|_| {})),
    |data: &[u8]| {
    // The first two bytes say where the WordDocument stream ends and 1Table begins.
    let Some((split, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let split = usize::from(u16::from_le_bytes(*split)).min(rest.len());
    let (word, table) = rest.split_at(split);
    let Ok(mut file) = cfb::CompoundFile::create(Cursor::new(Vec::new())) else {
        return;
    };
    for (path, stream) in [("/WordDocument", word), ("/1Table", table)] {
        let Ok(mut writer) = file.create_stream(path) else {
            return;
        };
        if writer.write_all(stream).is_err() {
            return;
        }
    }
    if file.flush().is_err() {
        return;
    }
    let bytes = file.into_inner().into_inner();
    let result = DocumentExtractor::default().extract_blocking(&bytes);
    assert!(
        !matches!(result, Err(ExtractError::Failed(_))),
        "{result:?}"
    );
});
