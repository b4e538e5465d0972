//! Fault injection for resilience tests: latency and error responses (500, 429 with
//! Retry-After, 409, ...) matched by verb and resource, a bounded number of times or forever.
//! Dropping watch streams and expiring watch history are commands on the emulator itself.

use serde::{Deserialize, Serialize};

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Verb to match (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`); empty matches all.
    #[serde(default)]
    pub verb: String,
    /// Resource to match (plural, e.g. `secrets`); empty matches all.
    #[serde(default)]
    pub resource: String,
    /// HTTP status to answer with; 0 means no error (latency only).
    #[serde(default)]
    pub code: u16,
    /// `Retry-After` seconds for 429 and 5xx answers.
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    /// Extra latency before answering, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// How many requests the rule applies to; 0 means every matching request.
    #[serde(default)]
    pub times: u32,
}

/// What a request must suffer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Injection {
    /// Latency to add.
    pub latency_ms: u64,
    /// Error to answer with: (code, retry-after seconds).
    pub error: Option<(u16, Option<u64>)>,
}

/// The active fault rules.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Vec<(FaultRule, u32)>,
}

impl Faults {
    /// Adds a rule.
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push((rule, 0));
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The faults a request matches; counts the use of limited rules.
    pub fn check(&mut self, verb: &str, resource: &str) -> Injection {
        let mut injection = Injection::default();
        for (rule, used) in &mut self.rules {
            let matches = (rule.verb.is_empty() || rule.verb == verb)
                && (rule.resource.is_empty() || rule.resource == resource);
            if !matches || (rule.times > 0 && *used >= rule.times) {
                continue;
            }
            *used += 1;
            injection.latency_ms += rule.latency_ms;
            if rule.code != 0 && injection.error.is_none() {
                injection.error = Some((rule.code, rule.retry_after_seconds));
            }
        }
        self.rules
            .retain(|(r, used)| r.times == 0 || *used < r.times);
        injection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limited_rules_expire_and_filters_apply() {
        let mut f = Faults::default();
        f.add(FaultRule {
            verb: "create".into(),
            resource: "secrets".into(),
            code: 500,
            times: 2,
            ..Default::default()
        });
        f.add(FaultRule {
            latency_ms: 5,
            ..Default::default()
        });
        assert_eq!(
            f.check("get", "secrets"),
            Injection {
                latency_ms: 5,
                error: None
            }
        );
        assert_eq!(f.check("create", "secrets").error, Some((500, None)));
        assert_eq!(f.check("create", "secrets").error, Some((500, None)));
        assert_eq!(f.check("create", "secrets").error, None);
    }
}
