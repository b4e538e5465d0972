//! Helm's version constraints (Masterminds semver v3 syntax and semantics) on top of
//! `semver::Version`: `||` alternatives, comma- or space-separated AND, hyphen ranges, `v`
//! prefixes, `x`/`X`/`*` wildcards, partial versions (`1.2` means 1.2.x), `=`, `!=`, `>`, `<`,
//! `>=`, `<=`, `~`, `~>`, `^`, and the prerelease rule (a prerelease version only satisfies a
//! term that itself names a prerelease). Empty and `latest` mean the newest stable version.

use semver::{Prerelease, Version};

/// Why a constraint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version constraint {text:?}: {reason}")]
pub struct ConstraintError {
    /// The constraint as written.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Tilde,
    Caret,
}

/// One number of a partial version: given, a wildcard, or left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Num(u64),
    Wild,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    op: Op,
    /// major, minor, patch; `None` when left out (which behaves as a wildcard)
    parts: [Option<Part>; 3],
    pre: Prerelease,
    /// The version with wildcards and missing parts as 0.
    base: Version,
}

/// A term as bounds, computed once at parse time so matching allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bounds {
    /// Lower bound and whether it is inclusive.
    lower: Option<(Version, bool)>,
    /// Upper bound and whether it is inclusive.
    upper: Option<(Version, bool)>,
    /// Match what the bounds exclude (`!=`).
    negate: bool,
}

impl Term {
    /// How many leading numbers were given before the first wildcard or gap.
    fn precision(&self) -> usize {
        self.parts
            .iter()
            .take_while(|p| matches!(p, Some(Part::Num(_))))
            .count()
    }

    /// The first version past the range a partial version names (`1.2` -> 1.3.0), or `None` for
    /// a bare wildcard or a full version.
    fn next_after_partial(&self) -> Option<Version> {
        match self.precision() {
            1 => Some(Version::new(self.base.major + 1, 0, 0)),
            2 => Some(Version::new(self.base.major, self.base.minor + 1, 0)),
            _ => None,
        }
    }

    /// The Masterminds semantics of each operator, as bounds.
    fn bounds(&self) -> Bounds {
        let base = self.base.clone();
        let dirty = self.precision() < 3;
        let partial = || Bounds {
            lower: Some((base.clone(), true)),
            upper: self.next_after_partial().map(|end| (end, false)),
            negate: false,
        };
        let nothing = Bounds {
            lower: None,
            upper: None,
            negate: true,
        };
        let below = |end: Option<Version>| Bounds {
            lower: Some((base.clone(), true)),
            upper: end.map(|e| (e, false)),
            negate: false,
        };
        match self.op {
            Op::Eq if dirty => partial(),
            Op::Eq => Bounds {
                lower: Some((base.clone(), true)),
                upper: Some((base, true)),
                negate: false,
            },
            Op::Ne if dirty => Bounds {
                negate: true,
                ..partial()
            },
            Op::Ne => Bounds {
                lower: Some((base.clone(), true)),
                upper: Some((base, true)),
                negate: true,
            },
            Op::Gt if dirty => match self.next_after_partial() {
                Some(end) => Bounds {
                    lower: Some((end, true)),
                    upper: None,
                    negate: false,
                },
                None => nothing,
            },
            Op::Gt => Bounds {
                lower: Some((base, false)),
                upper: None,
                negate: false,
            },
            Op::Ge => Bounds {
                lower: Some((base, true)),
                upper: None,
                negate: false,
            },
            Op::Lt => Bounds {
                lower: None,
                upper: Some((base, false)),
                negate: false,
            },
            Op::Le if dirty => Bounds {
                lower: None,
                upper: self.next_after_partial().map(|e| (e, false)),
                negate: false,
            },
            Op::Le => Bounds {
                lower: None,
                upper: Some((base, true)),
                negate: false,
            },
            Op::Tilde => {
                let minor_given = self.precision() >= 2;
                let end = match self.precision() {
                    0 => None,
                    _ if minor_given => Some(Version::new(base.major, base.minor + 1, 0)),
                    _ => Some(Version::new(base.major + 1, 0, 0)),
                };
                below(end)
            }
            Op::Caret => {
                let end = match (self.precision(), base.major, base.minor) {
                    (0, _, _) => None,
                    (_, major @ 1.., _) => Some(Version::new(major + 1, 0, 0)),
                    (1, 0, _) => Some(Version::new(1, 0, 0)),
                    (_, 0, minor @ 1..) => Some(Version::new(0, minor + 1, 0)),
                    (2, 0, 0) => Some(Version::new(0, 1, 0)),
                    (_, 0, 0) => Some(Version::new(0, 0, base.patch + 1)),
                };
                below(end)
            }
        }
    }
}

