//! Legacy Word 97-2003 `.doc`: best-effort text from the binary format.
//!
//! A `.doc` is an OLE2 compound file. Its `WordDocument` stream starts with the File
//! Information Block (FIB), which says how long the main text is and where the piece
//! table (inside the CLX, in the `0Table` or `1Table` stream) lies. The piece table
//! maps runs of character positions to byte ranges of `WordDocument`, each either
//! UTF-16LE or "compressed" 8-bit Windows-1252. Formatting is ignored; only the main
//! text and the header/footer story are read. Word 6/95 files, which have no piece
//! table, are refused with a request for a PDF or DOCX.

use std::io::{Cursor, Read};

use super::ExtractError;
use super::limits::Budget;
use crate::resume::{DocumentKind, UnsupportedDocument};

/// `wIdent` of a Word binary FIB.
const WORD_MAGIC: u16 = 0xA5EC;
/// `nFib` of Word 97; later versions have larger numbers.
const WORD_97: u16 = 0x00C1;
const FLAG_ENCRYPTED: u16 = 0x0100;
const FLAG_TABLE_1: u16 = 0x0200;
const FLAG_OBFUSCATED: u16 = 0x8000;
/// `fcClx`/`lcbClx` are the 34th pair in `FibRgFcLcb97`.
const CLX_PAIR_INDEX: usize = 33;

/// The raw text of a `.doc`: the main text, then the header and footer story.
pub(super) fn extract(bytes: &[u8], budget: &Budget<'_>) -> Result<String, ExtractError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|error| {
        ExtractError::Corrupt(format!("the DOC container is unreadable: {error}"))
    })?;
    if !file.is_stream("/WordDocument") {
        if file.is_stream("/EncryptedPackage") {
            // A password-protected DOCX is stored in an OLE2 container.
            return Err(ExtractError::Encrypted);
        }
        let detected = if file.is_stream("/Workbook") || file.is_stream("/Book") {
            "an Excel 97-2003 spreadsheet"
        } else if file.is_stream("/PowerPoint Document") {
            "a PowerPoint 97-2003 presentation"
        } else {
            "an Office container that is not a Word document"
        };
        return Err(UnsupportedDocument { detected }.into());
    }
    let limit = bytes.len() as u64;
    let word = read_stream(&mut file, "/WordDocument", limit)?;
    let fib = Fib::parse(&word)?;
    budget.checkpoint()?;
    let table_name = if fib.table_1 { "/1Table" } else { "/0Table" };
    if !file.is_stream(table_name) {
        return Err(ExtractError::Corrupt(format!(
            "the DOC has no {} stream",
            &table_name[1..]
        )));
    }
    let table = read_stream(&mut file, table_name, limit)?;
    let clx = slice(&table, fib.clx_offset, fib.clx_len)
        .ok_or_else(|| corrupt("the piece table lies outside its stream"))?;
    let pieces = PieceTable::parse(clx)?;

    let cap = budget.limits.max_raw_text_bytes();
    let main = pieces.text(&word, 0, fib.main_len, cap, budget)?;
    let story_start = fib.main_len.saturating_add(fib.footnote_len);
    let headers = pieces.text(
        &word,
        story_start,
        story_start.saturating_add(fib.header_len),
        cap,
        budget,
    )?;
    let mut text = word_text(&main);
    let headers = word_text(&headers);
    if !headers.trim().is_empty() {
        text.push_str("\n\n");
        text.push_str(&headers);
    }
    Ok(text)
}

fn corrupt(what: &str) -> ExtractError {
    ExtractError::Corrupt(what.to_owned())
}

fn read_stream(
    file: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    path: &str,
    limit: u64,
) -> Result<Vec<u8>, ExtractError> {
    let stream = file.open_stream(path).map_err(|error| {
        ExtractError::Corrupt(format!("the DOC's {path} stream is unreadable: {error}"))
    })?;
    let mut data = Vec::new();
    // A stream cannot hold more than the file; the cap also stops a looping chain.
    stream.take(limit).read_to_end(&mut data).map_err(|error| {
        ExtractError::Corrupt(format!("the DOC's {path} stream is damaged: {error}"))
    })?;
    Ok(data)
}

fn slice(bytes: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    bytes.get(offset..offset.checked_add(len)?)
}

fn u16_at(bytes: &[u8], offset: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        slice(bytes, offset, 2)?.try_into().ok()?,
    ))
}

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        slice(bytes, offset, 4)?.try_into().ok()?,
    ))
}

