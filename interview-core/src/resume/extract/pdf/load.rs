//! Loading a PDF with lopdf without letting it inflate more than the allowance.
//!
//! `lopdf::Document::load_mem` already decodes streams, with no cap (lopdf 0.42,
//! `reader.rs`):
//! - every cross-reference stream of the chain (`startxref`, `/Prev`, `/XRefStm`);
//! - every object stream (`/Type /ObjStm`) at an offset of the cross-reference
//!   table, once per table entry pointing at it (entries can repeat an offset);
//! - in an encrypted file, after decrypting, every stream that the table names as a
//!   container of compressed objects, whatever its type;
//! - the container of a compressed object, again, each time a stream's `/Length`
//!   refers to that object.
//!
//! So before loading, the chain of cross-reference streams is read here and
//! measured (and its tables checked: lopdf loops over every entry a table declares
//! and allocates each field's width); the object streams are measured during the
//! load, by a filter lopdf calls on every object before it decodes it, which
//! empties any stream the allowance cannot pay for; and the two cases that cannot be
//! measured from the outside (encrypted object streams, lengths kept in object
//! streams) are refused.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

use super::super::ExtractError;
use super::super::limits::Budget;
use super::decode::{self, Allowance, OverAllowance};
use super::syntax;

/// More cross-reference sections than any file written by a program has; each is
/// parsed and decoded.
const MAX_XREF_SECTIONS: usize = 1_000;

/// More cross-reference entries than a 5 MiB file can hold objects for. lopdf
/// loops over every entry a section declares, and keeps each.
const MAX_XREF_ENTRIES: u64 = 1_000_000;

/// What the cross-reference chain says about a file.
#[derive(Debug, Default)]
struct Chain {
    /// Compressed objects: object number -> container object number.
    compressed: BTreeMap<u32, u32>,
    encrypted: bool,
}

/// Loads `bytes` with lopdf, within `allowance`, or says why not.
pub(super) fn load(
    bytes: &[u8],
    allowance: &mut Allowance,
    budget: &Budget<'_>,
) -> Result<Document, ExtractError> {
    // lopdf reads from the header on; offsets count from there.
    let bytes = &bytes[syntax::find(bytes, b"%PDF-").unwrap_or(0)..];
    let chain = read_chain(bytes, allowance)?;
    if chain.encrypted && !chain.compressed.is_empty() {
        // lopdf inflates these after decrypting, out of reach of the filter.
        tracing::info!(
            "refusing an encrypted PDF with object streams: they cannot be measured before decrypting"
        );
        return Err(ExtractError::Encrypted);
    }
    if let Some(length) = length_in_object_stream(bytes, &chain.compressed) {
        return Err(ExtractError::LimitExceeded(format!(
            "a stream's /Length refers to object {length}, kept in an object stream: lopdf would inflate that object stream once per such stream"
        )));
    }
    budget.checkpoint()?;
    let guard = LoadGuard::install(
        Allowance::new(allowance.cap() - allowance.used()),
        budget.deadline(),
    );
    let loaded = Document::load_mem_with_options(
        bytes,
        LoadOptions {
            filter: Some(measure_object_streams),
            ..LoadOptions::default()
        },
    );
    let outcome = guard.finish();
    allowance
        .spend(outcome.allowance.used())
        .map_err(|OverAllowance| over(allowance.cap()))?;
    if outcome.over {
        return Err(over(allowance.cap()));
    }
    if outcome.late {
        return Err(ExtractError::TimedOut(budget.limits.timeout));
    }
    loaded.map_err(super::load_error)
}

pub(super) fn over(cap: u64) -> ExtractError {
    ExtractError::LimitExceeded(format!(
        "the PDF's streams decompress to more than the {cap} bytes allowed"
    ))
}

