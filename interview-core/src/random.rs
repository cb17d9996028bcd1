//! Randomness from the operating system: the one place the workspace draws it.
//!
//! Booking tokens, resume file names, LiveKit room names, worker ids and the jitter
//! of every retry delay all come from here, so there is one generator to audit.

/// The operating system could not supply random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(getrandom::Error);

/// Fills `bytes` from the operating system's generator.
pub fn fill(bytes: &mut [u8]) -> Result<(), RandomnessError> {
    getrandom::fill(bytes).map_err(RandomnessError)
}

/// `bytes` random bytes as `2 * bytes` lowercase hex digits: an unguessable name or
/// token (16 bytes give 128 bits).
pub fn hex_string(bytes: usize) -> Result<String, RandomnessError> {
    let mut buffer = vec![0_u8; bytes];
    fill(&mut buffer)?;
    Ok(hex(&buffer))
}

/// A number in `[0, 1)`, for spreading retries apart; 0.5 when the operating system
/// has no randomness to give (a retry delay must never fail for want of it).
pub fn fraction() -> f64 {
    let mut bytes = [0_u8; 8];
    if fill(&mut bytes).is_err() {
        return 0.5;
    }
    // 53 random bits fill an f64's mantissa exactly.
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1_u64 << 53) as f64
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn hex_encodes_each_byte_as_two_lowercase_digits() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn hex_strings_have_the_asked_length_and_differ() {
        let names: HashSet<String> = (0..500).map(|_| hex_string(8).unwrap()).collect();
        assert_eq!(names.len(), 500);
        assert!(names.iter().all(|n| n.len() == 16));
        assert_eq!(hex_string(0).unwrap(), "");
    }

    #[test]
    fn fractions_stay_in_the_unit_interval_and_spread() {
        let samples: Vec<f64> = (0..1000).map(|_| fraction()).collect();
        assert!(samples.iter().all(|f| (0.0..1.0).contains(f)));
        // 1000 uniform draws all in one half happen with probability 2^-999.
        assert!(samples.iter().any(|f| *f < 0.5) && samples.iter().any(|f| *f >= 0.5));
    }
}