/// The parts of the File Information Block this reader needs.
#[derive(Debug, PartialEq, Eq)]
struct Fib {
    table_1: bool,
    /// Character counts of the main text, the footnotes and the header story.
    main_len: u32,
    footnote_len: u32,
    header_len: u32,
    clx_offset: usize,
    clx_len: usize,
}

impl Fib {
    fn parse(word: &[u8]) -> Result<Self, ExtractError> {
        let short = || corrupt("the DOC's file information block is cut short");
        if u16_at(word, 0).ok_or_else(short)? != WORD_MAGIC {
            return Err(corrupt(
                "the DOC's WordDocument stream is not a Word document",
            ));
        }
        let version = u16_at(word, 2).ok_or_else(short)?;
        let flags = u16_at(word, 0x0A).ok_or_else(short)?;
        if flags & (FLAG_ENCRYPTED | FLAG_OBFUSCATED) != 0 {
            return Err(ExtractError::Encrypted);
        }
        if version < WORD_97 {
            // Word 6 and Word 95 lay text out differently; not worth a second reader.
            return Err(ExtractError::KindNotSupported(DocumentKind::Doc));
        }
        // FibBase (32 bytes), then three arrays, each preceded by its length.
        let shorts = usize::from(u16_at(word, 32).ok_or_else(short)?);
        let longs_at = 32 + 2 + shorts * 2;
        let longs = usize::from(u16_at(word, longs_at).ok_or_else(short)?);
        let longs_start = longs_at + 2;
        let pairs_at = longs_start + longs * 4;
        let pairs = usize::from(u16_at(word, pairs_at).ok_or_else(short)?);
        if longs < 6 || pairs <= CLX_PAIR_INDEX {
            return Err(short());
        }
        let count = |index: usize| -> Result<u32, ExtractError> {
            let value = u32_at(word, longs_start + index * 4).ok_or_else(short)?;
            // Counts are signed in the format; a negative one is damage.
            i32::try_from(value).map_err(|_| corrupt("the DOC has a negative text length"))?;
            Ok(value)
        };
        let clx_at = pairs_at + 2 + CLX_PAIR_INDEX * 8;
        Ok(Self {
            table_1: flags & FLAG_TABLE_1 != 0,
            main_len: count(3)?,
            footnote_len: count(4)?,
            header_len: count(5)?,
            clx_offset: u32_at(word, clx_at).ok_or_else(short)? as usize,
            clx_len: u32_at(word, clx_at + 4).ok_or_else(short)? as usize,
        })
    }
}

/// Where each run of character positions is stored.
#[derive(Debug, PartialEq, Eq)]
struct PieceTable {
    /// `(first cp, end cp, byte offset in WordDocument, 8-bit?)`, in cp order.
    pieces: Vec<(u32, u32, usize, bool)>,
}

impl PieceTable {
    fn parse(clx: &[u8]) -> Result<Self, ExtractError> {
        let mut at = 0;
        // Skip the property modifiers (Prc, clxt = 1) before the piece table (Pcdt, clxt = 2).
        while clx.get(at) == Some(&0x01) {
            let size = u16_at(clx, at + 1).ok_or_else(|| corrupt("the DOC's CLX is cut short"))?;
            at += 3 + usize::from(size);
        }
        if clx.get(at) != Some(&0x02) {
            return Err(corrupt("the DOC has no piece table"));
        }
        let len = u32_at(clx, at + 1)
            .ok_or_else(|| corrupt("the DOC's piece table is cut short"))?
            as usize;
        let plc =
            slice(clx, at + 5, len).ok_or_else(|| corrupt("the DOC's piece table is cut short"))?;
        // n + 1 character positions (4 bytes each), then n descriptors (8 bytes each).
        if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
            return Err(corrupt("the DOC's piece table has a wrong size"));
        }
        let count = (plc.len() - 4) / 12;
        let mut pieces = Vec::with_capacity(count);
        for index in 0..count {
            let cp = |i: usize| {
                u32_at(plc, i * 4).ok_or_else(|| corrupt("the DOC's piece table is cut short"))
            };
            let (start, end) = (cp(index)?, cp(index + 1)?);
            if end < start {
                return Err(corrupt("the DOC's piece table is out of order"));
            }
            let descriptor = (count + 1) * 4 + index * 8;
            let fc = u32_at(plc, descriptor + 2)
                .ok_or_else(|| corrupt("the DOC's piece table is cut short"))?;
            let compressed = fc & 0x4000_0000 != 0;
            let fc = (fc & 0x3FFF_FFFF) as usize;
            let offset = if compressed { fc / 2 } else { fc };
            pieces.push((start, end, offset, compressed));
        }
        Ok(Self { pieces })
    }

    /// The characters at positions `from..to`, decoded, as Word stores them (with
    /// its marks for paragraphs, cells and fields).
    fn text(
        &self,
        word: &[u8],
        from: u32,
        to: u32,
        cap: usize,
        budget: &Budget<'_>,
    ) -> Result<String, ExtractError> {
        let mut text = String::new();
        for (index, &(start, end, offset, compressed)) in self.pieces.iter().enumerate() {
            if index % 256 == 255 {
                budget.checkpoint()?;
            }
            let (start_cp, end_cp) = (start.max(from), end.min(to));
            if start_cp >= end_cp {
                continue;
            }
            let skip = (start_cp - start) as usize;
            let chars = (end_cp - start_cp) as usize;
            let width = if compressed { 1 } else { 2 };
            let bytes = slice(word, offset + skip * width, chars * width)
                .ok_or_else(|| corrupt("the DOC's text lies outside its stream (truncated?)"))?;
            if compressed {
                let (decoded, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
                text.push_str(&decoded);
            } else {
                let units = bytes
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
                text.extend(
                    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)),
                );
            }
            if text.len() > cap {
                return Err(ExtractError::LimitExceeded(format!(
                    "the DOC holds more than {} characters of text",
                    budget.limits.max_text_chars
                )));
            }
        }
        Ok(text)
    }
}