/// Follows `startxref`, `/Prev` and `/XRefStm` as lopdf does, measuring every
/// cross-reference stream and reading its entries.
fn read_chain(bytes: &[u8], allowance: &mut Allowance) -> Result<Chain, ExtractError> {
    let mut chain = Chain::default();
    let Some(start) = xref_start(bytes) else {
        // lopdf refuses the file itself.
        return Ok(chain);
    };
    let mut pending = vec![start];
    let mut seen = HashSet::new();
    let mut entries = 0_u64;
    while let Some(offset) = pending.pop() {
        if offset > bytes.len() || !seen.insert(offset) {
            continue;
        }
        if seen.len() > MAX_XREF_SECTIONS {
            return Err(ExtractError::LimitExceeded(format!(
                "the PDF has more than {MAX_XREF_SECTIONS} cross-reference sections"
            )));
        }
        let trailer = if let Some(trailer) = syntax::classic_trailer(bytes, offset) {
            trailer
        } else if let Some(raw) = syntax::indirect_object(bytes, offset) {
            let Some(data_start) = raw.stream_start else {
                continue;
            };
            let data = syntax::stream_data(bytes, &raw.dict, data_start);
            let decoded = decode::decode(&raw.dict, data, allowance)
                .map_err(|OverAllowance| over(allowance.cap()))?;
            if let Some(decoded) = decoded {
                entries += read_xref_stream(&raw.dict, &decoded, &mut chain)?;
                if entries > MAX_XREF_ENTRIES {
                    return Err(ExtractError::LimitExceeded(format!(
                        "the PDF's cross-reference streams declare more than {MAX_XREF_ENTRIES} objects"
                    )));
                }
            }
            raw.dict
        } else {
            continue;
        };
        chain.encrypted |= trailer.get(b"Encrypt").is_ok();
        for key in [&b"Prev"[..], b"XRefStm"] {
            if let Some(next) = trailer
                .get(key)
                .and_then(Object::as_i64)
                .ok()
                .and_then(|next| usize::try_from(next).ok())
            {
                pending.push(next);
            }
        }
    }
    Ok(chain)
}

