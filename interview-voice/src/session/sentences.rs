//! Splits a model's streamed answer into sentences as it arrives, so speech
//! synthesis starts on the first sentence while the rest is still being written.

/// Words that end with a full stop without ending a sentence.
const ABBREVIATIONS: [&str; 14] = [
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "approx",
];

/// A sentence longer than this is cut at a comma or a space, so a model that never
/// writes a full stop still gets spoken.
const MAX_SENTENCE_CHARS: usize = 280;

/// Accumulates text pieces and hands out whole sentences.
#[derive(Debug, Default)]
pub(crate) struct SentenceSplitter {
    buffer: String,
}

impl SentenceSplitter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a piece; returns the sentences it completed.
    pub(crate) fn push(&mut self, piece: &str) -> Vec<String> {
        self.buffer.push_str(piece);
        let mut sentences = Vec::new();
        while let Some(end) = self.boundary() {
            let rest = self.buffer.split_off(end);
            let sentence = std::mem::replace(&mut self.buffer, rest);
            let sentence = sentence.trim();
            if !sentence.is_empty() {
                sentences.push(sentence.to_owned());
            }
        }
        sentences
    }

    /// What is left at the end of the answer.
    pub(crate) fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buffer);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    }

    /// The byte index just past the first complete sentence, if any.
    fn boundary(&self) -> Option<usize> {
        let text = &self.buffer;
        let mut chars = text.char_indices().peekable();
        while let Some((index, c)) = chars.next() {
            if matches!(c, '\n' | '.' | '!' | '?' | '…') && inside_marker(&text[..index]) {
                // A hidden marker (`[[EVIDENCE: ...]]`) stays whole, so it is taken
                // out whole rather than half spoken.
                continue;
            }
            if c == '\n' {
                if text[..index].trim().is_empty() {
                    continue;
                }
                return Some(index + 1);
            }
            if !matches!(c, '.' | '!' | '?' | '…') {
                continue;
            }
            // Closing quotes and brackets belong to the sentence.
            let mut end = index + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if matches!(next, '"' | '\'' | ')' | '”' | '’' | '.' | '!' | '?') {
                    end = i + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            // A boundary needs whitespace after it; without it we wait for more text.
            match text[end..].chars().next() {
                Some(next) if next.is_whitespace() => {}
                _ => continue,
            }
            if c == '.' && is_abbreviation(&text[..index]) {
                continue;
            }
            return Some(end);
        }
        let (limit, _) = text.char_indices().nth(MAX_SENTENCE_CHARS)?;
        let head = &text[..limit];
        head.rfind(", ")
            .map(|i| i + 1)
            .filter(|&i| i > limit / 3)
            .or_else(|| head.rfind(' ').filter(|&i| i > 0))
    }
}

/// Whether `before` ends inside a `[[...]]` marker that is not closed yet.
fn inside_marker(before: &str) -> bool {
    before
        .rfind("[[")
        .is_some_and(|open| !before[open..].contains("]]"))
}

/// Whether the word before a full stop is an abbreviation or an initial.
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let lower = word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return true;
    }
    let mut letters = word.chars();
    matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pieces: &[&str]) -> Vec<String> {
        let mut splitter = SentenceSplitter::new();
        let mut out: Vec<String> = pieces.iter().flat_map(|p| splitter.push(p)).collect();
        out.extend(splitter.finish());
        out
    }

    #[test]
    fn a_marker_is_never_cut() {
        assert_eq!(
            split(&[
                "Good. [[EVIDENCE: Comm. skills;\n",
                "Problem solving]] ",
                "Next?"
            ]),
            [
                "Good.",
                "[[EVIDENCE: Comm. skills;\nProblem solving]] Next?"
            ]
        );
    }

    #[test]
    fn sentences_come_out_as_soon_as_they_end() {
        let mut splitter = SentenceSplitter::new();
        assert!(splitter.push("Thanks for ").is_empty());
        assert!(splitter.push("that. ").len() == 1);
        assert!(splitter.push("How did you").is_empty());
        assert_eq!(splitter.push(" test it? Great"), ["How did you test it?"]);
        assert_eq!(splitter.finish().as_deref(), Some("Great"));
    }

    #[test]
    fn abbreviations_numbers_and_quotes() {
        assert_eq!(
            split(&[
                "I spoke with Dr. Rao about v2.5 of the API, e.g. the ",
                "cache. ",
                "He said \"fine.\" Then we left!"
            ]),
            [
                "I spoke with Dr. Rao about v2.5 of the API, e.g. the cache.",
                "He said \"fine.\"",
                "Then we left!"
            ]
        );
        assert_eq!(
            split(&["J. R. R. Tolkien wrote it. Yes."]),
            ["J. R. R. Tolkien wrote it.", "Yes."]
        );
    }

    #[test]
    fn long_text_without_punctuation_is_cut() {
        let long = "word ".repeat(100);
        let sentences = split(&[&long]);
        assert!(sentences.len() >= 2);
        assert!(
            sentences
                .iter()
                .all(|s| s.chars().count() <= MAX_SENTENCE_CHARS + 5)
        );
        assert_eq!(sentences.join(" "), long.trim());
    }

    #[test]
    fn newlines_end_sentences() {
        assert_eq!(split(&["\nFirst line\nSecond"]), ["First line", "Second"]);
    }
}
