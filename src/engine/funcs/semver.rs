//! Sprig's `semver` and `semverCompare` with Masterminds semver v3 semantics: lenient version
//! parsing (`v` prefix, missing minor or patch, leading zeros in the core numbers), the
//! `*semver.Version` object templates read fields of, and constraints checked by the project's
//! Masterminds-compatible constraint layer ([`crate::source::constraint`], pure code).

use std::cmp::Ordering;

use semver::{BuildMetadata, Prerelease, Version};

use super::{Registry, Ty};
use crate::engine::value::{Object, Value};
use crate::source::constraint::Constraint;

/// A parsed version as Masterminds keeps it: the semantic version and the text it came from.
#[derive(Debug, Clone)]
pub struct SemVersion {
    /// The version.
    pub version: Version,
    /// The text as written (`Original`).
    pub original: String,
}

const INVALID: &str = "invalid semantic version";

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Masterminds' `NewVersion`.
///
/// # Errors
/// `invalid semantic version`, or `version segment starts with 0` for a numeric prerelease
/// identifier with a leading zero.
pub fn parse_version(text: &str) -> Result<SemVersion, String> {
    let rest = text.strip_prefix('v').unwrap_or(text);
    let (rest, metadata) = match rest.split_once('+') {
        Some((r, m)) => (r, Some(m)),
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(INVALID.into());
    }
    let mut numbers = [0u64; 3];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(INVALID.into());
        }
        *slot = part.parse().map_err(|_| INVALID.to_owned())?;
    }
    let pre = match pre {
        Some(p) => {
            if !p.split('.').all(is_ident) {
                return Err(INVALID.into());
            }
            if p.split('.').any(|id| {
                id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())
            }) {
                return Err("version segment starts with 0".into());
            }
            Prerelease::new(p).map_err(|_| INVALID.to_owned())?
        }
        None => Prerelease::EMPTY,
    };
    let build = match metadata {
        Some(m) if m.split('.').all(is_ident) => {
            BuildMetadata::new(m).map_err(|_| INVALID.to_owned())?
        }
        Some(_) => return Err(INVALID.into()),
        None => BuildMetadata::EMPTY,
    };
    Ok(SemVersion {
        version: Version {
            major: numbers[0],
            minor: numbers[1],
            patch: numbers[2],
            pre,
            build,
        },
        original: text.to_owned(),
    })
}

/// Sprig's `semverCompare`: whether `version` satisfies `constraint`.
///
/// # Errors
/// Masterminds' `improper constraint: "..."` or `invalid semantic version`.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let parsed = match Constraint::parse(constraint) {
        Ok(c) if !c.is_latest() => c,
        _ => {
            return Err(format!(
                "improper constraint: {}",
                crate::engine::lex::go_quote(constraint)
            ));
        }
    };
    let version = parse_version(version)?;
    Ok(parsed.matches(&version.version))
}

impl Object for SemVersion {
    fn type_name(&self) -> &'static str {
        "*semver.Version"
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let v = &self.version;
        Some(match name {
            "Major" => Value::Uint(v.major),
            "Minor" => Value::Uint(v.minor),
            "Patch" => Value::Uint(v.patch),
            "Prerelease" => Value::string(v.pre.as_str()),
            "Metadata" => Value::string(v.build.as_str()),
            "Original" => Value::string(self.original.as_str()),
            "String" => Value::string(v.to_string()),
            _ => return None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Compare" | "LessThan" | "GreaterThan" | "Equal")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let [Value::Object(other)] = args else {
            return Err(format!(
                "wrong number of args for {name}: want 1 got {}",
                args.len()
            ));
        };
        let Some(other) = other.as_any().downcast_ref::<SemVersion>() else {
            return Err(format!(
                "wrong type for value; expected *semver.Version; got {}",
                other.type_name()
            ));
        };
        let order = compare(&self.version, &other.version);
        Ok(match name {
            "Compare" => Value::int(match order {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }),
            "LessThan" => Value::Bool(order.is_lt()),
            "GreaterThan" => Value::Bool(order.is_gt()),
            _ => Value::Bool(order.is_eq()),
        })
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // *Version is a fmt.Stringer
        write!(f, "{}", self.version)
    }
    fn to_data(&self) -> Value {
        // Version marshals itself as its string
        Value::string(self.version.to_string())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Masterminds compares versions ignoring build metadata.
fn compare(a: &Version, b: &Version) -> Ordering {
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => a.pre.cmp(&b.pre),
        })
}

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

/// Registers `semver` and `semverCompare`.
pub fn register(r: &mut Registry) {
    r.add("semver", &[Ty::String], None, |a, _| {
        parse_version(text(&a[0])).map(Value::object)
    });
    r.add("semverCompare", &[Ty::String, Ty::String], None, |a, _| {
        semver_compare(text(&a[0]), text(&a[1])).map(Value::Bool)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values printed by Helm v4.2.3.
    #[test]
    fn versions_and_constraints_behave_as_in_helm() {
        assert_eq!(semver_compare(">=1.19-0", "v1.36.0"), Ok(true));
        assert_eq!(semver_compare("^1.2.0", "1.3.0"), Ok(true));
        assert_eq!(semver_compare("~1.2", "1.3.0"), Ok(false));
        assert_eq!(semver_compare("1.2", "1.2.9"), Ok(true));
        assert_eq!(semver_compare(">=1.19", "v1.36.0-gke.100"), Ok(false));
        assert_eq!(semver_compare(">=1.19-0", "v1.36.0-gke.100"), Ok(true));
        assert_eq!(semver_compare("=1.2.3", "1.2.3"), Ok(true));
        assert_eq!(
            semver_compare("", "1.0.0"),
            Err("improper constraint: \"\"".to_owned())
        );
        assert_eq!(semver_compare(">1", "nope"), Err(INVALID.to_owned()));
        assert_eq!(
            parse_version("01.2.3").unwrap().version.to_string(),
            "1.2.3"
        );
        assert_eq!(parse_version("1").unwrap().version.to_string(), "1.0.0");
        assert_eq!(parse_version("1.2.3.4").unwrap_err(), INVALID);
        assert_eq!(
            parse_version("1.2.3-01").unwrap_err(),
            "version segment starts with 0"
        );
    }
}
