//! Just enough PDF syntax to read the objects lopdf decodes while loading
//! (cross-reference streams and trailers), before lopdf loads anything.
//!
//! It reads objects at known offsets only, never scans the file for them, into
//! lopdf's own [`Object`] types so that the decoding rules of [`super::decode`]
//! see the same dictionaries lopdf would. It is lenient where lopdf is (comments as
//! white space, `#xx` escapes in names) and gives up (returns `None`) on anything
//! else; nesting stops at lopdf's own limit of 100.

use lopdf::{Dictionary, Object, StringFormat};

/// lopdf's `MAX_NESTING_DEPTH`.
const MAX_DEPTH: usize = 100;

/// An indirect object read at an offset: its dictionary (the object itself when
/// it is a dictionary) and, for a stream, where its data starts.
#[derive(Debug)]
pub(super) struct RawObject {
    pub(super) dict: Dictionary,
    pub(super) stream_start: Option<usize>,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(byte: u8) -> bool {
    !is_space(byte) && !is_delimiter(byte)
}

/// Skips white space and comments.
pub(super) fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&byte) = bytes.get(at) {
        if is_space(byte) {
            at += 1;
        } else if byte == b'%' {
            while bytes
                .get(at)
                .is_some_and(|&byte| byte != b'\n' && byte != b'\r')
            {
                at += 1;
            }
        } else {
            break;
        }
    }
    at
}

/// A run of regular characters (a keyword or a number) at `at`.
fn word(bytes: &[u8], at: usize) -> &[u8] {
    let end = bytes[at.min(bytes.len())..]
        .iter()
        .position(|&byte| !is_regular(byte))
        .map_or(bytes.len(), |length| at + length);
    &bytes[at.min(end)..end]
}

fn unsigned(word: &[u8]) -> Option<u64> {
    if word.is_empty() || word.len() > 19 || !word.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// Reads `N G obj <object>` at `offset`, as lopdf reads an object at an offset
/// from the cross-reference table.
pub(super) fn indirect_object(bytes: &[u8], offset: usize) -> Option<RawObject> {
    let mut at = skip_space(bytes, offset);
    for _ in 0..2 {
        let number = word(bytes, at);
        unsigned(number)?;
        at = skip_space(bytes, at + number.len());
    }
    if word(bytes, at) != b"obj" {
        return None;
    }
    at = skip_space(bytes, at + 3);
    let (object, end) = object(bytes, at, MAX_DEPTH)?;
    let Object::Dictionary(dict) = object else {
        return None;
    };
    let after = skip_space(bytes, end);
    let stream_start = if word(bytes, after) == b"stream" {
        let mut start = after + b"stream".len();
        while bytes
            .get(start)
            .is_some_and(|&byte| byte == b' ' || byte == b'\t')
        {
            start += 1;
        }
        match bytes.get(start..start + 2) {
            Some(b"\r\n") => start += 2,
            _ if matches!(bytes.get(start), Some(b'\n' | b'\r')) => start += 1,
            _ => {}
        }
        Some(start.min(bytes.len()))
    } else {
        None
    };
    Some(RawObject { dict, stream_start })
}

/// The dictionary after the `trailer` keyword that follows a classic
/// cross-reference table starting at `offset`.
pub(super) fn classic_trailer(bytes: &[u8], offset: usize) -> Option<Dictionary> {
    let at = skip_space(bytes, offset);
    if word(bytes, at) != b"xref" {
        return None;
    }
    let keyword = find(&bytes[at..], b"trailer")? + at;
    let at = skip_space(bytes, keyword + b"trailer".len());
    match object(bytes, at, MAX_DEPTH)? {
        (Object::Dictionary(dict), _) => Some(dict),
        _ => None,
    }
}

/// The bytes of a stream whose data starts at `start`: `Length` bytes when the
/// dictionary says so directly, otherwise everything to the end of the file
/// (decoders stop at their own end marker; this only errs towards counting more).
pub(super) fn stream_data<'a>(bytes: &'a [u8], dict: &Dictionary, start: usize) -> &'a [u8] {
    let rest = &bytes[start.min(bytes.len())..];
    match dict.get(b"Length").and_then(Object::as_i64) {
        Ok(length) if length >= 0 => {
            &rest[..usize::try_from(length)
                .unwrap_or(usize::MAX)
                .min(rest.len())]
        }
        _ => rest,
    }
}

