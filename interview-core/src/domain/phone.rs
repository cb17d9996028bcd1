//! A candidate's phone number, from anywhere, kept in E.164 (`+442079460958`).
//!
//! The original form wanted exactly ten digits, so "+44 20 7946 0958" was refused.
//! Numbers are now read with the `phonenumber` crate (Google's libphonenumber
//! metadata): a number written with `+` or the `00` international prefix names its
//! country; one written without is read in the default region (`INTERVIEW_PHONE_REGION`,
//! "US" unless set, so ten-digit North American numbers read as before).
//!
//! A number is accepted when its country code exists and its national part has the
//! shape and length that country's numbering plan allows (libphonenumber's general
//! description). Whether the range is allocated today is not checked: that metadata
//! lags the operators, and refusing a real number loses a candidate, while the
//! fictional 555 numbers of examples and tests keep working.

use std::fmt;

use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::{Metadata, Mode, ParseError};
use serde::{Serialize, Serializer};

use super::{Field, FieldError};

/// The longest phone number input read, in characters: a number with generous
/// spacing is about 25; anything longer is refused before it is parsed.
pub const MAX_PHONE_INPUT_CHARS: usize = 40;

/// The example shown to candidates who need a country code.
const EXAMPLE: &str = "+44 20 7946 0958";

/// A phone number in E.164: `+`, the country code and the national number.
///
/// Formatting characters are stripped (`"+44 (0)20 7946-0958"` becomes
/// `+442079460958`). Letters are refused rather than silently dropped, since
/// `"555-CALL-NOW"` stripped of letters is not the number the candidate meant;
/// extensions are refused with them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, description = "A phone number in E.164 form (+15551234567).")
)]
pub struct PhoneNumber(String);

/// The region a phone number written without a country code is read in: an ISO
/// 3166 alpha-2 code that has a numbering plan ("US", "GB", "IN", ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhoneRegion(Id);

impl Default for PhoneRegion {
    /// The United States: ten-digit North American numbers, as the original form read.
    fn default() -> Self {
        Self(Id::US)
    }
}

impl PhoneRegion {
    /// Parses an ISO 3166 alpha-2 code, in either case; `None` for a code with no
    /// numbering plan.
    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 2 {
            return None;
        }
        let id: Id = code.parse().ok()?;
        DATABASE.by_id(id.as_ref())?;
        Some(Self(id))
    }

    /// The alpha-2 code.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }

    /// The fewest digits a number of this region has without its country code and
    /// trunk prefix (10 in the US): what the form's own check asks of a number
    /// written without a country code.
    pub fn shortest_number(&self) -> usize {
        DATABASE
            .by_id(self.code())
            .and_then(|plan| lengths(plan).into_iter().min())
            .map_or(1, usize::from)
    }
}

