//! The duration format the API accepts (`interval`, `timeout`, retention): a Go-style sequence of
//! `<number><unit>` pairs with units `ms`, `s`, `m`, `h`, as in `"1h30m"` or `"1.5s"`.
//!
//! The CRD schema enforces [`DURATION_PATTERN`]; [`parse_duration`] is the same grammar in Rust so
//! that objects stored before a schema existed, and the operator's own configuration, get the same
//! answer.

use std::time::Duration;

/// The regular expression that the CRD schema applies to every duration field.
pub const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The string was empty.
    #[error("empty duration")]
    Empty,
    /// The string does not follow `<number><unit>...` with units ms, s, m, h.
    #[error(
        "invalid duration {0:?}: expected a sequence like \"30s\", \"5m\" or \"1h30m\" (units ms, s, m, h)"
    )]
    Syntax(String),
    /// The value does not fit in a duration.
    #[error("duration {0:?} is too large")]
    Overflow(String),
}

/// Parses a duration such as `"10m"`, `"1h30m"` or `"1.5s"`.
///
/// # Errors
/// Returns [`DurationError`] when the text does not match [`DURATION_PATTERN`] or overflows.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let syntax = || DurationError::Syntax(text.to_owned());
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut total_nanos: u128 = 0;
    while pos < bytes.len() {
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == int_start {
            return Err(syntax());
        }
        let integer: u128 = text[int_start..pos]
            .parse()
            .map_err(|_| DurationError::Overflow(text.to_owned()))?;
        let mut fraction = (0u128, 1u128);
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos == frac_start {
                return Err(syntax());
            }
            // Nanosecond precision is all a Duration holds; extra digits are dropped, as Go does.
            let digits = &text[frac_start..pos.min(frac_start + 9)];
            fraction = (
                digits.parse().map_err(|_| syntax())?,
                10u128.pow(digits.len() as u32),
            );
        }
        let unit_nanos: u128 = if text[pos..].starts_with("ms") {
            pos += 2;
            1_000_000
        } else if text[pos..].starts_with('s') {
            pos += 1;
            1_000_000_000
        } else if text[pos..].starts_with('m') {
            pos += 1;
            60_000_000_000
        } else if text[pos..].starts_with('h') {
            pos += 1;
            3_600_000_000_000
        } else {
            return Err(syntax());
        };
        total_nanos = integer
            .checked_mul(unit_nanos)
            .and_then(|n| n.checked_add(fraction.0 * unit_nanos / fraction.1))
            .and_then(|n| total_nanos.checked_add(n))
            .ok_or_else(|| DurationError::Overflow(text.to_owned()))?;
    }
    let secs = u64::try_from(total_nanos / 1_000_000_000)
        .map_err(|_| DurationError::Overflow(text.to_owned()))?;
    Ok(Duration::new(secs, (total_nanos % 1_000_000_000) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_unit_and_combinations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("168h"), Ok(Duration::from_secs(168 * 3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_what_the_crd_pattern_refuses() {
        for bad in [
            "", "10", "m", "1d", "-1s", "1.s", ".5s", "5 m", "1h 30m", "10M", "1us",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(matches!(
            parse_duration("99999999999999999999999999999h"),
            Err(DurationError::Overflow(_))
        ));
    }
}