/// Turns Word's marks into plain text: paragraph marks and line breaks into line
/// breaks, cell marks into `" | "` and row ends into line breaks, field codes
/// dropped (their results kept), non-breaking hyphens into hyphens.
fn word_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    // For each open field: whether we are still in its instruction part.
    let mut fields: Vec<bool> = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{13}' => fields.push(true),
            '\u{14}' => {
                if let Some(in_code) = fields.last_mut() {
                    *in_code = false;
                }
            }
            '\u{15}' => {
                fields.pop();
            }
            _ if fields.iter().any(|&in_code| in_code) => {}
            '\r' | '\u{0B}' => out.push('\n'),
            '\u{07}' => {
                // The last cell's mark is followed by the row's own mark.
                if chars.peek() == Some(&'\u{07}') {
                    chars.next();
                    out.push('\n');
                } else {
                    out.push_str(" | ");
                }
            }
            '\u{1E}' => out.push('-'),
            '\u{1F}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_word_marks_into_text() {
        assert_eq!(
            word_text("Jane Doe\rRust\u{0B}Go\r"),
            "Jane Doe\nRust\nGo\n"
        );
        assert_eq!(
            word_text("a\u{07}b\u{07}\u{07}c\u{07}d\u{07}\u{07}"),
            "a | b\nc | d\n"
        );
        assert_eq!(
            word_text("well\u{1E}known opti\u{1F}mal"),
            "well-known optimal"
        );
    }

    #[test]
    fn keeps_field_results_and_drops_field_codes() {
        let link = "see \u{13} HYPERLINK \"https://x\" \u{14}my site\u{15} now";
        assert_eq!(word_text(link), "see my site now");
        let nested = "\u{13}IF \u{13}PAGE\u{14}1\u{15} = 1\u{14}first\u{15}";
        assert_eq!(word_text(nested), "first");
        // A field without a result leaves nothing.
        assert_eq!(word_text("a\u{13}TOC\u{15}b"), "ab");
    }

    #[test]
    fn reads_a_piece_table_after_property_modifiers() {
        let mut plc = Vec::new();
        for cp in [0u32, 5, 9] {
            plc.extend_from_slice(&cp.to_le_bytes());
        }
        for fc in [0x0800u32, 0x4000_0000 | (0x1000 * 2)] {
            plc.extend_from_slice(&[0, 0]);
            plc.extend_from_slice(&fc.to_le_bytes());
            plc.extend_from_slice(&[0, 0]);
        }
        let mut clx = vec![0x01, 2, 0, 0xAA, 0xBB, 0x02];
        clx.extend_from_slice(&(plc.len() as u32).to_le_bytes());
        clx.extend_from_slice(&plc);
        let table = PieceTable::parse(&clx).unwrap();
        assert_eq!(
            table.pieces,
            vec![(0, 5, 0x0800, false), (5, 9, 0x1000, true)]
        );
    }

    #[test]
    fn refuses_broken_piece_tables() {
        assert!(matches!(
            PieceTable::parse(&[]),
            Err(ExtractError::Corrupt(_))
        ));
        assert!(matches!(
            PieceTable::parse(&[0x02, 100, 0, 0, 0, 1, 2]),
            Err(ExtractError::Corrupt(_))
        ));
        assert!(matches!(
            PieceTable::parse(&[0x01, 0xFF, 0xFF]),
            Err(ExtractError::Corrupt(_))
        ));
    }
}
