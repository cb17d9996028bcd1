//! What decoding a stream costs, measured before lopdf decodes it.
//!
//! lopdf's `Stream::decompressed_content` (which pdf-extract calls for every content
//! stream, form, font file and colour profile it touches, and lopdf itself for
//! object and cross-reference streams) inflates into a `Vec` with no cap. This
//! module runs the same filters the same way, but counting bytes against an
//! allowance and stopping as soon as it is spent, so a 1 GiB bomb costs at most the
//! allowance in work and nothing in memory.
//!
//! It mirrors lopdf 0.42 (`object.rs`): filters are applied in order; FlateDecode
//! (zlib, then raw deflate after the 2-byte header if zlib fails before producing
//! anything), LZWDecode (with `EarlyChange`) and ASCII85Decode are decoded; any other
//! filter (ASCIIHexDecode, RunLengthDecode, DCTDecode, ...) makes lopdf give up and
//! pdf-extract use the raw bytes, so it inflates nothing. A PNG predictor
//! (`DecodeParms` `Predictor` 10 to 15) allocates two rows and a second copy.

use std::io::{self, Read};

use lopdf::{Dictionary, Object};

/// The decoding would pass the allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OverAllowance;

/// A running count of decoded bytes against a cap.
#[derive(Debug)]
pub(super) struct Allowance {
    cap: u64,
    used: u64,
}

impl Allowance {
    pub(super) fn new(cap: u64) -> Self {
        Self { cap, used: 0 }
    }

    /// Bytes counted so far.
    pub(super) fn used(&self) -> u64 {
        self.used
    }

    /// The cap.
    pub(super) fn cap(&self) -> u64 {
        self.cap
    }

    /// Counts `bytes` more; fails once the total passes the cap.
    pub(super) fn spend(&mut self, bytes: u64) -> Result<(), OverAllowance> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.cap {
            Err(OverAllowance)
        } else {
            Ok(())
        }
    }

    /// What is left before the cap.
    fn left(&self) -> u64 {
        self.cap.saturating_sub(self.used)
    }
}

/// Counts what lopdf would allocate to decode a stream with this dictionary and
/// raw content (`Stream::decompressed_content`, plus the raw copy pdf-extract falls
/// back to when decoding fails), spending it from `allowance`.
pub(super) fn measure(
    dict: &Dictionary,
    content: &[u8],
    allowance: &mut Allowance,
) -> Result<(), OverAllowance> {
    allowance.spend(content.len() as u64)?;
    let filters = filters(dict);
    let params = dict.get(b"DecodeParms").and_then(Object::as_dict).ok();
    let predictor = params.and_then(Predictor::from_params);
    let Some(last) = filters.len().checked_sub(1) else {
        return Ok(());
    };
    // Every stage but the last is kept whole, as lopdf keeps it (it is the next
    // stage's input); the last is only counted.
    let mut input: std::borrow::Cow<'_, [u8]> = content.into();
    for (index, filter) in filters.iter().enumerate() {
        let Some(filter) = Filter::from_name(filter) else {
            // lopdf stops at a filter it does not implement.
            return Ok(());
        };
        if let (Some(predictor), Filter::Flate | Filter::Lzw) = (&predictor, filter) {
            // Two rows, allocated before anything is decoded.
            allowance.spend(predictor.row_bytes().saturating_mul(2))?;
        }
        let predicted = predictor.filter(|_| matches!(filter, Filter::Flate | Filter::Lzw));
        if index == last {
            let before = allowance.used();
            filter.run(&input, params, &mut Sink::Count, allowance)?;
            if predicted.is_some() {
                // The predictor's output is a second buffer, at most as large.
                allowance.spend(allowance.used() - before)?;
            }
            return Ok(());
        }
        let mut sink = Sink::Keep(Vec::new());
        filter.run(&input, params, &mut sink, allowance)?;
        let Sink::Keep(mut output) = sink else {
            unreachable!("the sink kept its kind");
        };
        if let Some(predictor) = predicted {
            allowance.spend(output.len() as u64)?;
            match predictor.apply(&output) {
                Some(predicted) => output = predicted,
                // lopdf fails the whole stream here; pdf-extract then uses the raw bytes.
                None => return Ok(()),
            }
        }
        input = output.into();
    }
    Ok(())
}

