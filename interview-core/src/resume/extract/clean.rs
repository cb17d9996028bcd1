//! Turning the raw text a parser produces into the text the interviewer reads.

use unicode_normalization::UnicodeNormalization;

/// Cleans text extracted from a document.
///
/// - line endings become `\n`; form feeds (page breaks) become paragraph breaks;
/// - control characters, soft hyphens, zero-width spaces and byte-order marks are
///   dropped (zero-width joiners stay: Indic and Arabic scripts need them);
/// - runs of spaces, tabs and other horizontal white space become one space, and
///   lines are trimmed;
/// - a word hyphenated across a line break is joined (`"engi-\nneering"` becomes
///   `"engineering"`) when the next line starts with a lowercase letter, so
///   `"Jean-\nPierre"` keeps its hyphen and its line break;
/// - single line breaks are kept (resumes are lists), and any run of blank lines
///   becomes one blank line: a paragraph break;
/// - the result is in Unicode Normalization Form C.
///
/// ```
/// use interview_core::resume::clean_text;
///
/// let raw = "Software  engi-\nneering\r\n\r\n\r\n\u{0007}Cafe\u{0301}\t team";
/// assert_eq!(clean_text(raw), "Software engineering\n\nCafé team");
/// ```
pub fn clean_text(raw: &str) -> String {
    let composed: String = raw.nfc().collect();
    let mut unified = String::with_capacity(composed.len());
    let mut chars = composed.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                // "\r\n" is one line break, a lone "\r" (old Mac, Word) is one too.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                unified.push('\n');
            }
            '\n' | '\u{000B}' | '\u{0085}' | '\u{2028}' => unified.push('\n'),
            '\u{000C}' | '\u{2029}' => unified.push_str("\n\n"),
            // Every other white space (tab, no-break space, em space, ...) is horizontal.
            c if c.is_whitespace() => unified.push(' '),
            c if is_dropped(c) => {}
            c => unified.push(c),
        }
    }

    let mut out = String::with_capacity(unified.len());
    let mut blank_lines = 0usize;
    let mut joining_hyphenated_word = false;
    for line in unified.split('\n') {
        let line = collapse_spaces(line);
        if line.is_empty() {
            blank_lines += 1;
            joining_hyphenated_word = false;
            continue;
        }
        if joining_hyphenated_word && blank_lines == 0 && starts_lowercase(&line) {
            // Drop the hyphen left at the end of the previous line and glue the halves.
            out.pop();
            out.push_str(&line);
        } else {
            if !out.is_empty() {
                out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
            }
            out.push_str(&line);
        }
        blank_lines = 0;
        joining_hyphenated_word = ends_with_hyphenated_word(&out);
    }
    out
}

fn is_dropped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}' // soft hyphen: only a hint where a word may break
            | '\u{200B}' // zero-width space
            | '\u{2060}' // word joiner
            | '\u{FEFF}' // byte-order mark
            | '\u{FFFE}'
            | '\u{FFFF}'
        )
}

fn collapse_spaces(line: &str) -> String {
    let mut collapsed = String::with_capacity(line.len());
    for word in line.split(' ').filter(|word| !word.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

/// Whether `text` ends with a letter followed by a hyphen ("engi-"), not with a lone
/// dash ("2019 -") or a hyphen after a digit ("2019-").
fn ends_with_hyphenated_word(text: &str) -> bool {
    let mut tail = text.chars().rev();
    matches!(tail.next(), Some('-' | '\u{2010}')) && tail.next().is_some_and(char::is_alphabetic)
}

fn starts_lowercase(line: &str) -> bool {
    line.chars().next().is_some_and(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::clean_text;

    #[test]
    fn collapses_horizontal_white_space_and_trims_lines() {
        assert_eq!(
            clean_text("  Jane \t\u{00A0} Doe  \n   Rust\u{2003}engineer   "),
            "Jane Doe\nRust engineer"
        );
    }

    #[test]
    fn keeps_line_breaks_and_one_blank_line_between_paragraphs() {
        assert_eq!(
            clean_text("Experience\n\n\n\n  \nAcme\nBeta\n\t\nGamma\n\n"),
            "Experience\n\nAcme\nBeta\n\nGamma"
        );
    }

    #[test]
    fn unifies_line_endings_and_page_breaks() {
        assert_eq!(clean_text("a\r\nb\rc\u{2028}d"), "a\nb\nc\nd");
        assert_eq!(
            clean_text("page one\u{000C}page two"),
            "page one\n\npage two"
        );
        assert_eq!(clean_text("line\u{000B}break"), "line\nbreak");
    }

    #[test]
    fn joins_words_hyphenated_across_line_breaks() {
        assert_eq!(
            clean_text("software engi-\nneering"),
            "software engineering"
        );
        assert_eq!(clean_text("engi-  \n   neering team"), "engineering team");
        assert_eq!(clean_text("multi\u{2010}\nplatform"), "multiplatform");
        // A word broken over three lines.
        assert_eq!(
            clean_text("inter-\nnation-\nalization"),
            "internationalization"
        );
    }

    #[test]
    fn keeps_hyphens_that_are_not_line_break_hyphenation() {
        // A capital after the break: a hyphenated name, not a broken word.
        assert_eq!(clean_text("Jean-\nPierre"), "Jean-\nPierre");
        // Dates and ranges.
        assert_eq!(clean_text("2019-\n2021"), "2019-\n2021");
        assert_eq!(clean_text("Acme -\nlead"), "Acme -\nlead");
        // A paragraph break in between: not one word.
        assert_eq!(clean_text("pre-\n\nfix"), "pre-\n\nfix");
        // Hyphens inside a line stay.
        assert_eq!(clean_text("state-of-the-art"), "state-of-the-art");
    }

    #[test]
    fn composes_to_nfc() {
        let decomposed = "Jose\u{0301} Mu\u{0308}ller";
        let cleaned = clean_text(decomposed);
        assert_eq!(cleaned, "José Müller");
        assert_eq!(cleaned.chars().count(), 11);
        // Devanagari with a nukta composes too (क + ़ -> क़ is excluded from
        // composition, so it stays two code points: NFC, not a guess).
        assert_eq!(clean_text("क\u{093C}"), "क\u{093C}");
    }

    #[test]
    fn drops_control_and_invisible_characters() {
        assert_eq!(
            clean_text("\u{FEFF}Ja\u{0000}ne\u{0007} D\u{00AD}oe\u{001B}\u{200B}"),
            "Jane Doe"
        );
        assert_eq!(clean_text("\u{0085}x\u{007F}y"), "xy");
    }

    #[test]
    fn keeps_joiners_that_scripts_need() {
        let with_zwj = "क्\u{200D}ष";
        assert_eq!(clean_text(with_zwj), with_zwj);
    }

    #[test]
    fn keeps_text_in_other_scripts() {
        let text = "Иван Петров — инженер\nराम शर्मा\n東京";
        assert_eq!(clean_text(text), text);
    }

    #[test]
    fn empty_and_blank_input_give_empty_text() {
        assert_eq!(clean_text(""), "");
        assert_eq!(clean_text(" \n\t\r\n \u{000C} "), "");
    }
}
