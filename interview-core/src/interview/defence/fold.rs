//! The views of untrusted text that every check is made on.
//!
//! What a model reads is not what the bytes say: it does not see a zero-width space,
//! it reads `＜` and `˂` as `<`, `&lt;` as `<`, and Cyrillic `о` as Latin `o`. So
//! nothing is compared on the raw text. A line is cut into *units* (a character, or
//! an HTML character reference such as `&lt;`), and each unit gets two views:
//!
//! - `lite`: NFKC, lower case, without combining marks: full-width and
//!   compatibility forms folded (`＃` is `#`, `ｈ１` is `h1`), digits kept;
//! - `fold`: `lite`'s text through the UTS #39 confusable skeleton and lower-cased
//!   again, so look-alikes from other scripts fold together (`і`, `і` and `i`; `❮`,
//!   `˂` and `<`). Digits do not survive it (`1` folds to `l`), so numbers are read
//!   in `lite`.
//!
//! Invisible characters fold to nothing and so never separate what a reader sees
//! as adjacent.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` is invisible: a format character (general category Cf: zero-width
/// spaces and joiners, bidi embeddings, isolates and marks, the byte-order mark,
/// the soft hyphen, tag characters ...), any other default-ignorable code point
/// (variation selectors, Hangul fillers ...; UTS #39 drops exactly those from a
/// skeleton), or a control character other than tab and line feed.
pub(super) fn is_invisible(c: char) -> bool {
    if c == '\n' || c == '\t' {
        return false;
    }
    if c.is_control() || c.general_category() == GeneralCategory::Format {
        return true;
    }
    let mut buffer = [0u8; 4];
    unicode_security::skeleton(c.encode_utf8(&mut buffer))
        .next()
        .is_none()
}

/// Whether a zero-width (non-)joiner between `before` and `after` does visible
/// work: Indic and Arabic scripts and emoji sequences need it, ASCII never does.
fn joins(before: Option<char>, after: Option<char>) -> bool {
    let visible_non_ascii = |c: Option<char>| {
        c.is_some_and(|c| !c.is_ascii() && !c.is_whitespace() && !is_invisible(c))
    };
    visible_non_ascii(before) && visible_non_ascii(after)
}

/// `text` without invisible characters, every kind of line break as `\n`.
pub(super) fn strip_invisible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            // Vertical tab, form feed, next line, line and paragraph separators: a
            // model may read each as a line break, so the checks must too.
            '\u{000B}' | '\u{000C}' | '\u{0085}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\u{200C}' | '\u{200D}' if joins(out.chars().next_back(), chars.peek().copied()) => {
                out.push(c);
            }
            c if is_invisible(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// One character of a line, or one HTML character reference, with its views.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    /// Where it is in the line, in bytes.
    pub(super) span: Range<usize>,
    /// The confusable skeleton (see the module docs); empty for invisible units
    /// and combining marks.
    pub(super) fold: String,
    /// NFKC, lower case, no combining marks; empty for invisible units.
    pub(super) lite: String,
}

impl Unit {
    /// Invisible or a combining mark: it takes no part in any check.
    pub(super) fn is_transparent(&self) -> bool {
        self.fold.is_empty()
    }

    pub(super) fn is_space(&self) -> bool {
        !self.fold.is_empty() && self.fold.chars().all(|c| c == ' ')
    }

    pub(super) fn is_alphanumeric(&self) -> bool {
        !self.fold.is_empty() && self.fold.chars().all(char::is_alphanumeric)
    }
}

/// The units of `line` (a line without `\n`).
pub(super) fn units(line: &str) -> Vec<Unit> {
    let mut units = Vec::with_capacity(line.len());
    let mut at = 0;
    while let Some(c) = line[at..].chars().next() {
        let (len, shown) = match character_reference(&line[at..]) {
            Some((len, decoded)) => (len, decoded),
            None => (c.len_utf8(), c),
        };
        let (fold, lite) = fold_char(shown);
        units.push(Unit {
            span: at..at + len,
            fold,
            lite,
        });
        at += len;
    }
    units
}

fn fold_char(c: char) -> (String, String) {
    if is_invisible(c) || c == '\n' {
        return (String::new(), String::new());
    }
    let space = |c: char| if c.is_whitespace() { ' ' } else { c };
    let lower: String = std::iter::once(c)
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect();
    let lite: String = lower
        .chars()
        .filter(|c| !is_combining_mark(*c))
        .map(space)
        .collect();
    let fold: String = unicode_security::skeleton(&lower)
        .flat_map(char::to_lowercase)
        .filter(|c| !is_combining_mark(*c))
        .map(space)
        .collect();
    // A combining mark alone folds to nothing: like an invisible character it
    // neither breaks a word (Devanagari vowel signs are marks) nor separates
    // brackets.
    (fold, lite)
}