impl fmt::Display for PhoneRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl PhoneNumber {
    /// Parses a phone number, reading one without a country code as a US number.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        Self::parse_in(input, PhoneRegion::default())
    }

    /// Parses a phone number; one written without `+` or `00` and a country code is
    /// read in `region`.
    pub fn parse_in(input: &str, region: PhoneRegion) -> Result<Self, FieldError> {
        let error = |message: String| FieldError::new(Field::Phone, message);
        if input.chars().count() > MAX_PHONE_INPUT_CHARS {
            return Err(error("This phone number is too long.".to_owned()));
        }
        let input = input.trim();
        let allowed = |c: char| c.is_ascii_digit() || " .-()/".contains(c);
        let plus = input.starts_with('+');
        let rest = input.strip_prefix('+').unwrap_or(input);
        if !rest.chars().all(allowed) {
            return Err(error(
                "Phone number may contain only digits, spaces, a leading + and ( ) - . /"
                    .to_owned(),
            ));
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(error("Please enter your phone number.".to_owned()));
        }
        // A leading 00 is the international prefix of most of the world.
        let international = match digits.strip_prefix("00") {
            _ if plus => Some(digits.as_str()),
            Some(after) => Some(after),
            None => None,
        };
        let hint = if international.is_some() {
            String::new()
        } else {
            // Region codes take no article ("from US" reads wrong), so the
            // hint names none: the form's own hint says which plan applies.
            format!(
                " If the number is from another country, start with + and the country \
                 code, for example {EXAMPLE}."
            )
        };
        let too_short = || error(format!("This phone number is too short.{hint}"));
        let too_long = || error(format!("This phone number is too long.{hint}"));
        let invalid = || {
            error(format!(
                "This does not look like a valid phone number. Please check it.{hint}"
            ))
        };
        let parsed = match international {
            // With a country code the default region must not be used: the crate
            // would strip that region's national prefix from the other country's number.
            Some(number) => phonenumber::parse(None, format!("+{number}")),
            None => phonenumber::parse(Some(region.0), &digits),
        };
        let number = parsed.map_err(|problem| match problem {
            ParseError::InvalidCountryCode => error(format!(
                "We do not recognise this country code. Please check it, for example {EXAMPLE}."
            )),
            ParseError::TooLong => too_long(),
            ParseError::NoNumber | ParseError::TooShortNsn | ParseError::TooShortAfterIdd => {
                too_short()
            }
            ParseError::MalformedInteger(_) => invalid(),
        })?;
        let code = number.code().value();
        let national = number.national().to_string();
        let Some(plans) = DATABASE.by_code(&code) else {
            return Err(error(format!(
                "We do not recognise the country code +{code}. Please check it, for example {EXAMPLE}."
            )));
        };
        let length = u16::try_from(national.len()).unwrap_or(u16::MAX);
        let fits = |plan: &&Metadata| {
            lengths(plan).contains(&length)
                && plan
                    .descriptors()
                    .general()
                    .national_number()
                    .find(&national)
                    .is_some_and(|found| found.start() == 0)
        };
        if plans.iter().any(fits) {
            return Ok(Self(format!("+{code}{national}")));
        }
        // Too short or too long by the plan the candidate most likely meant: the
        // default region's, or the main country's of the code they wrote.
        let main = match international {
            None => DATABASE.by_id(region.code()),
            Some(_) => plans
                .iter()
                .find(|plan| plan.is_main_country_for_code())
                .or(plans.first())
                .copied(),
        };
        let lengths = main.map(lengths).unwrap_or_default();
        match (lengths.iter().min(), lengths.iter().max()) {
            (Some(&min), _) if length < min => Err(too_short()),
            (_, Some(&max)) if length > max => Err(too_long()),
            _ => Err(invalid()),
        }
    }

    /// Reads a number as stored: E.164, or the ten digits an older version stored
    /// (North American numbers, as its form required), which read as `+1` and the
    /// digits. The plan is not checked again: a number accepted once stays readable
    /// when the numbering metadata changes.
    pub fn from_stored(stored: &str) -> Option<Self> {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        match stored.strip_prefix('+') {
            // E.164: a country code (not starting with 0) and at most 15 digits.
            Some(number)
                if (7..=15).contains(&number.len())
                    && digits(number)
                    && !number.starts_with('0') =>
            {
                Some(Self(stored.to_owned()))
            }
            Some(_) => None,
            None if stored.len() == 10 && digits(stored) => Some(Self(format!("+1{stored}"))),
            None => None,
        }
    }

    /// The number in E.164, as stored (`+442079460958`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people write it internationally (`+44 20 7946 0958`), for
    /// pages and messages; E.164 when the plan has no format for it.
    pub fn international(&self) -> String {
        phonenumber::parse(None, &self.0)
            .map(|number| number.format().mode(Mode::International).to_string())
            .unwrap_or_else(|_| self.0.clone())
    }
}