/// lopdf's `get_xref_start`: the `startxref` in the 25 bytes before the last
/// `%%EOF` of the file's final 512 bytes.
fn xref_start(bytes: &[u8]) -> Option<usize> {
    let tail = bytes.len() - bytes.len().min(512);
    let eof = rfind(&bytes[tail..], b"%%EOF")? + tail;
    if eof <= 25 {
        return None;
    }
    let keyword = rfind(&bytes[eof - 25..eof], b"startxref")? + eof - 25;
    let at = syntax::skip_space(bytes, keyword + b"startxref".len());
    let digits = bytes[at..]
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    std::str::from_utf8(&bytes[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// Reads a decoded cross-reference stream the way lopdf's `decode_xref_stream`
/// does, refusing the tables that make lopdf allocate or loop without bound:
/// field widths are allocated as given (`/W [1 1000000000000 0]` aborts the
/// process), and with all widths zero lopdf inserts every declared entry without
/// reading a byte. Returns the number of entries declared.
fn read_xref_stream(
    dict: &Dictionary,
    decoded: &[u8],
    chain: &mut Chain,
) -> Result<u64, ExtractError> {
    let corrupt = |why: &str| ExtractError::Corrupt(format!("a cross-reference stream {why}"));
    let integers = |key: &[u8]| -> Option<Vec<i64>> {
        dict.get(key)
            .and_then(Object::as_array)
            .ok()?
            .iter()
            .map(|item| item.as_i64().ok())
            .collect()
    };
    let Ok(size) = dict.get(b"Size").and_then(Object::as_i64) else {
        return Ok(0);
    };
    let Some(widths) = integers(b"W") else {
        return Ok(0);
    };
    if widths.len() < 3 || widths.iter().any(|width| !(0..=8).contains(width)) {
        return Err(corrupt("has field widths outside 0 to 8 bytes"));
    }
    let widths: Vec<usize> = widths.iter().map(|&width| width as usize).collect();
    let sections = integers(b"Index").unwrap_or_else(|| vec![0, size]);
    let declared: u64 = sections
        .chunks_exact(2)
        .map(|pair| u64::try_from(pair[1]).unwrap_or(0))
        .fold(0, u64::saturating_add);
    if declared > MAX_XREF_ENTRIES {
        return Err(ExtractError::LimitExceeded(format!(
            "a cross-reference stream declares {declared} objects; the limit is {MAX_XREF_ENTRIES}"
        )));
    }
    let row = widths[0] + widths[1] + widths[2];
    if row == 0 && declared > 0 {
        return Err(corrupt("has entries zero bytes wide"));
    }
    let field = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(0_u64, |value, &byte| (value << 8) | u64::from(byte))
    };
    let mut rows = decoded.chunks_exact(row.max(1));
    for pair in sections.chunks_exact(2) {
        for index in 0..u64::try_from(pair[1]).unwrap_or(0) {
            let Some(entry) = rows.next() else {
                return Ok(declared);
            };
            let kind = if widths[0] == 0 {
                1
            } else {
                field(&entry[..widths[0]])
            };
            if kind == 2 {
                let number = u32::try_from(pair[0])
                    .unwrap_or(0)
                    .wrapping_add(index as u32);
                let container = field(&entry[widths[0]..widths[0] + widths[1]]);
                chain.compressed.insert(number, container as u32);
            }
        }
    }
    Ok(declared)
}

/// The first `/Length N G R` in the file whose object `N` is compressed, if any.
/// Every `/` is tried as the start of a name, so no parsing state can hide one.
fn length_in_object_stream(bytes: &[u8], compressed: &BTreeMap<u32, u32>) -> Option<u32> {
    if compressed.is_empty() {
        return None;
    }
    let mut at = 0;
    while let Some(slash) = bytes[at..].iter().position(|&byte| byte == b'/') {
        let start = at + slash;
        at = start + 1;
        if let Some(number) = syntax::reference_after(bytes, start, b"Length")
            && compressed.contains_key(&number)
        {
            return Some(number);
        }
    }
    None
}

/// What the load filter found.
struct Outcome {
    allowance: Allowance,
    over: bool,
    late: bool,
}

struct LoadState {
    outcome: Outcome,
    deadline: Instant,
}

thread_local! {
    /// lopdf's filter is a plain `fn`; the allowance of the load running on this
    /// thread is kept here (lopdf is built without `rayon`, so the filter runs on
    /// the loading thread).
    static LOADING: RefCell<Option<LoadState>> = const { RefCell::new(None) };
}

/// Installs the load state for this thread and removes it when dropped, even if
/// lopdf panics.
struct LoadGuard;

impl LoadGuard {
    fn install(allowance: Allowance, deadline: Instant) -> Self {
        LOADING.with(|loading| {
            *loading.borrow_mut() = Some(LoadState {
                outcome: Outcome {
                    allowance,
                    over: false,
                    late: false,
                },
                deadline,
            });
        });
        Self
    }

    fn finish(self) -> Outcome {
        let state = LOADING.with(|loading| loading.borrow_mut().take());
        std::mem::forget(self);
        state.map_or(
            Outcome {
                allowance: Allowance::new(0),
                over: false,
                late: false,
            },
            |state| state.outcome,
        )
    }
}

impl Drop for LoadGuard {
    fn drop(&mut self) {
        LOADING.with(|loading| loading.borrow_mut().take());
    }
}

/// lopdf's load filter: measures each object stream before lopdf inflates it,
/// and empties it once the allowance is spent or the deadline has passed.
fn measure_object_streams(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    LOADING.with(|loading| {
        let mut loading = loading.borrow_mut();
        let Some(state) = loading.as_mut() else {
            return;
        };
        if Instant::now() >= state.deadline {
            state.outcome.late = true;
        }
        let Object::Stream(stream) = object else {
            return;
        };
        if !stream.dict.has_type(b"ObjStm") {
            return;
        }
        let outcome = &mut state.outcome;
        let refused = outcome.over
            || outcome.late
            || decode::measure(&stream.dict, &stream.content, &mut outcome.allowance).is_err();
        if refused {
            outcome.over |= !outcome.late;
            stream.content.clear();
            stream.dict.remove(b"Filter");
        }
    });
    // lopdf keeps the object it passed (changed or not) and only looks at whether
    // this is `Some`.
    Some((id, Object::Null))
}