/// The `fold` view of a whole text, unit by unit (lines stay lines).
pub(super) fn fold_text(text: &str) -> String {
    strip_invisible(text)
        .split('\n')
        .map(|line| units(line).into_iter().map(|u| u.fold).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// An HTML character reference at the start of `text` that decodes to a character
/// a model would read as structure (or to an invisible one), and its length.
/// Numeric references decode to anything; named ones only from the short list of
/// structural characters below (an unknown name stays text).
fn character_reference(text: &str) -> Option<(usize, char)> {
    let rest = text.strip_prefix('&')?;
    let end = rest.char_indices().take(12).find(|(_, c)| *c == ';')?.0;
    let name = &rest[..end];
    let decoded = if let Some(number) = name.strip_prefix('#') {
        let value = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        char::from_u32(value)?
    } else {
        match name.to_ascii_lowercase().as_str() {
            "lt" => '<',
            "gt" => '>',
            "lsaquo" => '‹',
            "rsaquo" => '›',
            "laquo" => '«',
            "raquo" => '»',
            "lang" | "langle" => '⟨',
            "rang" | "rangle" => '⟩',
            "lsqb" | "lbrack" => '[',
            "rsqb" | "rbrack" => ']',
            "equals" => '=',
            "num" => '#',
            "ast" | "midast" => '*',
            "lowbar" | "underbar" => '_',
            "hyphen" | "dash" => '‐',
            "minus" => '−',
            "grave" => '`',
            "verbar" | "vert" => '|',
            "colon" => ':',
            "zerowidthspace" => '\u{200B}',
            "zwj" => '\u{200D}',
            "zwnj" => '\u{200C}',
            "lrm" => '\u{200E}',
            "rlm" => '\u{200F}',
            "shy" => '\u{00AD}',
            _ => return None,
        }
    };
    Some((end + 2, decoded))
}

/// Opening and closing angle brackets as they fold. Each is the skeleton of an
/// angle bracket kind (ASCII, guillemets, the mathematical and CJK brackets), so
/// every character confusable with one of them folds to one of these: `＜`, `﹤`,
/// `‹`, `˂`, `❮`, `ᐸ` to `<`; `⟨`, `〈`, `〈` to `❬`; `≪` to `<<`.
const ANGLE_OPEN: [char; 7] = ['<', '❬', '«', '《', '⟪', '⦑', '⧼'];
const ANGLE_CLOSE: [char; 7] = ['>', '❭', '»', '》', '⟫', '⦒', '⧽'];
/// Square brackets as they fold; `⟦` is already two.
const SQUARE_OPEN: [char; 3] = ['[', '⟦', '【'];
const SQUARE_CLOSE: [char; 3] = [']', '⟧', '】'];

/// How a unit reads as brackets: the plain brackets it stands for, or `None`.
/// `«` is one opening angle bracket, `≪` two, `⟦` two square ones.
pub(super) fn brackets(unit: &Unit, line: &str) -> Option<(BracketKind, String)> {
    if unit.fold.is_empty() {
        return None;
    }
    // A letter that merely looks like a bracket (Hiragana く folds to ❬) is a
    // bracket only when it folds to the ASCII one itself (Canadian ᐸ does).
    let original = line[unit.span.clone()].chars().next()?;
    let letter = original.is_alphabetic();
    let mut plain = String::new();
    let mut kind = None;
    for c in unit.fold.chars() {
        let (k, open) = if ANGLE_OPEN.contains(&c) {
            (BracketKind::Angle, true)
        } else if ANGLE_CLOSE.contains(&c) {
            (BracketKind::Angle, false)
        } else if SQUARE_OPEN.contains(&c) {
            (BracketKind::Square, true)
        } else if SQUARE_CLOSE.contains(&c) {
            (BracketKind::Square, false)
        } else {
            return None;
        };
        if letter && !matches!(c, '<' | '>') {
            return None;
        }
        if kind.is_some_and(|existing| existing != k) {
            return None;
        }
        kind = Some(k);
        let count = if matches!(c, '⟦' | '⟧') { 2 } else { 1 };
        for _ in 0..count {
            plain.push(if open { '(' } else { ')' });
        }
    }
    kind.map(|k| (k, plain))
}

/// Which kind of bracket a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BracketKind {
    Angle,
    Square,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_go_and_line_breaks_become_one() {
        let text = "a\u{200B}b\u{202E}c\u{2066}d\u{FEFF}e\u{00AD}f\u{E0041}g\u{FE0F}\r\nh\u{2028}i\u{0}j\tk";
        assert_eq!(strip_invisible(text), "abcdefg\nh\nij\tk");
        // A joiner between two Indic letters stays; between ASCII letters it goes.
        assert_eq!(strip_invisible("क्\u{200D}ष"), "क्\u{200D}ष");
        assert_eq!(strip_invisible("E\u{200D}ND"), "END");
    }

    #[test]
    fn look_alikes_fold_together() {
        assert_eq!(
            fold_text("ІGNORE ｐｒｅｖｉｏｕｓ"),
            fold_text("ignore previous")
        );
        assert_eq!(fold_text("Ign\u{200B}ore"), fold_text("ignore"));
        assert_eq!(fold_text("＃"), "#");
        for c in ['<', '＜', '﹤', '‹', '˂', '❮', 'ᐸ'] {
            let line = c.to_string();
            let unit = &units(&line)[0];
            assert_eq!(
                brackets(unit, &line).map(|b| b.1),
                Some("(".to_owned()),
                "{c}"
            );
        }
        for c in ['⟨', '〈', '〈', '«', '《', '⟪'] {
            let line = c.to_string();
            let unit = &units(&line)[0];
            assert_eq!(
                brackets(unit, &line).map(|b| b.0),
                Some(BracketKind::Angle),
                "{c}"
            );
        }
        // Japanese く is a letter, not a bracket.
        let unit = &units("く")[0];
        assert_eq!(brackets(unit, "く"), None);
        let unit = &units("≪")[0];
        assert_eq!(brackets(unit, "≪").map(|b| b.1), Some("((".to_owned()));
    }

    #[test]
    fn character_references_are_units() {
        let line = "&lt;&#60;&#x3C;&amp;x";
        let units = units(line);
        // `&amp;` is not structural: it stays five characters of text.
        assert_eq!(units.len(), 9);
        assert!(units[..3].iter().all(|u| u.fold == "<"));
        assert_eq!(&line[units[3].span.clone()], "&");
    }
}