/// The lengths a national number may have in `plan`: those of each kind of number
/// (fixed line, mobile, toll free, ...), since the general description leaves them out.
fn lengths(plan: &Metadata) -> Vec<u16> {
    let kinds = plan.descriptors();
    [
        kinds.fixed_line(),
        kinds.mobile(),
        kinds.toll_free(),
        kinds.premium_rate(),
        kinds.shared_cost(),
        kinds.personal_number(),
        kinds.voip(),
        kinds.pager(),
        kinds.uan(),
        kinds.voicemail(),
    ]
    .into_iter()
    .flatten()
    .chain([kinds.general()])
    .flat_map(|kind| kind.possible_length().iter().copied())
    .collect()
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> PhoneRegion {
        PhoneRegion::parse(code).unwrap()
    }

    fn e164(input: &str, default: &str) -> String {
        match PhoneNumber::parse_in(input, region(default)) {
            Ok(number) => number.as_str().to_owned(),
            Err(error) => panic!("{input:?} in {default}: {}", error.message),
        }
    }

    fn refused(input: &str, default: &str) -> String {
        match PhoneNumber::parse_in(input, region(default)) {
            Ok(number) => panic!("{input:?} in {default} accepted as {number}"),
            Err(error) => {
                assert_eq!(error.field, Field::Phone);
                error.message
            }
        }
    }

    #[test]
    fn north_american_numbers_read_as_before() {
        for input in [
            "(555) 123-4567",
            "555.123.4567",
            " 555 123 4567 ",
            "5551234567",
            "+1 555 123 4567",
            "1 555 123 4567",
            "001 555 123 4567",
        ] {
            assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), "+15551234567");
        }
    }

    #[test]
    fn international_numbers_in_several_spellings() {
        let cases = [
            // The United Kingdom (the example), whatever the default region.
            ("+44 20 7946 0958", "US", "+442079460958"),
            ("+44 (0)20 7946 0958", "US", "+442079460958"),
            ("0044 20 7946 0958", "US", "+442079460958"),
            ("+44-20-7946-0958", "IN", "+442079460958"),
            ("020 7946 0958", "GB", "+442079460958"),
            ("07700 900123", "GB", "+447700900123"),
            // India.
            ("+91 98765 43210", "US", "+919876543210"),
            ("+91-98765-43210", "US", "+919876543210"),
            ("098765 43210", "IN", "+919876543210"),
            ("98765 43210", "IN", "+919876543210"),
            // Germany.
            ("+49 30 12345678", "US", "+493012345678"),
            ("0049 (30) 1234-5678", "US", "+493012345678"),
            ("(030) 12345678", "DE", "+493012345678"),
            ("+49 151 23456789", "US", "+4915123456789"),
            // The United States.
            ("+1 (212) 555-0142", "GB", "+12125550142"),
            ("212.555.0142", "US", "+12125550142"),
            // Japan.
            ("+81 3-1234-5678", "US", "+81312345678"),
            ("03-1234-5678", "JP", "+81312345678"),
            ("+81 90 1234 5678", "US", "+819012345678"),
            ("090/1234/5678", "JP", "+819012345678"),
        ];
        for (input, default, expected) in cases {
            assert_eq!(e164(input, default), expected, "{input} in {default}");
        }
    }

    #[test]
    fn the_default_region_reads_numbers_without_a_country_code() {
        // The same digits are different numbers in different regions.
        assert_eq!(e164("020 7946 0958", "GB"), "+442079460958");
        assert_eq!(e164("2125550142", "US"), "+12125550142");
        assert_eq!(e164("2125550142", "IN"), "+912125550142");
        // A UK number written nationally is refused in the US, with a hint.
        let message = refused("020 7946 0958", "US");
        assert!(
            message.contains("from another country, start with +"),
            "{message}"
        );
    }

    #[test]
    fn too_short_too_long_and_invalid_numbers_are_refused() {
        let nine = refused("555123456", "US");
        assert!(nine.contains("too short"), "{nine}");
        let twelve = refused("555 123 4567 89", "US");
        assert!(twelve.contains("too long"), "{twelve}");
        assert!(refused("+44 20 79", "US").contains("too short"));
        assert!(refused("+44 20 7946 0958 1234", "US").contains("too long"));
        assert!(refused("+91 12345", "US").contains("too short"));
        // A country code that does not exist.
        assert!(refused("+999 1234 5678", "US").contains("country code"));
        assert!(refused("00 999 1234 5678", "US").contains("country code"));
        // The right length with a shape no plan has: NANP area codes never start
        // with 0 or 1, UK numbers never with 0 after the country code.
        assert!(refused("(055) 123-4567", "US").contains("valid"));
        assert!(refused("+44 0000 000000", "US").contains("valid"));
        // Twenty digits, and a very long input.
        assert!(refused("12345678901234567890", "US").contains("too long"));
        let long = "1 ".repeat(MAX_PHONE_INPUT_CHARS);
        assert!(refused(&long, "US").contains("too long"));
    }

    #[test]
    fn refuses_letters_symbols_and_empty_input() {
        for input in [
            "555-CALL-NOW",
            "+44 20 7946 0958 ext. 12",
            "212 555 0142 #3",
            "212+555+0142",
            "tel:+12125550142",
            // Non-ASCII digits are not phone digits.
            "٥٥٥١٢٣٤٥٦٧",
        ] {
            assert!(refused(input, "US").contains("only digits"), "{input}");
        }
        for input in ["", " - ", "()", "+"] {
            assert!(
                refused(input, "US").contains("enter your phone"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn messages_are_in_the_candidates_words() {
        for input in [
            "1",
            "+999 1",
            "+44 0000 000000",
            "12345678901234567890",
            "x",
        ] {
            let message = refused(input, "US");
            for internal in ["Nsn", "nsn", "IDD", "Parse", "metadata", "integer"] {
                assert!(!message.contains(internal), "{input}: {message}");
            }
        }
    }

    #[test]
    fn stored_numbers_read_back_including_the_old_ten_digits() {
        let uk = PhoneNumber::parse("+44 20 7946 0958").unwrap();
        assert_eq!(PhoneNumber::from_stored(uk.as_str()), Some(uk));
        assert_eq!(
            PhoneNumber::from_stored("5551234567").unwrap().as_str(),
            "+15551234567"
        );
        for corrupt in [
            "12secret",
            "",
            "+",
            "+0123456789",
            "+1234",
            "555123456",
            "+1 555",
        ] {
            assert_eq!(PhoneNumber::from_stored(corrupt), None, "{corrupt:?}");
        }
    }

    #[test]
    fn the_international_format_is_for_display() {
        let uk = PhoneNumber::parse("+442079460958").unwrap();
        assert_eq!(uk.international(), "+44 20 7946 0958");
        assert_eq!(uk.to_string(), "+442079460958");
        assert_eq!(serde_json::to_string(&uk).unwrap(), "\"+442079460958\"");
    }

    #[test]
    fn regions_are_alpha_2_codes_with_a_numbering_plan() {
        assert_eq!(PhoneRegion::default().code(), "US");
        assert_eq!(PhoneRegion::default().shortest_number(), 10);
        assert!(region("GB").shortest_number() < 10);
        assert_eq!(PhoneRegion::parse(" gb ").unwrap().code(), "GB");
        assert_eq!(PhoneRegion::parse("JP").unwrap().to_string(), "JP");
        for unknown in ["", "UK", "USA", "XX", "001", "G"] {
            assert_eq!(PhoneRegion::parse(unknown), None, "{unknown}");
        }
    }
}
