//! Who may use the HR platform's API: API keys, the scopes they grant, and how a
//! presented key is checked.
//!
//! A key is issued once: its secret (`ik_{id}_{64 hex digits}`) is shown to the
//! caller that created it and never again. The store keeps the key's id, name,
//! scopes and the SHA-256 of the secret, so a leaked database does not leak a
//! usable key. A presented secret names its key's id, the store finds the key by
//! it, and the hashes are compared in constant time.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use interview_core::access::{ApiKey, KeyName, PresentedKey, Scope, Scopes};
//!
//! let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
//! let scopes = Scopes::new([Scope::Read]).unwrap();
//! let issued = ApiKey::issue(KeyName::parse("ATS sync").unwrap(), scopes, now).unwrap();
//! let presented = PresentedKey::parse(issued.secret.expose()).unwrap();
//! assert_eq!(presented.id(), &issued.key.id);
//! assert!(issued.key.accepts(&presented));
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::random::{self, RandomnessError};
use crate::secret::Secret;

/// What a secret starts with, so a key is recognisable in a leak scanner.
const SECRET_PREFIX: &str = "ik_";
/// Random bytes in a key's id.
const ID_BYTES: usize = 8;
/// Random bytes in a key's secret part (256 bits).
const SECRET_BYTES: usize = 32;
/// The longest key name.
pub const MAX_KEY_NAME_CHARS: usize = 100;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read positions, interviews, transcripts, evaluations and keys.
    Read,
    /// Create and change positions; cancel and reschedule interviews; create and
    /// revoke keys.
    Write,
    /// Erase interviews (the candidate's personal data).
    Erase,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 3] = [Self::Read, Self::Write, Self::Erase];

    /// The scope's name (`read`, `write`, `erase`), as stored and as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Erase => "erase",
        }
    }

    /// The scope named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-empty set of scopes, kept sorted without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Every scope: what `ADMIN_API_TOKEN` grants.
    pub fn all() -> Self {
        Self(Scope::ALL.to_vec())
    }

    /// The set of `scopes`; `None` when it is empty.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Option<Self> {
        let mut scopes: Vec<Scope> = scopes.into_iter().collect();
        scopes.sort_unstable();
        scopes.dedup();
        (!scopes.is_empty()).then_some(Self(scopes))
    }

    /// Parses stored names (`"read,write"`); `None` when one is unknown or none is
    /// given.
    pub fn parse_list(names: &str) -> Option<Self> {
        let scopes: Option<Vec<Scope>> = names
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(Scope::parse)
            .collect();
        Self::new(scopes?)
    }

    /// The names joined by commas (`"read,write"`), as stores keep them.
    pub fn to_list(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(|scope| scope.as_str()).collect();
        names.join(",")
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The scopes, sorted.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

/// A key's public identifier: 16 lowercase hex digits. It appears in the key's
/// secret and in `DELETE /api/v1/api-keys/{id}`; it grants nothing by itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ApiKeyId(String);

impl ApiKeyId {
    /// A new random id.
    fn generate() -> Result<Self, RandomnessError> {
        random::hex_string(ID_BYTES).map(Self)
    }

    /// Parses an id: exactly 16 characters of `0-9a-f`.
    pub fn parse(input: &str) -> Option<Self> {
        is_lower_hex(input, ID_BYTES * 2).then(|| Self(input.to_owned()))
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key's name, for people: what it is for ("ATS sync", "Console: Priya").
/// One to [`MAX_KEY_NAME_CHARS`] characters, trimmed, with no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(
        description = "A key's name, for people: what it is for (\"ATS sync\", \"Console: Priya\"). One to 100 characters, trimmed, with no control characters."
    )
)]
#[serde(transparent)]
pub struct KeyName(String);

