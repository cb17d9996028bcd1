//! The contract between the web layer and the agent: what an interview room's
//! metadata says, `{"resume_text": ..., "booking_token": ...}` (the original
//! system's `resume_text`, plus the booking the room is for).
//!
//! The web layer writes it into the room configuration of the candidate's token
//! (and the agent dispatch's metadata); the agent worker reads it from the job, and
//! the webhook receiver from LiveKit's events. Both directions go through
//! [`RoomMetadata`], so neither side writes or parses the JSON by hand.

use interview_core::BookingToken;
use serde::{Deserialize, Serialize};

/// LiveKit's limit on room metadata (docs.livekit.io: 64 KiB).
pub const MAX_ROOM_METADATA_BYTES: usize = 64 * 1024;

/// What the web layer tells the agent about an interview room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomMetadata {
    /// The candidate's resume as text, if they gave one.
    pub resume_text: Option<String>,
    /// The booking the room is for.
    pub booking_token: Option<BookingToken>,
}

/// The JSON shape, as written and as read.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    resume_text: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    booking_token: Option<String>,
}

impl RoomMetadata {
    /// The metadata of the room for `booking`: its resume and token.
    pub fn for_booking(booking: &interview_core::Booking) -> Self {
        Self {
            resume_text: booking.resume_text.clone(),
            booking_token: Some(booking.token.clone()),
        }
    }

    /// Metadata naming only the booking (the agent dispatch's metadata, which needs
    /// no resume).
    pub fn token_only(token: &BookingToken) -> Self {
        Self {
            resume_text: None,
            booking_token: Some(token.clone()),
        }
    }

    /// The JSON for LiveKit, always within [`MAX_ROOM_METADATA_BYTES`]: a resume
    /// too long for it is cut, on a character boundary, to the longest prefix whose
    /// encoding fits, however much escaping the text needs.
    pub fn encode(&self) -> String {
        let token = self.booking_token.as_ref().map(|t| t.as_str().to_owned());
        let encode = |text: Option<&str>| {
            let wire = Wire {
                resume_text: text.map(std::borrow::Cow::Borrowed),
                booking_token: token.clone(),
            };
            // Strings and options only: serialising cannot fail.
            serde_json::to_string(&wire).unwrap_or_default()
        };
        let text = self.resume_text.as_deref();
        let full = encode(text);
        let Some(text) = text else {
            return full;
        };
        if full.len() <= MAX_ROOM_METADATA_BYTES {
            return full;
        }
        // The longest prefix (in characters) whose encoding fits: binary search, since
        // escaping makes the encoded length grow unevenly.
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let (mut low, mut high) = (0, boundaries.len() - 1);
        while low < high {
            let mid = (low + high).div_ceil(2);
            if encode(Some(&text[..boundaries[mid]])).len() <= MAX_ROOM_METADATA_BYTES {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        tracing::info!(
            kept_bytes = boundaries[low],
            total_bytes = text.len(),
            "resume text truncated to fit LiveKit's room metadata limit"
        );
        encode(Some(&text[..boundaries[low]]))
    }

    /// Reads metadata leniently: missing or malformed metadata, or a malformed
    /// booking token, gives empty fields and a log line, so the interview runs
    /// without that context instead of failing. A blank resume counts as none.
    pub fn parse(metadata: Option<&str>) -> Self {
        let Some(text) = metadata.filter(|m| !m.trim().is_empty()) else {
            tracing::debug!("the room has no metadata");
            return Self::default();
        };
        let wire: Wire<'_> = match serde_json::from_str(text) {
            Ok(wire) => wire,
            Err(error) => {
                tracing::warn!(%error, "the room metadata is not the expected JSON: ignored");
                return Self::default();
            }
        };
        let booking_token = wire.booking_token.and_then(|token| {
            BookingToken::parse(&token)
                .inspect_err(|_| tracing::warn!("the room metadata's booking_token is malformed"))
                .ok()
        });
        Self {
            resume_text: wire
                .resume_text
                .filter(|t| !t.trim().is_empty())
                .map(std::borrow::Cow::into_owned),
            booking_token,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn token() -> BookingToken {
        BookingToken::parse(TOKEN).unwrap()
    }

    fn with_resume(text: &str) -> RoomMetadata {
        RoomMetadata {
            resume_text: Some(text.to_owned()),
            booking_token: Some(token()),
        }
    }

    #[test]
    fn the_json_is_the_documented_shape() {
        let parsed: serde_json::Value =
            serde_json::from_str(&with_resume("Rust engineer").encode()).unwrap();
        assert_eq!(parsed["resume_text"], "Rust engineer");
        assert_eq!(parsed["booking_token"], TOKEN);
        let none: serde_json::Value =
            serde_json::from_str(&RoomMetadata::token_only(&token()).encode()).unwrap();
        assert_eq!(none, serde_json::json!({ "booking_token": TOKEN }));
    }

    #[test]
    fn what_is_encoded_parses_back() {
        for metadata in [
            with_resume("Rust, 5 years \"quoted\" \u{1} 日本"),
            RoomMetadata::token_only(&token()),
            RoomMetadata::default(),
        ] {
            assert_eq!(RoomMetadata::parse(Some(&metadata.encode())), metadata);
        }
    }

    #[test]
    fn large_resumes_are_cut_to_fit_even_when_escaping_expands_them() {
        for unit in ["a", "é", "\u{1}", "\"", "日本", "😀"] {
            let text = unit.repeat(200_000);
            let metadata = with_resume(&text).encode();
            assert!(
                metadata.len() <= MAX_ROOM_METADATA_BYTES,
                "{unit:?}: {}",
                metadata.len()
            );
            let kept = RoomMetadata::parse(Some(&metadata)).resume_text.unwrap();
            assert!(text.starts_with(&kept));
            // The cut is tight: one more character would not fit.
            let one_more = &text[..kept.len() + unit.chars().next().unwrap().len_utf8()];
            let uncut = serde_json::json!({"resume_text": one_more, "booking_token": TOKEN});
            assert!(uncut.to_string().len() > MAX_ROOM_METADATA_BYTES);
        }
    }

    #[test]
    fn missing_or_malformed_metadata_gives_empty_fields() {
        for metadata in [
            None,
            Some(""),
            Some("not json"),
            Some("[1, 2]"),
            Some(r#"{"resume_text": 5}"#),
            Some(r#"{"resume_text": null, "booking_token": null}"#),
            Some(r#"{"resume_text": "  ", "booking_token": "not-a-token"}"#),
        ] {
            assert_eq!(
                RoomMetadata::parse(metadata),
                RoomMetadata::default(),
                "{metadata:?}"
            );
        }
        let only_resume = RoomMetadata::parse(Some(r#"{"resume_text":"cv","extra":1}"#));
        assert_eq!(only_resume.resume_text.as_deref(), Some("cv"));
        assert!(only_resume.booking_token.is_none());
    }
}
