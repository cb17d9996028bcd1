//! The language an interview is held in.

use std::fmt;

use icu_locale_core::LanguageIdentifier;

/// A BCP-47 language tag, in its canonical form (`en`, `en-GB`, `pt-BR`,
/// `zh-Hant`): what speech-to-text is told, what the interviewer is told to speak,
/// and the `lang` of the pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(LanguageIdentifier);

impl Language {
    /// Parses a tag (case and `_` for `-` do not matter); `None` when it is not a
    /// BCP-47 language tag.
    pub fn parse(tag: &str) -> Option<Self> {
        let tag = tag.trim().replace('_', "-");
        if tag.is_empty() || tag.len() > 35 {
            return None;
        }
        let id = LanguageIdentifier::try_from_str(&tag).ok()?;
        // "und" (no language) says nothing an interviewer could speak.
        (!id.language.is_unknown()).then_some(Self(id))
    }

    /// English.
    pub fn english() -> Self {
        Self(icu_locale_core::langid!("en"))
    }

    /// The language subtag alone (`en` for `en-GB`): what speech-to-text engines
    /// take.
    pub fn primary(&self) -> &str {
        self.0.language.as_str()
    }

    /// Whether the interview is in English (the offline interviewer speaks only
    /// English).
    pub fn is_english(&self) -> bool {
        self.primary() == "en"
    }
}

impl Default for Language {
    fn default() -> Self {
        Self::english()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_in_canonical_form() {
        assert_eq!(Language::parse("en").unwrap().to_string(), "en");
        assert_eq!(Language::parse("EN_gb").unwrap().to_string(), "en-GB");
        assert_eq!(Language::parse("pt-br").unwrap().primary(), "pt");
        assert_eq!(
            Language::parse("zh-Hant-TW").unwrap().to_string(),
            "zh-Hant-TW"
        );
        for bad in ["", "und", "english please", "e", "12", "en-"] {
            assert!(Language::parse(bad).is_none(), "{bad}");
        }
        assert!(Language::default().is_english());
    }
}