impl Bounds {
    fn matches(&self, v: &Version) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        // cmp_precedence ignores build metadata, as SemVer precedence does
        let above =
            self.lower
                .as_ref()
                .is_none_or(|(low, inclusive)| match v.cmp_precedence(low) {
                    Greater => true,
                    Equal => *inclusive,
                    Less => false,
                });
        let below =
            self.upper
                .as_ref()
                .is_none_or(|(high, inclusive)| match v.cmp_precedence(high) {
                    Less => true,
                    Equal => *inclusive,
                    Greater => false,
                });
        (above && below) != self.negate
    }
}

/// A term ready to match: the prerelease rule plus its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Compiled {
    names_prerelease: bool,
    bounds: Bounds,
}

impl Compiled {
    fn matches(&self, v: &Version) -> bool {
        // The prerelease rule: prereleases match only terms that name a prerelease.
        (v.pre.is_empty() || self.names_prerelease) && self.bounds.matches(v)
    }
}

impl From<Term> for Compiled {
    fn from(term: Term) -> Self {
        Self {
            names_prerelease: !term.pre.is_empty(),
            bounds: term.bounds(),
        }
    }
}

/// A parsed Helm version constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    text: String,
    /// Alternatives (`||`), each a conjunction of terms. Empty means "newest stable".
    any_of: Vec<Vec<Compiled>>,
}

impl Constraint {
    /// Parses a constraint as Helm does.
    ///
    /// # Errors
    /// [`ConstraintError`] naming the constraint and the part that does not parse.
    pub fn parse(text: &str) -> Result<Self, ConstraintError> {
        let trimmed = text.trim();
        let err = |reason: String| ConstraintError {
            text: text.to_owned(),
            reason,
        };
        if trimmed.is_empty() || trimmed == "latest" {
            return Ok(Self {
                text: text.to_owned(),
                any_of: Vec::new(),
            });
        }
        let mut any_of = Vec::new();
        for alternative in trimmed.split("||") {
            let tokens = tokenize(alternative);
            if tokens.is_empty() {
                return Err(err("an alternative between `||` is empty".into()));
            }
            let mut terms: Vec<Compiled> = Vec::new();
            let mut i = 0;
            while i < tokens.len() {
                // hyphen range: `A - B`
                if i + 2 < tokens.len() && tokens[i + 1] == "-" {
                    let low = parse_term(&tokens[i], text)?;
                    let high = parse_term(&tokens[i + 2], text)?;
                    if low.op != Op::Eq
                        || high.op != Op::Eq
                        || tokens[i].starts_with('=')
                        || tokens[i + 2].starts_with('=')
                    {
                        return Err(err(format!(
                            "a hyphen range takes plain versions, not {:?}",
                            tokens[i..i + 3].join(" ")
                        )));
                    }
                    terms.push(Term { op: Op::Ge, ..low }.into());
                    terms.push(Term { op: Op::Le, ..high }.into());
                    i += 3;
                    continue;
                }
                if tokens[i] == "-" {
                    return Err(err("a hyphen range needs a version on both sides".into()));
                }
                terms.push(parse_term(&tokens[i], text)?.into());
                i += 1;
            }
            any_of.push(terms);
        }
        Ok(Self {
            text: text.to_owned(),
            any_of,
        })
    }