impl KeyName {
    /// Parses a name; the error says what is wrong, for the caller.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let name = input.trim();
        if name.is_empty() {
            return Err("A key needs a name.");
        }
        if name.chars().count() > MAX_KEY_NAME_CHARS {
            return Err("A key's name is at most 100 characters.");
        }
        if name.chars().any(char::is_control) {
            return Err("A key's name cannot hold control characters.");
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The SHA-256 of a key's secret: what the store keeps instead of the secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// The hash as 64 lowercase hex digits, as stores keep it.
    pub fn to_hex(&self) -> String {
        random::hex(&self.0)
    }

    /// The hash from its stored hex form.
    pub fn from_hex(input: &str) -> Option<Self> {
        if !is_lower_hex(input, 64) {
            return None;
        }
        let mut bytes = [0_u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(input.as_bytes().chunks_exact(2)) {
            let text = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(text, 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// Compares without stopping at the first difference, so the time taken does
    /// not tell how much of a guess was right.
    fn matches(&self, other: &Self) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash([redacted])")
    }
}

/// Compares two byte strings in time that depends on their length only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An API key as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key's id (in its secret, and in the API's paths).
    pub id: ApiKeyId,
    /// What the key is for.
    pub name: KeyName,
    /// What it may do.
    pub scopes: Scopes,
    /// The SHA-256 of its secret.
    pub secret_hash: KeyHash,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was last used (recorded at most once a minute per key).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked key is refused.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just issued, with the secret that will not be shown again.
#[derive(Debug)]
pub struct IssuedKey {
    /// The key, to store.
    pub key: ApiKey,
    /// Its secret, for the caller only.
    pub secret: Secret,
}

impl ApiKey {
    /// Issues a new key with a fresh id and secret.
    pub fn issue(
        name: KeyName,
        scopes: Scopes,
        now: DateTime<Utc>,
    ) -> Result<IssuedKey, RandomnessError> {
        let id = ApiKeyId::generate()?;
        let secret = format!("{SECRET_PREFIX}{id}_{}", random::hex_string(SECRET_BYTES)?);
        let key = Self {
            id,
            name,
            scopes,
            secret_hash: KeyHash::of(&secret),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        Ok(IssuedKey {
            key,
            secret: Secret::new(secret),
        })
    }

    /// Whether `presented` is this key's secret and the key is not revoked.
    pub fn accepts(&self, presented: &PresentedKey<'_>) -> bool {
        let matches =
            presented.id == self.id && KeyHash::of(presented.secret).matches(&self.secret_hash);
        matches && self.revoked_at.is_none()
    }
}

/// A secret as a caller presented it, before it is checked: it names its key's id.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedKey<'a> {
    id: ApiKeyId,
    secret: &'a str,
}

impl<'a> PresentedKey<'a> {
    /// Reads a presented secret; `None` when it is not shaped like one of ours
    /// (then no key can accept it, and no store is asked).
    pub fn parse(secret: &'a str) -> Option<Self> {
        let rest = secret.strip_prefix(SECRET_PREFIX)?;
        let (id, random_part) = rest.split_once('_')?;
        let id = ApiKeyId::parse(id)?;
        is_lower_hex(random_part, SECRET_BYTES * 2).then_some(Self { id, secret })
    }

    /// The id of the key it claims to be.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }
}

impl fmt::Debug for PresentedKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn is_lower_hex(input: &str, len: usize) -> bool {
    input.len() == len
        && input
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap()
    }

    fn issue() -> IssuedKey {
        ApiKey::issue(
            KeyName::parse("ATS").unwrap(),
            Scopes::new([Scope::Read]).unwrap(),
            now(),
        )
        .unwrap()
    }

    #[test]
    fn a_key_accepts_its_own_secret_only() {
        let issued = issue();
        let other = issue();
        let own = PresentedKey::parse(issued.secret.expose()).unwrap();
        assert!(issued.key.accepts(&own));
        let foreign = PresentedKey::parse(other.secret.expose()).unwrap();
        assert!(!issued.key.accepts(&foreign));
        // The right id with another key's random part.
        let forged = format!(
            "ik_{}_{}",
            issued.key.id,
            other.secret.expose().rsplit('_').next().unwrap()
        );
        assert!(!issued.key.accepts(&PresentedKey::parse(&forged).unwrap()));
    }

    #[test]
    fn a_revoked_key_accepts_nothing() {
        let mut issued = issue();
        issued.key.revoked_at = Some(now());
        let own = PresentedKey::parse(issued.secret.expose()).unwrap();
        assert!(!issued.key.accepts(&own));
    }

    #[test]
    fn secrets_of_another_shape_are_not_read() {
        let issued = issue();
        let secret = issued.secret.expose();
        for bad in [
            "",
            "ik_",
            &secret[1..],
            &secret[..secret.len() - 1],
            &secret.to_uppercase(),
            &format!("{secret}0"),
            "ik_0123456789abcdef",
        ] {
            assert!(PresentedKey::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_secret_is_never_printed() {
        let issued = issue();
        let secret = issued.secret.expose().to_owned();
        let random_part = secret.rsplit('_').next().unwrap();
        let printed = format!("{issued:?} {:?}", PresentedKey::parse(&secret).unwrap());
        assert!(!printed.contains(random_part), "{printed}");
        assert!(
            !printed.contains(&issued.key.secret_hash.to_hex()),
            "{printed}"
        );
    }

    #[test]
    fn hashes_and_scopes_read_back_from_their_stored_form() {
        let issued = issue();
        let hex = issued.key.secret_hash.to_hex();
        assert_eq!(KeyHash::from_hex(&hex), Some(issued.key.secret_hash));
        assert_eq!(KeyHash::from_hex(&hex[1..]), None);
        assert_eq!(KeyHash::from_hex(&hex.to_uppercase()), None);

        let scopes = Scopes::new([Scope::Erase, Scope::Read, Scope::Erase]).unwrap();
        assert_eq!(scopes.to_list(), "read,erase");
        assert_eq!(Scopes::parse_list("read,erase"), Some(scopes));
        assert_eq!(Scopes::parse_list("read,admin"), None);
        assert_eq!(Scopes::parse_list(""), None);
        assert_eq!(Scopes::new([]), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(KeyName::parse("  ATS sync ").unwrap().as_str(), "ATS sync");
        assert!(KeyName::parse("   ").is_err());
        assert!(KeyName::parse(&"x".repeat(MAX_KEY_NAME_CHARS)).is_ok());
        assert!(KeyName::parse(&"x".repeat(MAX_KEY_NAME_CHARS + 1)).is_err());
        assert!(KeyName::parse("a\nb").is_err());
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