/// The object number of an indirect reference `N G R` that follows the name at
/// `slash`, when that name is `key`. Cheap enough to try at every `/` of a file:
/// names stop at the next delimiter, and the value is only read for `key`.
pub(super) fn reference_after(bytes: &[u8], slash: usize, key: &[u8]) -> Option<u32> {
    let (name, end) = name(bytes, slash);
    if name != key {
        return None;
    }
    match object(bytes, end, 2)? {
        (Object::Reference((number, _)), _) => Some(number),
        _ => None,
    }
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// One direct object at `at` (after white space), and where it ends.
fn object(bytes: &[u8], at: usize, depth: usize) -> Option<(Object, usize)> {
    let depth = depth.checked_sub(1)?;
    let at = skip_space(bytes, at);
    match *bytes.get(at)? {
        b'/' => {
            let (name, end) = name(bytes, at);
            Some((Object::Name(name), end))
        }
        b'(' => literal_string(bytes, at),
        b'<' if bytes.get(at + 1) == Some(&b'<') => dictionary(bytes, at + 2, depth),
        b'<' => hex_string(bytes, at),
        b'[' => {
            let mut items = Vec::new();
            let mut next = at + 1;
            loop {
                next = skip_space(bytes, next);
                if *bytes.get(next)? == b']' {
                    return Some((Object::Array(items), next + 1));
                }
                let (item, end) = object(bytes, next, depth)?;
                items.push(item);
                next = end;
            }
        }
        _ => {
            let first = word(bytes, at);
            match first {
                b"true" => return Some((Object::Boolean(true), at + 4)),
                b"false" => return Some((Object::Boolean(false), at + 5)),
                b"null" => return Some((Object::Null, at + 4)),
                _ => {}
            }
            let end = at + first.len();
            if let Some(number) = unsigned(first) {
                // `N G R`?
                let at_generation = skip_space(bytes, end);
                let generation = word(bytes, at_generation);
                if let Some(generation) = unsigned(generation) {
                    let at_r = skip_space(bytes, at_generation + word(bytes, at_generation).len());
                    if word(bytes, at_r) == b"R" {
                        let id = (u32::try_from(number).ok()?, u16::try_from(generation).ok()?);
                        return Some((Object::Reference(id), at_r + 1));
                    }
                }
                return Some((Object::Integer(i64::try_from(number).ok()?), end));
            }
            let text = std::str::from_utf8(first).ok()?;
            if let Ok(integer) = text.parse::<i64>() {
                return Some((Object::Integer(integer), end));
            }
            let real = text.parse::<f32>().ok().filter(|real| real.is_finite())?;
            Some((Object::Real(real), end))
        }
    }
}

fn dictionary(bytes: &[u8], mut at: usize, depth: usize) -> Option<(Object, usize)> {
    let mut dict = Dictionary::new();
    loop {
        at = skip_space(bytes, at);
        match *bytes.get(at)? {
            b'>' if bytes.get(at + 1) == Some(&b'>') => {
                return Some((Object::Dictionary(dict), at + 2));
            }
            b'/' => {
                let (key, end) = name(bytes, at);
                let (value, end) = object(bytes, end, depth)?;
                dict.set(key, value);
                at = end;
            }
            _ => return None,
        }
    }
}

/// A name at `at` (on its `/`), with `#xx` escapes decoded as lopdf does.
fn name(bytes: &[u8], at: usize) -> (Vec<u8>, usize) {
    let mut name = Vec::new();
    let mut next = at + 1;
    while let Some(&byte) = bytes.get(next) {
        if !is_regular(byte) {
            break;
        }
        let escaped = (byte == b'#')
            .then(|| bytes.get(next + 1..next + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(decoded) => {
                name.push(decoded);
                next += 3;
            }
            None => {
                name.push(byte);
                next += 1;
            }
        }
    }
    (name, next)
}

/// A literal string: balanced parentheses, backslash escapes. Its bytes are kept
/// undecoded; nothing here reads them.
fn literal_string(bytes: &[u8], at: usize) -> Option<(Object, usize)> {
    let mut open = 0_usize;
    let mut next = at;
    while let Some(&byte) = bytes.get(next) {
        match byte {
            b'\\' => next += 1,
            b'(' => open += 1,
            b')' => {
                open -= 1;
                if open == 0 {
                    let raw = bytes[at + 1..next].to_vec();
                    return Some((Object::String(raw, StringFormat::Literal), next + 1));
                }
            }
            _ => {}
        }
        next += 1;
    }
    None
}

fn hex_string(bytes: &[u8], at: usize) -> Option<(Object, usize)> {
    let end = bytes[at..].iter().position(|&byte| byte == b'>')? + at;
    let raw = bytes[at + 1..end].to_vec();
    Some((Object::String(raw, StringFormat::Hexadecimal), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_stream_dictionary_with_escaped_names_and_comments() {
        let pdf = b"7 0 obj % a comment\n<< /Type /Obj#53tm /Filter [/FlateDecode] /Length 3 /N 2 0 R /W [1 2 1] /D (a(b)c) /H <0a> >>\nstream\r\nabc\nendstream";
        let raw = indirect_object(pdf, 0).expect("object");
        assert!(raw.dict.has_type(b"ObjStm"));
        assert_eq!(raw.dict.get(b"N").unwrap(), &Object::Reference((2, 0)));
        let start = raw.stream_start.expect("stream");
        assert_eq!(stream_data(pdf, &raw.dict, start), b"abc");
    }

    #[test]
    fn gives_up_on_what_is_not_an_object() {
        assert!(indirect_object(b"7 0 obx << >>", 0).is_none());
        let mut deep = b"1 0 obj ".to_vec();
        deep.extend(std::iter::repeat_n(b'[', 200));
        assert!(indirect_object(&deep, 0).is_none());
        assert!(indirect_object(b"1 0 obj << /A (unclosed >>", 0).is_none());
    }

    #[test]
    fn finds_the_trailer_of_a_classic_table() {
        let pdf = b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 42 >>";
        let trailer = classic_trailer(pdf, 0).expect("trailer");
        assert_eq!(trailer.get(b"Prev").unwrap().as_i64().unwrap(), 42);
    }
}