    /// The constraint as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the constraint is "the newest stable version" (empty or `latest`).
    pub fn is_latest(&self) -> bool {
        self.any_of.is_empty()
    }

    /// Whether `version` satisfies the constraint.
    pub fn matches(&self, version: &Version) -> bool {
        if self.any_of.is_empty() {
            return version.pre.is_empty();
        }
        self.any_of
            .iter()
            .any(|terms| terms.iter().all(|t| t.matches(version)))
    }
}

/// Splits an alternative into operator+version tokens and standalone `-` (hyphen ranges),
/// treating commas and spaces as separators and joining an operator with the version after it.
fn tokenize(alternative: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for raw in alternative
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let is_op_only = !raw.is_empty()
            && raw
                .chars()
                .all(|c| matches!(c, '=' | '!' | '>' | '<' | '~' | '^'));
        if raw == "-" {
            tokens.push(raw.to_owned());
        } else if is_op_only {
            pending_op.push_str(raw);
        } else {
            tokens.push(format!("{pending_op}{raw}"));
            pending_op.clear();
        }
    }
    if !pending_op.is_empty() {
        tokens.push(pending_op);
    }
    tokens
}

fn parse_term(token: &str, text: &str) -> Result<Term, ConstraintError> {
    let err = |reason: String| ConstraintError {
        text: text.to_owned(),
        reason,
    };
    let op_len = token
        .find(|c: char| !matches!(c, '=' | '!' | '>' | '<' | '~' | '^'))
        .unwrap_or(token.len());
    let (op_text, version_text) = token.split_at(op_len);
    let op = match op_text {
        "" | "=" => Op::Eq,
        "!=" => Op::Ne,
        ">" => Op::Gt,
        "<" => Op::Lt,
        ">=" | "=>" => Op::Ge,
        "<=" | "=<" => Op::Le,
        "~" | "~>" => Op::Tilde,
        "^" => Op::Caret,
        other => return Err(err(format!("unknown operator {other:?} in {token:?}"))),
    };
    if version_text.is_empty() {
        return Err(err(format!("operator {op_text:?} has no version")));
    }
    let version_text = version_text.strip_prefix('v').unwrap_or(version_text);
    let (core, build) = version_text
        .split_once('+')
        .map_or((version_text, None), |(c, b)| (c, Some(b)));
    let (core, pre) = core
        .split_once('-')
        .map_or((core, None), |(c, p)| (c, Some(p)));
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() > 3 || numbers.iter().any(|n| n.is_empty()) {
        return Err(err(format!(
            "{token:?} is not a version (expected MAJOR[.MINOR[.PATCH]])"
        )));
    }
    let mut parts = [None; 3];
    for (slot, n) in parts.iter_mut().zip(&numbers) {
        *slot = Some(match *n {
            "x" | "X" | "*" => Part::Wild,
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => Part::Num(
                digits
                    .parse()
                    .map_err(|_| err(format!("number {digits:?} in {token:?} is too large")))?,
            ),
            other => {
                return Err(err(format!(
                    "{other:?} in {token:?} is not a number or wildcard"
                )));
            }
        });
    }
    let pre = match pre {
        Some("") => return Err(err(format!("empty prerelease after '-' in {token:?}"))),
        Some(p) => {
            Prerelease::new(p).map_err(|e| err(format!("prerelease {p:?} in {token:?}: {e}")))?
        }
        None => Prerelease::EMPTY,
    };
    if let Some(b) = build {
        semver::BuildMetadata::new(b)
            .map_err(|e| err(format!("build metadata {b:?} in {token:?}: {e}")))?;
    }
    let num = |p: Option<Part>| match p {
        Some(Part::Num(n)) => n,
        _ => 0,
    };
    let base = Version {
        major: num(parts[0]),
        minor: num(parts[1]),
        patch: num(parts[2]),
        pre: pre.clone(),
        build: semver::BuildMetadata::EMPTY,
    };
    Ok(Term {
        op,
        parts,
        pre,
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraint: &str, yes: &[&str], no: &[&str]) {
        let c = Constraint::parse(constraint).unwrap_or_else(|e| panic!("{e}"));
        for v in yes {
            assert!(
                c.matches(&Version::parse(v).unwrap()),
                "{constraint:?} must match {v}"
            );
        }
        for v in no {
            assert!(
                !c.matches(&Version::parse(v).unwrap()),
                "{constraint:?} must not match {v}"
            );
        }
    }

    #[test]
    fn bare_versions_are_exact_and_partial_versions_are_ranges() {
        check("1.2.3", &["1.2.3"], &["1.2.4", "1.4.6", "1.2.3-rc.1"]);
        check("v1.2.3", &["1.2.3"], &["1.2.4"]);
        check("1.2", &["1.2.0", "1.2.9"], &["1.3.0", "1.1.9"]);
        check("1.2.x", &["1.2.0", "1.2.9"], &["1.3.0"]);
        check("*", &["0.0.1", "9.9.9"], &["1.0.0-beta"]);
    }

    #[test]
    fn caret_and_tilde_follow_masterminds() {
        check("^1.2.0", &["1.2.0", "1.9.9"], &["2.0.0", "1.1.9"]);
        check("^0.2.3", &["0.2.3", "0.2.9"], &["0.3.0"]);
        check("^0.0.3", &["0.0.3"], &["0.0.4"]);
        check("~1.2.0", &["1.2.0", "1.2.9"], &["1.3.0"]);
        check("~15.0.0", &["15.0.0", "15.0.7"], &["15.1.0"]);
        check("~1", &["1.0.0", "1.9.0"], &["2.0.0"]);
        check("~>1.2", &["1.2.5"], &["1.3.0"]);
    }

    #[test]
    fn and_or_hyphen_and_not_equal() {
        check(">=1.0.0, <2.0.0", &["1.0.0", "1.9.9"], &["2.0.0", "0.9.0"]);
        check(">=1.0.0 <2.0.0", &["1.5.0"], &["2.0.0"]);
        check("^1.2 || ^2.0", &["1.3.0", "2.5.0"], &["3.0.0"]);
        check("1.2 - 1.4.5", &["1.2.0", "1.4.5"], &["1.4.6", "1.1.0"]);
        check("!=1.2.3", &["1.2.4"], &["1.2.3"]);
        check(">= 1.2, < 3", &["2.9.9"], &["3.0.0"]);
    }

    #[test]
    fn prereleases_need_a_prerelease_in_the_constraint() {
        check(
            ">=1.2.3-0",
            &["1.2.3-alpha", "1.5.0-rc.1", "1.2.3"],
            &["1.2.2"],
        );
        check("^1.0.0", &["1.2.0"], &["1.2.0-rc.1"]);
    }

    #[test]
    fn empty_and_latest_mean_newest_stable() {
        for text in ["", "latest", "  "] {
            let c = Constraint::parse(text).unwrap();
            assert!(c.is_latest());
            assert!(c.matches(&Version::parse("3.0.0").unwrap()));
            assert!(!c.matches(&Version::parse("3.0.0-rc.1").unwrap()));
        }
    }

    #[test]
    fn bad_constraints_are_refused_with_the_offending_part() {
        for (bad, part) in [
            (">>1.0", "operator"),
            ("1.2.3.4", "not a version"),
            ("abc", "not a number"),
            ("^", "no version"),
            ("1.0 ||", "empty"),
            ("~1.a", "not a number"),
            ("1.0.0 -", "hyphen"),
            ("1.0.0-", "prerelease"),
        ] {
            let e = Constraint::parse(bad).expect_err(bad).to_string();
            assert!(
                e.contains(part) && e.contains(&format!("{bad:?}")),
                "{bad:?}: {e}"
            );
        }
    }
}
