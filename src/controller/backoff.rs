//! When to try again: jittered exponential backoff after failures, a jittered period after
//! success, and the per-object memory of consecutive failures. The arithmetic is pure (the
//! random fraction is an argument); [`Retries`] only keeps the counts.
//!
//! Jitter matters at scale: thousands of repositories created together, or all failing when one
//! registry goes down, would otherwise retry in lock-step and hit the registry and the API
//! server at the same instants.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The first retry after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(5);
/// The longest wait between retries.
pub const MAX_RETRY: Duration = Duration::from_secs(600);

/// The wait before retry number `failures` (1 for the first failure): `first · 2^(failures-1)`,
/// capped at `max` and never beyond `cap` (a repository's own interval: a failing repository is
/// never retried less often than a healthy one syncs), then scaled by a factor in [0.8, 1.2)
/// taken from `unit` in [0, 1).
pub fn retry_delay(
    failures: u32,
    first: Duration,
    max: Duration,
    cap: Duration,
    unit: f64,
) -> Duration {
    let exponent = failures.saturating_sub(1).min(30);
    let raw = first.saturating_mul(1u32 << exponent);
    let bounded = raw.min(max).min(cap.max(first));
    bounded.mul_f64(0.8 + 0.4 * unit.clamp(0.0, 1.0))
}

/// The wait until the next periodic run: what is left of `period` since `last`, plus up to 5%
/// of the period (at most 30 s) from `unit`, so that objects synced together drift apart. A run
/// never comes early, so a watch event right after a sync does not trigger another one.
pub fn periodic_delay(period: Duration, elapsed: Duration, unit: f64) -> Duration {
    let left = period.saturating_sub(elapsed);
    let spread = period
        .mul_f64(0.05)
        .min(Duration::from_secs(30))
        .mul_f64(unit.clamp(0.0, 1.0));
    left + spread
}

/// A fraction in [0, 1) that differs between calls and processes.
pub fn random_unit() -> f64 {
    use std::hash::BuildHasher as _;
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    // 53 random bits make an evenly spread f64 in [0, 1)
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Consecutive failures per object, and when each may be tried again.
#[derive(Debug, Default)]
pub struct Retries {
    state: Mutex<HashMap<String, RetryState>>,
}

/// One object's failure record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryState {
    /// Failures in a row.
    pub failures: u32,
    /// The earliest next attempt.
    pub not_before: Instant,
}

impl Retries {
    /// Records a failure of `key` and returns the wait before the next attempt.
    pub fn failed(&self, key: &str, cap: Duration) -> Duration {
        let mut state = self.lock();
        let failures = state.get(key).map_or(0, |s| s.failures).saturating_add(1);
        let wait = retry_delay(failures, FIRST_RETRY, MAX_RETRY, cap, random_unit());
        state.insert(
            key.to_owned(),
            RetryState {
                failures,
                not_before: Instant::now() + wait,
            },
        );
        wait
    }

    /// Forgets the failures of `key` (it succeeded, or is gone).
    pub fn succeeded(&self, key: &str) {
        self.lock().remove(key);
    }

    /// The failure record of `key`, if it is failing.
    pub fn get(&self, key: &str) -> Option<RetryState> {
        self.lock().get(key).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, RetryState>> {
        // a panic while holding the lock cannot leave the map inconsistent: keep using it
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn retries_double_from_the_first_delay_up_to_the_maximum() {
        let at = |n| retry_delay(n, S(5), S(600), S(3600), 0.5);
        assert_eq!(
            [at(1), at(2), at(3), at(4), at(8), at(9), at(50)],
            [S(5), S(10), S(20), S(40), S(600), S(600), S(600)]
        );
    }

    #[test]
    fn a_failing_object_is_retried_at_least_as_often_as_its_interval() {
        assert_eq!(retry_delay(20, S(5), S(600), S(60), 0.5), S(60));
        // an interval shorter than the first retry does not make retries faster than it
        assert_eq!(retry_delay(1, S(5), S(600), S(1), 0.5), S(5));
    }

    #[test]
    fn jitter_spreads_retries_by_twenty_percent_either_way() {
        assert_eq!(retry_delay(2, S(5), S(600), S(3600), 0.0), S(8));
        assert!(retry_delay(2, S(5), S(600), S(3600), 0.999_999) < S(12));
        assert!(retry_delay(2, S(5), S(600), S(3600), 0.999_999) > Duration::from_millis(11_999));
    }

    #[test]
    fn periodic_runs_never_come_early_and_spread_by_at_most_thirty_seconds() {
        assert_eq!(periodic_delay(S(1800), S(0), 0.0), S(1800));
        assert_eq!(periodic_delay(S(1800), S(1799), 0.0), S(1));
        assert_eq!(periodic_delay(S(1800), S(5000), 0.0), S(0));
        assert!(periodic_delay(S(1800), S(0), 0.999) <= S(1830));
        assert_eq!(
            periodic_delay(S(60), S(0), 0.5),
            Duration::from_millis(61_500)
        );
    }

    #[test]
    fn random_units_fall_in_the_unit_interval_and_vary() {
        let draws: Vec<f64> = (0..200).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let distinct: std::collections::BTreeSet<u64> = draws.iter().map(|u| u.to_bits()).collect();
        assert!(distinct.len() > 150, "{} distinct of 200", distinct.len());
    }

    #[test]
    fn failures_accumulate_until_a_success_clears_them() {
        let retries = Retries::default();
        let first = retries.failed("ns/a", S(3600));
        let second = retries.failed("ns/a", S(3600));
        assert!(first >= Duration::from_secs(4) && first < S(6), "{first:?}");
        assert!(second >= S(8) && second < S(12), "{second:?}");
        assert_eq!(retries.get("ns/a").unwrap().failures, 2);
        assert!(retries.get("ns/b").is_none());
        retries.succeeded("ns/a");
        assert!(retries.get("ns/a").is_none());
    }
}