/// Decodes a stream the way lopdf does, but never past `allowance`: for streams
/// this module has to read itself (cross-reference streams).
pub(super) fn decode(
    dict: &Dictionary,
    content: &[u8],
    allowance: &mut Allowance,
) -> Result<Option<Vec<u8>>, OverAllowance> {
    let filters = filters(dict);
    let params = dict.get(b"DecodeParms").and_then(Object::as_dict).ok();
    let predictor = params.and_then(Predictor::from_params);
    let mut data = content.to_vec();
    for filter in filters {
        let Some(filter) = Filter::from_name(filter) else {
            return Ok(None);
        };
        let mut sink = Sink::Keep(Vec::new());
        filter.run(&data, params, &mut sink, allowance)?;
        let Sink::Keep(output) = sink else {
            unreachable!("the sink kept its kind");
        };
        data = output;
        if let (Some(predictor), Filter::Flate | Filter::Lzw) = (&predictor, filter) {
            allowance.spend(predictor.row_bytes().saturating_mul(2))?;
            match predictor.apply(&data) {
                Some(predicted) => data = predicted,
                None => return Ok(None),
            }
        }
    }
    Ok(Some(data))
}

/// The filter names of a stream, as lopdf reads them (`Stream::filters`): a name or
/// an array of names; anything else means no filter.
fn filters(dict: &Dictionary) -> Vec<&[u8]> {
    match dict.get(b"Filter") {
        Ok(Object::Name(name)) => vec![name.as_slice()],
        Ok(Object::Array(names)) => names
            .iter()
            .map(Object::as_name)
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy)]
enum Filter {
    Flate,
    Lzw,
    Ascii85,
}

impl Filter {
    fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"FlateDecode" => Some(Self::Flate),
            b"LZWDecode" => Some(Self::Lzw),
            b"ASCII85Decode" => Some(Self::Ascii85),
            _ => None,
        }
    }

    fn run(
        self,
        input: &[u8],
        params: Option<&Dictionary>,
        sink: &mut Sink,
        allowance: &mut Allowance,
    ) -> Result<(), OverAllowance> {
        match self {
            Self::Flate => inflate(input, sink, allowance),
            Self::Lzw => unlzw(input, params, sink, allowance),
            Self::Ascii85 => ascii85(input, sink, allowance),
        }
    }
}

/// Where decoded bytes go: counted only, or kept for the next stage.
enum Sink {
    Count,
    Keep(Vec<u8>),
}

impl Sink {
    fn take(&mut self, bytes: &[u8], allowance: &mut Allowance) -> Result<(), OverAllowance> {
        allowance.spend(bytes.len() as u64)?;
        if let Self::Keep(kept) = self {
            kept.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn is_empty_so_far(&self, counted: u64) -> bool {
        match self {
            Self::Count => counted == 0,
            Self::Keep(kept) => kept.is_empty(),
        }
    }
}

const CHUNK: usize = 64 * 1024;

/// Drains `reader` into the sink; `Ok(false)` when the reader failed (lopdf logs
/// and keeps what it had).
fn drain(
    reader: &mut dyn Read,
    sink: &mut Sink,
    allowance: &mut Allowance,
    counted: &mut u64,
) -> Result<bool, OverAllowance> {
    let mut buffer = vec![0; CHUNK];
    loop {
        // Never ask for more than the allowance plus one byte: the bomb is
        // recognised by the first byte past the cap.
        let want = usize::try_from(allowance.left().saturating_add(1))
            .unwrap_or(CHUNK)
            .clamp(1, CHUNK);
        match reader.read(&mut buffer[..want]) {
            Ok(0) => return Ok(true),
            Ok(read) => {
                *counted += read as u64;
                sink.take(&buffer[..read], allowance)?;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(false),
        }
    }
}

fn inflate(input: &[u8], sink: &mut Sink, allowance: &mut Allowance) -> Result<(), OverAllowance> {
    if input.is_empty() {
        return Ok(());
    }
    let mut counted = 0;
    let finished = drain(
        &mut flate2::read::ZlibDecoder::new(input),
        sink,
        allowance,
        &mut counted,
    )?;
    if !finished && sink.is_empty_so_far(counted) && input.len() > 2 {
        drain(
            &mut flate2::read::DeflateDecoder::new(&input[2..]),
            sink,
            allowance,
            &mut counted,
        )?;
    }
    Ok(())
}

fn unlzw(
    input: &[u8],
    params: Option<&Dictionary>,
    sink: &mut Sink,
    allowance: &mut Allowance,
) -> Result<(), OverAllowance> {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    let early_change = params
        .and_then(|params| params.get(b"EarlyChange").ok())
        .and_then(|value| value.as_i64().ok())
        .is_none_or(|value| value != 0);
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut buffer = vec![0; CHUNK];
    let mut rest = input;
    loop {
        let result = decoder.decode_bytes(rest, &mut buffer);
        rest = &rest[result.consumed_in..];
        sink.take(&buffer[..result.consumed_out], allowance)?;
        match result.status {
            Ok(LzwStatus::Ok) if result.consumed_in > 0 || result.consumed_out > 0 => {}
            _ => return Ok(()),
        }
    }
}

/// lopdf's ASCII85 decoder, byte for byte, counting instead of collecting where it
/// can.
fn ascii85(input: &[u8], sink: &mut Sink, allowance: &mut Allowance) -> Result<(), OverAllowance> {
    let input = input.strip_suffix(b"~>").unwrap_or(input);
    let mut group: u32 = 0;
    let mut count = 0;
    for &byte in input {
        if byte == b'z' {
            if count != 0 {
                return Ok(());
            }
            sink.take(&[0; 4], allowance)?;
            continue;
        }
        if byte.is_ascii_whitespace() {
            continue;
        }
        if !(b'!'..=b'u').contains(&byte) {
            break;
        }
        let Some(next) = group
            .checked_mul(85)
            .and_then(|group| group.checked_add(u32::from(byte - b'!')))
        else {
            return Ok(());
        };
        group = next;
        count += 1;
        if count == 5 {
            sink.take(&group.to_be_bytes(), allowance)?;
            group = 0;
            count = 0;
        }
    }
    if count > 0 {
        for _ in count..5 {
            match group
                .checked_mul(85)
                .and_then(|group| group.checked_add(84))
            {
                Some(next) => group = next,
                None => return Ok(()),
            }
        }
        sink.take(&group.to_be_bytes()[..count - 1], allowance)?;
    }
    Ok(())
}

/// A PNG predictor as lopdf applies it (`decompress_predictor`).
#[derive(Debug, Clone, Copy)]
struct Predictor {
    bytes_per_pixel: usize,
    pixels_per_row: usize,
}

impl Predictor {
    fn from_params(params: &Dictionary) -> Option<Self> {
        let number =
            |key: &[u8], default: i64| params.get(key).and_then(Object::as_i64).unwrap_or(default);
        if !(10..=15).contains(&number(b"Predictor", 1)) {
            return None;
        }
        // lopdf computes these with plain `usize` arithmetic; wrapping is what a
        // release build does with the same numbers.
        let pixels_per_row = number(b"Columns", 1).max(1) as usize;
        let colors = number(b"Colors", 1).max(1) as usize;
        let bits = number(b"BitsPerComponent", 8).max(8) as usize;
        Some(Self {
            bytes_per_pixel: colors.wrapping_mul(bits) / 8,
            pixels_per_row,
        })
    }

    /// lopdf's own predictor decoding; `None` where lopdf fails (or its debug
    /// build would overflow computing the row size).
    fn apply(&self, data: &[u8]) -> Option<Vec<u8>> {
        self.bytes_per_pixel.checked_mul(self.pixels_per_row)?;
        lopdf::filters::png::decode_frame(data, self.bytes_per_pixel, self.pixels_per_row).ok()
    }

    fn row_bytes(&self) -> u64 {
        (self.bytes_per_pixel as u64).saturating_mul(self.pixels_per_row as u64)
    }
}
