//! Sprig's string, encoding, regular-expression and URL functions as Helm v4.2.3 offers them
//! (Sprig v3.3.0 with goutils v1.1.1 and xstrings v1.5.0, built with Go 1.25). Each function is
//! registered with its Go signature, so argument conversion and arity errors come from the
//! executor exactly as Go's `text/template` reports them.
//!
//! Go strings are byte strings and several of these functions work on bytes (`trunc`, `substr`,
//! `abbrev`, `wrap`, `initials`, `nospace`, `b64dec`, `urlParse`): where Go would cut a
//! multi-byte character or produce invalid UTF-8, the result here carries one U+FFFD per invalid
//! byte, the character Go sees for each when it ranges over the string. Go's panics inside
//! functions (`substr` out of range, `repeat` with a negative count, a bad pattern given to
//! `regexFind`) become the errors Helm reports for them. Character classes and case mappings are
//! Go's: general categories and simple mappings as of Unicode 15.0 (Go's version), not the
//! derived properties and Unicode 16 tables of Rust's `char` methods.
//!
//! Regular expressions follow Go's RE2 dialect: patterns are parsed here with Go's grammar and
//! Go's error messages (`error parsing regexp: missing closing ): ...`), then translated into an
//! equivalent pattern for the `regex` crate with every Go-specific meaning spelled out (ASCII
//! `\d`, `\s`, `\w` and `\b`, `\Q...\E`, octal escapes, duplicate group names, Go's flag scoping).
//! Matching, `FindAll`, `Split` and `ReplaceAll` (with Go's `$1`/`${name}` expansion) reproduce
//! Go's iteration rules around empty matches.

use crate::engine::gostr::{quote as go_quote, quote_bytes as go_quote_bytes};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use regex::Regex;

use crate::engine::exec::Context;
use crate::engine::funcs::{Registry, Ty};
use crate::engine::value::{ListKind, Value};

/// Registers Sprig's string, encoding, regex and URL functions.
pub fn register(r: &mut Registry) {
    use Ty::{Any, Int, Map as M, String as S};

    r.add("trim", &[S], None, |a, _| Ok(string(s(&a[0]).trim())));
    r.add("trimAll", &[S, S], None, |a, _| {
        Ok(string(go_trim(s(&a[1]), s(&a[0]))))
    });
    // Sprig's deprecated spelling of trimAll
    r.add("trimall", &[S, S], None, |a, _| {
        Ok(string(go_trim(s(&a[1]), s(&a[0]))))
    });
    r.add("trimPrefix", &[S, S], None, |a, _| {
        let text = s(&a[1]);
        Ok(string(text.strip_prefix(s(&a[0])).unwrap_or(text)))
    });
    r.add("trimSuffix", &[S, S], None, |a, _| {
        let text = s(&a[1]);
        Ok(string(text.strip_suffix(s(&a[0])).unwrap_or(text)))
    });
    r.add("trunc", &[Int, S], None, |a, _| {
        Ok(bytes_value(trunc(i(&a[0]), s(&a[1]))))
    });
    r.add("abbrev", &[Int, S], None, |a, _| {
        let (width, text) = (i(&a[0]), s(&a[1]));
        if width < 4 {
            return Ok(string(text));
        }
        Ok(bytes_value(
            &abbreviate_full(text.as_bytes(), 0, width).unwrap_or_default(),
        ))
    });
    r.add("abbrevboth", &[Int, Int, S], None, |a, _| {
        let (left, right, text) = (i(&a[0]), i(&a[1]), s(&a[2]));
        if right < 4 || left > 0 && right < 7 {
            return Ok(string(text));
        }
        Ok(bytes_value(
            &abbreviate_full(text.as_bytes(), left, right).unwrap_or_default(),
        ))
    });
    r.add("upper", &[S], None, |a, _| {
        Ok(string(map_chars(s(&a[0]), go_to_upper)))
    });
    r.add("lower", &[S], None, |a, _| {
        Ok(string(map_chars(s(&a[0]), go_to_lower)))
    });
    r.add("title", &[S], None, |a, _| Ok(string(go_title(s(&a[0])))));
    r.add("untitle", &[S], None, |a, _| {
        Ok(string(uncapitalize(s(&a[0]))))
    });
    r.add("substr", &[Int, Int, S], None, |a, _| {
        substring(i(&a[0]), i(&a[1]), s(&a[2])).map(bytes_value)
    });
    r.add("repeat", &[Int, S], None, |a, ctx| {
        go_repeat(s(&a[1]), i(&a[0]), ctx).map(string)
    });
    r.add("nospace", &[S], None, |a, _| {
        Ok(string(delete_white_space(s(&a[0]))))
    });
    r.add("initials", &[S], None, |a, _| {
        Ok(string(initials(s(&a[0]))))
    });
    r.add("swapcase", &[S], None, |a, _| {
        Ok(string(swap_case(s(&a[0]))))
    });
    r.add("shuffle", &[S], None, |a, _| Ok(string(shuffle(s(&a[0])))));
    r.add("snakecase", &[S], None, |a, _| {
        Ok(string(camel_case_to_lower(s(&a[0]), '_')))
    });
    r.add("kebabcase", &[S], None, |a, _| {
        Ok(string(camel_case_to_lower(s(&a[0]), '-')))
    });
    // Sprig maps camelcase to xstrings' ToPascalCase
    r.add("camelcase", &[S], None, |a, _| {
        Ok(string(to_pascal_case(s(&a[0]))))
    });
    r.add("wrap", &[Int, S], None, |a, _| {
        Ok(bytes_value(&wrap_custom(
            s(&a[1]).as_bytes(),
            i(&a[0]),
            b"",
            false,
        )))
    });
    r.add("wrapWith", &[Int, S, S], None, |a, _| {
        Ok(bytes_value(&wrap_custom(
            s(&a[2]).as_bytes(),
            i(&a[0]),
            s(&a[1]).as_bytes(),
            true,
        )))
    });
    r.add("contains", &[S, S], None, |a, _| {
        Ok(Value::Bool(s(&a[1]).contains(s(&a[0]))))
    });
    r.add("hasPrefix", &[S, S], None, |a, _| {
        Ok(Value::Bool(s(&a[1]).starts_with(s(&a[0]))))
    });
    r.add("hasSuffix", &[S, S], None, |a, _| {
        Ok(Value::Bool(s(&a[1]).ends_with(s(&a[0]))))
    });
    r.add("quote", &[], Some(Any), |a, _| {
        let quoted: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| go_quote(&strval(v)))
            .collect();
        Ok(string(quoted.join(" ")))
    });
    r.add("squote", &[], Some(Any), |a, _| {
        let quoted: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{v}'"))
            .collect();
        Ok(string(quoted.join(" ")))
    });
    r.add("cat", &[], Some(Any), |a, _| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(ToString::to_string)
            .collect();
        Ok(string(parts.join(" ")))
    });
    r.add("indent", &[Int, S], None, |a, ctx| {
        indent(i(&a[0]), s(&a[1]), ctx).map(string)
    });
    r.add("nindent", &[Int, S], None, |a, ctx| {
        indent(i(&a[0]), s(&a[1]), ctx).map(|t| string(format!("\n{t}")))
    });
    r.add("replace", &[S, S, S], None, |a, _| {
        Ok(string(s(&a[2]).replace(s(&a[0]), s(&a[1]))))
    });
    r.add("plural", &[S, S, Int], None, |a, _| {
        Ok(if i(&a[2]) == 1 {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    r.add("toString", &[Any], None, |a, _| Ok(string(strval(&a[0]))));
    r.add("toStrings", &[Any], None, |a, _| {
        Ok(strings_value(strslice(&a[0])))
    });
    r.add("join", &[S, Any], None, |a, _| {
        Ok(string(strslice(&a[1]).join(s(&a[0]))))
    });
    r.add("split", &[S, S], None, |a, _| {
        Ok(indexed_map(go_split(s(&a[1]), s(&a[0]), -1)))
    });
    r.add("splitn", &[S, Int, S], None, |a, _| {
        Ok(indexed_map(go_split(s(&a[2]), s(&a[0]), i(&a[1]))))
    });
    r.add("splitList", &[S, S], None, |a, _| {
        Ok(strings_value(
            go_split(s(&a[1]), s(&a[0]), -1)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ))
    });
    r.add("randAlphaNum", &[Int], None, |a, ctx| {
        random_string(i(&a[0]), ALPHANUMERIC, ctx)
    });
    r.add("randAlpha", &[Int], None, |a, ctx| {
        random_string(i(&a[0]), ALPHA, ctx)
    });
    r.add("randNumeric", &[Int], None, |a, ctx| {
        random_string(i(&a[0]), DIGITS, ctx)
    });
    r.add("randAscii", &[Int], None, |a, ctx| {
        random_string(i(&a[0]), ASCII, ctx)
    });

    r.add("b64enc", &[S], None, |a, _| {
        Ok(string(base64_encode(s(&a[0]).as_bytes())))
    });
    r.add("b64dec", &[S], None, |a, _| {
        Ok(match base64_decode(s(&a[0]).as_bytes()) {
            Ok(bytes) => bytes_value(&bytes),
            Err(at) => string(format!("illegal base64 data at input byte {at}")),
        })
    });
    r.add("b32enc", &[S], None, |a, _| {
        Ok(string(base32_encode(s(&a[0]).as_bytes())))
    });
    r.add("b32dec", &[S], None, |a, _| {
        Ok(match base32_decode(s(&a[0]).as_bytes()) {
            Ok(bytes) => bytes_value(&bytes),
            Err(at) => string(format!("illegal base32 data at input byte {at}")),
        })
    });

    r.add("regexMatch", &[S, S], None, |a, _| {
        Ok(Value::Bool(
            compile(s(&a[0])).is_ok_and(|re| re.is_match(s(&a[1]))),
        ))
    });
    r.add("mustRegexMatch", &[S, S], None, |a, _| {
        Ok(Value::Bool(compile(s(&a[0]))?.is_match(s(&a[1]))))
    });
    r.add("regexFindAll", &[S, S, Int], None, |a, _| {
        let re = must_compile(s(&a[0]))?;
        Ok(find_all_value(&re, s(&a[1]), i(&a[2])))
    });
    r.add("mustRegexFindAll", &[S, S, Int], None, |a, _| {
        let re = compile(s(&a[0]))?;
        Ok(find_all_value(&re, s(&a[1]), i(&a[2])))
    });
    r.add("regexFind", &[S, S], None, |a, _| {
        Ok(string(must_compile(s(&a[0]))?.find_string(s(&a[1]))))
    });
    r.add("mustRegexFind", &[S, S], None, |a, _| {
        Ok(string(compile(s(&a[0]))?.find_string(s(&a[1]))))
    });
    r.add("regexReplaceAll", &[S, S, S], None, |a, _| {
        let re = must_compile(s(&a[0]))?;
        Ok(string(re.replace_all(s(&a[1]), s(&a[2]), true)))
    });
    r.add("mustRegexReplaceAll", &[S, S, S], None, |a, _| {
        let re = compile(s(&a[0]))?;
        Ok(string(re.replace_all(s(&a[1]), s(&a[2]), true)))
    });
    r.add("regexReplaceAllLiteral", &[S, S, S], None, |a, _| {
        let re = must_compile(s(&a[0]))?;
        Ok(string(re.replace_all(s(&a[1]), s(&a[2]), false)))
    });
    r.add("mustRegexReplaceAllLiteral", &[S, S, S], None, |a, _| {
        let re = compile(s(&a[0]))?;
        Ok(string(re.replace_all(s(&a[1]), s(&a[2]), false)))
    });
    r.add("regexSplit", &[S, S, Int], None, |a, _| {
        let re = must_compile(s(&a[0]))?;
        Ok(strings_value(re.split(s(&a[1]), i(&a[2]))))
    });
    r.add("mustRegexSplit", &[S, S, Int], None, |a, _| {
        let re = compile(s(&a[0]))?;
        Ok(strings_value(re.split(s(&a[1]), i(&a[2]))))
    });
    r.add("regexQuoteMeta", &[S], None, |a, _| {
        Ok(string(quote_meta(s(&a[0]))))
    });

    r.add("urlParse", &[S], None, |a, _| url_parse_dict(s(&a[0])));
    r.add("urlJoin", &[M], None, |a, _| url_join(&a[0]).map(string));
}

// ---------------------------------------------------------------------------------------------
// Argument and result helpers

/// The string the executor converted a `string` parameter to.
fn s(v: &Value) -> &str {
    match v {
        Value::String(text) => text,
        _ => "",
    }
}

/// The integer the executor converted an `int` parameter to.
fn i(v: &Value) -> i64 {
    match v {
        Value::Int(n, _) => *n,
        _ => 0,
    }
}

fn string(text: impl AsRef<str>) -> Value {
    Value::string(text.as_ref())
}

/// A Go string made of raw bytes. Invalid UTF-8 cannot be kept, so each invalid byte becomes
/// U+FFFD, the character Go sees when it ranges over such a string (and what Helm's output shows
/// once decoded).
fn bytes_value(bytes: &[u8]) -> Value {
    Value::string(lossy(bytes))
}

fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push('\u{FFFD}');
        }
    }
    out
}

/// A Go `[]string`.
fn strings_value(items: Vec<String>) -> Value {
    Value::List(
        Arc::new(items.into_iter().map(Value::string).collect()),
        ListKind::String,
    )
}

/// Sprig's `split`/`splitn` result: `map[string]string` keyed `_0`, `_1`, ...
fn indexed_map(parts: Vec<&str>) -> Value {
    Value::map(
        parts
            .into_iter()
            .enumerate()
            .map(|(n, part)| (format!("_{n}"), Value::string(part)))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Sprig's `strval`: strings as they are, everything else as `fmt.Sprintf("%v")` prints it.
fn strval(v: &Value) -> String {
    match v {
        Value::String(text) => text.to_string(),
        other => other.to_string(),
    }
}

/// Sprig's `strslice`: a `[]string` as it is, other slices element by element without their
/// nils, nil as an empty list, anything else as a one-element list.
fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(items, _) => items
            .iter()
            .filter(|item| !matches!(item, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Refuses results larger than the render may produce (Go would try to allocate them).
fn check_size(len: u128, ctx: &Context<'_>) -> Result<(), String> {
    let limit = ctx.limits.max_output;
    if len > limit as u128 {
        return Err(format!("output exceeds the limit of {limit} bytes"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Unicode classes as Go's `unicode` package defines them (general categories, not the derived
// properties Rust's `char` methods use), and as of Go's Unicode version, 15.0: characters that
// Unicode 16 (Rust's version) assigned are unassigned for Go, with no case and no class.

/// Characters assigned as of Unicode 15.0, in `regex` class syntax.
const GO_ASSIGNED: &str = r"\p{age=15.0}";

fn class_regex(class: &str) -> Regex {
    Regex::new(&format!("^[{class}&&{GO_ASSIGNED}]$")).expect("a fixed Unicode class")
}

static ASSIGNED: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{Any}"));
static UPPER: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{Lu}"));
static LOWER: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{Ll}"));
static TITLE: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{Lt}"));
static LETTER: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{L}"));
static DIGIT: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{Nd}"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{N}"));
static PUNCT: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{P}"));
static PRINT: LazyLock<Regex> = LazyLock::new(|| class_regex(r"\p{L}\p{M}\p{N}\p{P}\p{S}"));

/// Whether Go's Unicode tables know `c` (case mappings of later characters do not exist there).
fn go_assigned(c: char) -> bool {
    c.is_ascii() || in_class(&ASSIGNED, c)
}

fn in_class(re: &Regex, c: char) -> bool {
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

/// `unicode.IsUpper` (category Lu).
fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        in_class(&UPPER, c)
    }
}

/// `unicode.IsLower` (category Ll).
fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_lowercase()
    } else {
        in_class(&LOWER, c)
    }
}

/// `unicode.IsTitle` (category Lt).
fn is_title(c: char) -> bool {
    !c.is_ascii() && in_class(&TITLE, c)
}

/// `unicode.IsLetter` (category L).
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_class(&LETTER, c)
    }
}

/// `unicode.IsDigit` (category Nd).
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_class(&DIGIT, c)
    }
}

/// `unicode.IsNumber` (category N).
fn is_number(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_class(&NUMBER, c)
    }
}

/// `unicode.IsPunct` (category P).
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        // ASCII's $+<=>^`|~ are symbols, not punctuation
        c.is_ascii_punctuation() && !"$+<=>^`|~".contains(c)
    } else {
        in_class(&PUNCT, c)
    }
}

/// `unicode.IsSpace`: Go's list is Unicode's White_Space property, as Rust's.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    let u = c as u32;
    if u <= 0xFF {
        return (0x20..=0x7E).contains(&u) || (0xA1..=0xFF).contains(&u) && u != 0xAD;
    }
    in_class(&PRINT, c)
}

/// `unicode.ToUpper`: the simple (one-to-one) mapping, where Rust's is the full one.
fn go_to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut mapped = c.to_uppercase();
    let upper = match (mapped.next(), mapped.next()) {
        (Some(u), None) => u,
        _ => simple_upper_of_expanding(c),
    };
    if upper == c || !go_assigned(c) || !go_assigned(upper) {
        return c;
    }
    upper
}

/// The simple uppercase of the characters whose full uppercase has several characters: only
/// Greek letters with ypogegrammeni have one; the others keep their case.
fn simple_upper_of_expanding(c: char) -> char {
    let u = c as u32;
    let mapped = match u {
        0x1F80..=0x1FAF if u & 0xF < 8 => u + 8,
        0x1FB3 => 0x1FBC,
        0x1FC3 => 0x1FCC,
        0x1FF3 => 0x1FFC,
        _ => u,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// `unicode.ToLower` (simple mapping; only İ expands in the full one).
fn go_to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut mapped = c.to_lowercase();
    let lower = match (mapped.next(), mapped.next()) {
        (Some(l), None) => l,
        _ if c == '\u{130}' => 'i',
        _ => c,
    };
    if lower == c || !go_assigned(c) || !go_assigned(lower) {
        return c;
    }
    lower
}

/// `unicode.ToTitle`: the uppercase, except for the Latin digraphs (whose title case is their
/// own letter) and Georgian Mkhedruli (which has no title case).
fn go_to_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        0x10D0..=0x10FA | 0x10FD..=0x10FF => c,
        _ => go_to_upper(c),
    }
}

fn map_chars(text: &str, f: fn(char) -> char) -> String {
    text.chars().map(f).collect()
}

// ---------------------------------------------------------------------------------------------
// Strings

/// Go's `strings.Trim(s, cutset)`.
fn go_trim<'a>(text: &'a str, cutset: &str) -> &'a str {
    if text.is_empty() || cutset.is_empty() {
        return text;
    }
    text.trim_matches(|c| cutset.contains(c))
}

/// Sprig's `trunc`: the first `c` bytes, or for a negative `c` the last `-c` bytes.
fn trunc(c: i64, text: &str) -> &[u8] {
    let bytes = text.as_bytes();
    let len = bytes.len() as i64;
    if c < 0 && len + c > 0 {
        return &bytes[(len + c) as usize..];
    }
    if c >= 0 && len > c {
        return &bytes[..c as usize];
    }
    bytes
}

/// goutils' `AbbreviateFull` (on bytes, like Go); `None` where it returns an error.
fn abbreviate_full(text: &[u8], offset: i64, max_width: i64) -> Option<Vec<u8>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    if max_width < 4 {
        return None;
    }
    let len = text.len() as i64;
    if len <= max_width {
        return Some(text.to_vec());
    }
    let mut offset = offset;
    if offset > len {
        offset = len;
    }
    if len.wrapping_sub(offset) < max_width - 3 {
        offset = len - (max_width - 3);
    }
    const MARKER: &[u8] = b"...";
    if offset <= 4 {
        return Some([&text[..(max_width - 3) as usize], MARKER].concat());
    }
    if max_width < 7 {
        return None;
    }
    if offset + max_width - 3 < len {
        let inner = abbreviate_full(&text[offset as usize..], 0, max_width - 3).unwrap_or_default();
        return Some([MARKER, &inner[..]].concat());
    }
    Some([MARKER, &text[(len - (max_width - 3)) as usize..]].concat())
}

/// Sprig's `substring`, with Go's slice-bounds panics as errors.
fn substring(start: i64, end: i64, text: &str) -> Result<&[u8], String> {
    let bytes = text.as_bytes();
    let len = bytes.len() as i64;
    let out_of_range =
        |what: String| Err(format!("runtime error: slice bounds out of range {what}"));
    if start < 0 {
        if end < 0 {
            return out_of_range(format!("[:{end}]"));
        }
        if end > len {
            return out_of_range(format!("[:{end}] with length {len}"));
        }
        return Ok(&bytes[..end as usize]);
    }
    if end < 0 || end > len {
        if start > len {
            return out_of_range(format!("[{start}:{len}]"));
        }
        return Ok(&bytes[start as usize..]);
    }
    if start > end {
        return out_of_range(format!("[{start}:{end}]"));
    }
    Ok(&bytes[start as usize..end as usize])
}

/// Go's `strings.Repeat`, with its panics as errors.
fn go_repeat(text: &str, count: i64, ctx: &Context<'_>) -> Result<String, String> {
    match count {
        0 => return Ok(String::new()),
        1 => return Ok(text.to_owned()),
        _ => {}
    }
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let total = text.len() as u128 * count as u128;
    if total > i64::MAX as u128 {
        return Err("strings: Repeat output length overflow".into());
    }
    check_size(total, ctx)?;
    Ok(text.repeat(count as usize))
}

/// Sprig's `indent`: every line prefixed with `spaces` spaces.
fn indent(spaces: i64, text: &str, ctx: &Context<'_>) -> Result<String, String> {
    let pad = go_repeat(" ", spaces, ctx)?;
    check_size((text.len() as u128 + 1) * (pad.len() as u128 + 1), ctx)?;
    Ok(format!("{pad}{}", text.replace('\n', &format!("\n{pad}"))))
}

/// `unicode.IsSpace` of a byte read as a Latin-1 character, as goutils reads strings.
fn is_latin1_space(b: u8) -> bool {
    matches!(b, 0x09..=0x0D | 0x20 | 0x85 | 0xA0)
}

/// goutils' `DeleteWhiteSpace`: it walks bytes, so when it removes anything it also rewrites
/// every non-ASCII byte as the Latin-1 character of that value.
fn delete_white_space(text: &str) -> String {
    if !text.bytes().any(is_latin1_space) {
        return text.to_owned();
    }
    text.bytes()
        .filter(|b| !is_latin1_space(*b))
        .map(char::from)
        .collect()
}

/// goutils' `Initials`: the first byte of every whitespace-separated word, as a Latin-1
/// character.
fn initials(text: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for b in text.bytes() {
        if is_latin1_space(b) {
            gap = true;
        } else if gap {
            out.push(char::from(b));
            gap = false;
        }
    }
    out
}

/// Go's deprecated `strings.Title`: the first letter of every word in title case, a word
/// starting after anything but ASCII alphanumerics, `_`, letters and digits.
fn go_title(text: &str) -> String {
    let is_separator = |c: char| {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if is_letter(c) || is_digit(c) {
            return false;
        }
        is_space(c)
    };
    let mut prev = ' ';
    text.chars()
        .map(|c| {
            let out = if is_separator(prev) {
                go_to_title(c)
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

/// goutils' `Uncapitalize`: the first character of every whitespace-separated word lowered.
fn uncapitalize(text: &str) -> String {
    let mut next = true;
    text.chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                go_to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`: upper and title case become lower; lower case becomes title case at
/// the start of a word and upper case elsewhere.
fn swap_case(text: &str) -> String {
    let mut whitespace = true;
    text.chars()
        .map(|c| {
            if is_upper(c) || is_title(c) {
                whitespace = false;
                go_to_lower(c)
            } else if is_lower(c) {
                if whitespace {
                    whitespace = false;
                    go_to_title(c)
                } else {
                    go_to_upper(c)
                }
            } else {
                whitespace = is_space(c);
                c
            }
        })
        .collect()
}

/// goutils' `WrapCustom` (on bytes, like Go).
fn wrap_custom(text: &[u8], wrap_length: i64, new_line: &[u8], wrap_long_words: bool) -> Vec<u8> {
    if text.is_empty() {
        return Vec::new();
    }
    let new_line: &[u8] = if new_line.is_empty() { b"\n" } else { new_line };
    let wrap_length = wrap_length.max(1) as usize;
    let len = text.len();
    let mut offset = 0usize;
    let mut out = Vec::with_capacity(len + len / wrap_length.max(1));
    while len - offset > wrap_length {
        if text[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = wrap_length + offset + 1;
        if let Some(space) = text[offset..end].iter().rposition(|b| *b == b' ') {
            let at = space + offset;
            out.extend_from_slice(&text[offset..at]);
            out.extend_from_slice(new_line);
            offset = at + 1;
        } else if wrap_long_words {
            out.extend_from_slice(&text[offset..wrap_length + offset]);
            out.extend_from_slice(new_line);
            offset += wrap_length;
        } else {
            let end = wrap_length + offset;
            match text[end..].iter().position(|b| *b == b' ') {
                Some(space) => {
                    let at = space + end;
                    out.extend_from_slice(&text[offset..at]);
                    out.extend_from_slice(new_line);
                    offset = at + 1;
                }
                None => {
                    out.extend_from_slice(&text[offset..]);
                    offset = len;
                }
            }
        }
    }
    out.extend_from_slice(&text[offset..]);
    out
}

/// Go's `strings.SplitN` (`n < 0`: all pieces; `n == 0`: none); `strings.Split` is `n = -1`.
fn go_split<'a>(text: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        // one piece per character, the last one holding the rest
        let count = text.chars().count() as i64;
        let n = if n < 0 || n > count { count } else { n } as usize;
        let mut out = Vec::with_capacity(n);
        let mut rest = text;
        while out.len() + 1 < n {
            let width = rest.chars().next().map_or(0, char::len_utf8);
            out.push(&rest[..width]);
            rest = &rest[width..];
        }
        if n > 0 {
            out.push(rest);
        }
        return out;
    }
    if n < 0 {
        text.split(sep).collect()
    } else {
        text.splitn(n as usize, sep).collect()
    }
}

// xstrings (v1.5.0) word-based conversions

/// xstrings' `isConnector`.
fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || is_space(c)
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !is_letter(c) {
        return false;
    }
    let u = c as u32;
    !((0x4E00..=0x9FCC).contains(&u)
        || (0x3400..=0x4D85).contains(&u)
        || (0x20000..=0x2B81D).contains(&u))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `nextValidRune`: the next character that is not U+FFFD (Go's `RuneError`), with
/// the bytes up to and including it; `prev` when there is none.
fn next_valid_rune(text: &str, prev: char) -> (char, usize) {
    let mut size = 0;
    for c in text.chars() {
        size += c.len_utf8();
        if c != '\u{FFFD}' {
            return (c, size);
        }
    }
    (prev, size)
}

/// xstrings' `nextWord`: the kind of the next word, the word, and what follows it.
fn next_word(text: &str) -> (Word, &str, &str) {
    if text.is_empty() {
        return (Word::Invalid, "", "");
    }
    let (mut r, mut size) = next_valid_rune(text, '\u{FFFD}');
    let mut offset = size;
    if r == '\u{FFFD}' {
        return (Word::Invalid, &text[..offset], &text[offset..]);
    }
    let mut remaining = &text[size..];
    // consumes characters while `keep` holds
    let run =
        |offset: &mut usize, remaining: &mut &str, r: &mut char, keep: &dyn Fn(char) -> bool| {
            while !remaining.is_empty() {
                let (next, width) = next_valid_rune(remaining, *r);
                *r = next;
                if !keep(next) {
                    break;
                }
                *offset += width;
                *remaining = &remaining[width..];
            }
        };
    let kind = if is_connector(r) {
        run(&mut offset, &mut remaining, &mut r, &is_connector);
        Word::Connector
    } else if is_punct(r) {
        run(&mut offset, &mut remaining, &mut r, &is_punct);
        Word::Punct
    } else if is_upper(r) {
        if !remaining.is_empty() {
            (r, size) = next_valid_rune(remaining, r);
            if is_upper(r) {
                let mut prev_size = size;
                offset += size;
                remaining = &remaining[size..];
                while !remaining.is_empty() {
                    (r, size) = next_valid_rune(remaining, r);
                    if !is_upper(r) {
                        break;
                    }
                    prev_size = size;
                    offset += size;
                    remaining = &remaining[size..];
                }
                // "HTTPStatus" splits as "HTTP" and "Status"
                if !remaining.is_empty() && is_alphabet(r) {
                    offset -= prev_size;
                    remaining = &text[offset..];
                }
            } else if is_alphabet(r) {
                offset += size;
                remaining = &remaining[size..];
                run(&mut offset, &mut remaining, &mut r, &|c| {
                    is_alphabet(c) && !is_upper(c)
                });
            }
        }
        Word::Upper
    } else if is_alphabet(r) {
        run(&mut offset, &mut remaining, &mut r, &|c| {
            is_alphabet(c) && !is_upper(c)
        });
        Word::Alphabet
    } else if is_number(r) {
        run(&mut offset, &mut remaining, &mut r, &is_number);
        Word::Number
    } else {
        run(&mut offset, &mut remaining, &mut r, &|c| {
            !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c))
        });
        Word::Other
    };
    (kind, &text[..offset], remaining)
}

/// xstrings' `toLower`: upper-case and connector words lowered, connectors replaced.
fn word_to_lower(buf: &mut String, kind: Word, word: &str, connector: char) {
    if kind != Word::Upper && kind != Word::Connector {
        buf.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            buf.push(connector);
        } else if is_upper(c) {
            buf.push(go_to_lower(c));
        } else {
            buf.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (`ToSnakeCase` with `_`, `ToKebabCase` with `-`).
fn camel_case_to_lower(text: &str, connector: char) -> String {
    use Word::*;
    let mut buf = String::with_capacity(text.len() + 4);
    if text.is_empty() {
        return buf;
    }
    let (mut kind, mut word, mut remaining) = next_word(text);
    while !remaining.is_empty() {
        if kind != Connector {
            word_to_lower(&mut buf, kind, word, connector);
        }
        let prev = kind;
        let last = word;
        (kind, word, remaining) = next_word(remaining);
        match prev {
            Number => {
                while kind == Alphabet || kind == Number {
                    word_to_lower(&mut buf, kind, word, connector);
                    (kind, word, remaining) = next_word(remaining);
                }
                if kind != Invalid && kind != Punct && kind != Connector {
                    buf.push(connector);
                }
            }
            Connector => word_to_lower(&mut buf, prev, last, connector),
            Punct => {}
            _ => {
                if kind != Number {
                    if kind != Connector && kind != Punct {
                        buf.push(connector);
                    }
                } else if !remaining.is_empty() {
                    let number = word;
                    (kind, word, remaining) = next_word(remaining);
                    // a number joins the previous word ("Bld4Floor" -> "bld4_floor") unless
                    // lower-case letters follow it ("HTTP2xx" -> "http_2xx")
                    if kind != Alphabet {
                        word_to_lower(&mut buf, Number, number, connector);
                        if kind != Connector && kind != Punct {
                            buf.push(connector);
                        }
                    } else {
                        buf.push(connector);
                        word_to_lower(&mut buf, Number, number, connector);
                        while kind == Alphabet || kind == Number {
                            word_to_lower(&mut buf, kind, word, connector);
                            (kind, word, remaining) = next_word(remaining);
                        }
                        if kind != Invalid && kind != Connector && kind != Punct {
                            buf.push(connector);
                        }
                    }
                }
            }
        }
    }
    word_to_lower(&mut buf, kind, word, connector);
    buf
}

/// xstrings' `ToPascalCase`, which Sprig's `camelcase` is.
fn to_pascal_case(text: &str) -> String {
    let mut buf = String::with_capacity(text.len());
    let mut chars = text.chars();
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut read_any = false;
    for c in chars.by_ref() {
        read_any = true;
        r0 = c;
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = go_to_upper(c);
            break;
        }
        buf.push(c);
    }
    let rest = chars.as_str();
    if rest.is_empty() {
        // xstrings writes the last character again here, even a connector it already wrote
        if read_any {
            buf.push(r0);
        }
        return buf;
    }
    for c in rest.chars() {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            buf.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = go_to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = go_to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            buf.push(r1);
        }
    }
    buf.push(r0);
    buf
}

// ---------------------------------------------------------------------------------------------
// Randomness (shape only: these functions are random in Helm too)

fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // std's per-process random hash keys are the only entropy std offers without I/O
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A uniform integer in `0..n`.
fn random_below(n: usize) -> usize {
    (random_u64() % n as u64) as usize
}

/// xstrings' `Shuffle`: the characters in a random order.
fn shuffle(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for n in (1..chars.len()).rev() {
        chars.swap(n, random_below(n + 1));
    }
    chars.into_iter().collect()
}

const ALPHANUMERIC: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALPHA: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const ASCII: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// goutils' `CryptoRandom*`: `count` characters from `alphabet`; a negative count is an error
/// Sprig drops, leaving an empty string.
fn random_string(count: i64, alphabet: &str, ctx: &Context<'_>) -> Result<Value, String> {
    if count <= 0 {
        return Ok(string(""));
    }
    check_size(count as u128, ctx)?;
    let chars = alphabet.as_bytes();
    let out: String = (0..count)
        .map(|_| char::from(chars[random_below(chars.len())]))
        .collect();
    Ok(string(out))
}

// ---------------------------------------------------------------------------------------------
// Quoting as Go's strconv does it

/// `strconv.CanBackquote`.
fn can_backquote(text: &str) -> bool {
    text.chars()
        .all(|c| c != '`' && c != '\u{FEFF}' && c != '\x7F' && (c >= ' ' || c == '\t'))
}

// ---------------------------------------------------------------------------------------------
// Base64 and base32 as Go's encoding packages do them (StdEncoding, padded)

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn decode_table(alphabet: &[u8]) -> [u8; 256] {
    let mut table = [0xFF; 256];
    for (n, b) in alphabet.iter().enumerate() {
        table[*b as usize] = n as u8;
    }
    table
}

static B64_DECODE: LazyLock<[u8; 256]> = LazyLock::new(|| decode_table(B64));
static B32_DECODE: LazyLock<[u8; 256]> = LazyLock::new(|| decode_table(B32));

fn base64_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(3) * 4);
    for chunk in src.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for n in 0..4 {
            if n <= chunk.len() {
                out.push(char::from(B64[(v >> (18 - 6 * n) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base64.StdEncoding.DecodeString`: `\r` and `\n` are skipped anywhere; the error is
/// the offset Go's `CorruptInputError` reports.
pub(crate) fn base64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        si = base64_quantum(src, si, &mut out)?;
    }
    Ok(out)
}

/// Go's `decodeQuantum`: decodes up to four characters from `si`.
fn base64_quantum(src: &[u8], mut si: usize, out: &mut Vec<u8>) -> Result<usize, usize> {
    let is_newline = |b: u8| b == b'\n' || b == b'\r';
    let mut dbuf = [0u8; 4];
    let mut dlen = 4;
    let mut trailing = None;
    let mut j = 0;
    while j < 4 {
        if si == src.len() {
            if j == 0 {
                return Ok(si);
            }
            return Err(si - j);
        }
        let c = src[si];
        si += 1;
        let v = B64_DECODE[c as usize];
        if v != 0xFF {
            dbuf[j] = v;
            j += 1;
            continue;
        }
        if is_newline(c) {
            continue;
        }
        if c != b'=' {
            return Err(si - 1);
        }
        match j {
            0 | 1 => return Err(si - 1),
            2 => {
                while si < src.len() && is_newline(src[si]) {
                    si += 1;
                }
                if si == src.len() {
                    return Err(src.len());
                }
                if src[si] != b'=' {
                    return Err(si - 1);
                }
                si += 1;
            }
            _ => {}
        }
        while si < src.len() && is_newline(src[si]) {
            si += 1;
        }
        if si < src.len() {
            trailing = Some(si);
        }
        dlen = j;
        break;
    }
    let v = u32::from(dbuf[0]) << 18
        | u32::from(dbuf[1]) << 12
        | u32::from(dbuf[2]) << 6
        | u32::from(dbuf[3]);
    let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
    out.extend_from_slice(&bytes[..dlen - 1]);
    match trailing {
        Some(at) => Err(at),
        None => Ok(si),
    }
}

fn base32_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(5) * 8);
    for chunk in src.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let v = block.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
        // characters carrying data for 1..=5 input bytes
        let used = [0, 2, 4, 5, 7, 8][chunk.len()];
        for n in 0..8 {
            if n < used {
                out.push(char::from(B32[(v >> (35 - 5 * n) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString`: newlines are removed first, then the error is the
/// offset Go's `CorruptInputError` reports in what remains.
fn base32_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let src: Vec<u8> = src
        .iter()
        .copied()
        .filter(|b| *b != b'\n' && *b != b'\r')
        .collect();
    let olen = src.len();
    let mut rest = &src[..];
    let mut out = Vec::with_capacity(olen / 8 * 5);
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            if rest.is_empty() {
                return Err(olen - rest.len() - j);
            }
            let c = rest[0];
            rest = &rest[1..];
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 8 - 1 {
                    return Err(olen);
                }
                for k in 0..8 - 1 - j {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(olen - rest.len() + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(olen - rest.len() - 1);
                }
                break;
            }
            let v = B32_DECODE[c as usize];
            if v == 0xFF {
                return Err(olen - rest.len() - 1);
            }
            dbuf[j] = v;
            j += 1;
        }
        let v = dbuf.iter().fold(0u64, |acc, d| acc << 5 | u64::from(*d));
        let bytes = v.to_be_bytes();
        let produced = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            _ => 1,
        };
        out.extend_from_slice(&bytes[3..3 + produced]);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Regular expressions in Go's RE2 dialect

/// A compiled Go regular expression.
#[derive(Debug)]
struct GoRegexp {
    re: Regex,
    /// Group names by group number (0 and unnamed groups: empty), as Go's `SubexpNames`.
    names: Vec<String>,
    /// Whether the pattern text is non-empty (`Split` treats an empty pattern specially).
    nonempty: bool,
    /// Whether it is small enough to keep cached (counted repetitions multiply the program).
    small: bool,
}

/// Compiled patterns, shared by renders (charts call the same few patterns over and over).
/// A compilation's outcome: the pattern or Go's error text.
type Compiled = Result<Arc<GoRegexp>, String>;

static REGEX_CACHE: LazyLock<Mutex<HashMap<String, Compiled>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Go's `regexp.Compile`: the error is Go's `error parsing regexp: ...` text.
fn compile(expr: &str) -> Compiled {
    let cache = || {
        REGEX_CACHE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(hit) = cache().get(expr) {
        return hit.clone();
    }
    let compiled = translate(expr).map(Arc::new);
    if compiled.as_ref().map_or(true, |re| re.small) {
        let mut cache = cache();
        if cache.len() >= 512 {
            cache.clear();
        }
        cache.insert(expr.to_owned(), compiled.clone());
    }
    compiled
}

/// Go's `regexp.MustCompile`, whose panic text Helm shows as the error.
fn must_compile(expr: &str) -> Result<Arc<GoRegexp>, String> {
    compile(expr).map_err(|err| {
        let quoted = if can_backquote(expr) {
            format!("`{expr}`")
        } else {
            go_quote(expr)
        };
        format!("regexp: Compile({quoted}): {err}")
    })
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn find_all_value(re: &GoRegexp, text: &str, n: i64) -> Value {
    strings_value(
        re.all_matches(text, n)
            .into_iter()
            .map(|(a, b)| text[a..b].to_owned())
            .collect(),
    )
}

impl GoRegexp {
    fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }

    /// `FindString`: the first match, or "".
    fn find_string(&self, text: &str) -> String {
        self.re
            .find(text)
            .map_or_else(String::new, |m| m.as_str().to_owned())
    }

    /// Go's `allMatches`: successive matches, at most `n` (all when negative), skipping an
    /// empty match right after the previous match.
    fn all_matches(&self, text: &str, n: i64) -> Vec<(usize, usize)> {
        let n = if n < 0 { text.len() as i64 + 1 } else { n };
        let mut out = Vec::new();
        let mut pos = 0;
        let mut prev_end: Option<usize> = None;
        while (out.len() as i64) < n && pos <= text.len() {
            let Some(m) = self.re.find_at(text, pos) else {
                break;
            };
            let (start, end) = (m.start(), m.end());
            let mut accept = true;
            if end == pos {
                if Some(start) == prev_end {
                    accept = false;
                }
                let width = text[pos..].chars().next().map_or(0, char::len_utf8);
                pos = if width > 0 {
                    pos + width
                } else {
                    text.len() + 1
                };
            } else {
                pos = end;
            }
            prev_end = Some(end);
            if accept {
                out.push((start, end));
            }
        }
        out
    }

    /// Go's `Split`.
    fn split(&self, text: &str, n: i64) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        if self.nonempty && text.is_empty() {
            return vec![String::new()];
        }
        let mut out = Vec::new();
        let (mut begin, mut end) = (0, 0);
        for (start, stop) in self.all_matches(text, n) {
            if n > 0 && out.len() as i64 == n - 1 {
                break;
            }
            end = start;
            if stop != 0 {
                out.push(text[begin..end].to_owned());
            }
            begin = stop;
        }
        if end != text.len() {
            out.push(text[begin..].to_owned());
        }
        out
    }

    /// Go's `ReplaceAllString` (`expand`: `$` templates) or `ReplaceAllLiteralString`.
    fn replace_all(&self, text: &str, repl: &str, expand: bool) -> String {
        let expand = expand && repl.contains('$');
        let mut out = String::with_capacity(text.len());
        let mut last_end = 0;
        let mut search = 0;
        while search <= text.len() {
            let (start, end, groups) = if expand {
                let Some(caps) = self.re.captures_at(text, search) else {
                    break;
                };
                let groups: Vec<Option<(usize, usize)>> = caps
                    .iter()
                    .map(|g| g.map(|m| (m.start(), m.end())))
                    .collect();
                let (start, end) = groups[0].unwrap_or((search, search));
                (start, end, groups)
            } else {
                let Some(m) = self.re.find_at(text, search) else {
                    break;
                };
                (m.start(), m.end(), Vec::new())
            };
            out.push_str(&text[last_end..start]);
            // no replacement for an empty match right after the previous match
            if end > last_end || start == 0 {
                if expand {
                    self.expand(&mut out, repl, text, &groups);
                } else {
                    out.push_str(repl);
                }
            }
            last_end = end;
            let width = text[search..].chars().next().map_or(0, char::len_utf8);
            if search + width > end {
                search += width;
            } else if search + 1 > end {
                search += 1;
            } else {
                search = end;
            }
        }
        out.push_str(&text[last_end..]);
        out
    }

    /// Go's `Regexp.expand`: `$$` is `$`; `$name`/`${name}` take the longest run of letters,
    /// digits and `_` as the name, a number naming a group by index; an unknown or unmatched
    /// group is empty, a malformed reference a literal `$`.
    fn expand(
        &self,
        out: &mut String,
        template: &str,
        src: &str,
        groups: &[Option<(usize, usize)>],
    ) {
        let mut t = template;
        while let Some(at) = t.find('$') {
            out.push_str(&t[..at]);
            t = &t[at + 1..];
            if let Some(rest) = t.strip_prefix('$') {
                out.push('$');
                t = rest;
                continue;
            }
            let Some((name, num, rest)) = extract_group_ref(t) else {
                out.push('$');
                continue;
            };
            t = rest;
            let group = if num >= 0 {
                groups.get(num as usize).copied().flatten()
            } else {
                self.names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| *n == name)
                    .find_map(|(i, _)| groups.get(i).copied().flatten())
            };
            if let Some((a, b)) = group {
                out.push_str(&src[a..b]);
            }
        }
        out.push_str(t);
    }
}

/// Go's `extract`: a group reference after `$`: its name, its number (-1 if not a number)
/// and the rest of the template.
fn extract_group_ref(t: &str) -> Option<(&str, i64, &str)> {
    let (braced, body) = match t.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, t),
    };
    let len: usize = body
        .chars()
        .take_while(|c| is_letter(*c) || is_digit(*c) || *c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if braced {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: i64 = 0;
    for b in name.bytes() {
        if !b.is_ascii_digit() || num >= 100_000_000 {
            num = -1;
            break;
        }
        num = num * 10 + i64::from(b - b'0');
    }
    if name.starts_with('0') && name.len() > 1 {
        num = -1;
    }
    Some((name, num, rest))
}

/// Go's `regexp/syntax` error codes.
#[derive(Clone, Copy)]
enum ReErr {
    InvalidCharRange,
    InvalidEscape,
    InvalidNamedCapture,
    InvalidPerlOp,
    InvalidRepeatOp,
    InvalidRepeatSize,
    MissingBracket,
    MissingParen,
    MissingRepeatArgument,
    TrailingBackslash,
    UnexpectedParen,
    NestingDepth,
    Large,
    Internal,
}

impl ReErr {
    fn text(self) -> &'static str {
        match self {
            ReErr::InvalidCharRange => "invalid character class range",
            ReErr::InvalidEscape => "invalid escape sequence",
            ReErr::InvalidNamedCapture => "invalid named capture",
            ReErr::InvalidPerlOp => "invalid or unsupported Perl syntax",
            ReErr::InvalidRepeatOp => "invalid nested repetition operator",
            ReErr::InvalidRepeatSize => "invalid repeat count",
            ReErr::MissingBracket => "missing closing ]",
            ReErr::MissingParen => "missing closing )",
            ReErr::MissingRepeatArgument => "missing argument to repetition operator",
            ReErr::TrailingBackslash => "trailing backslash at end of expression",
            ReErr::UnexpectedParen => "unexpected )",
            ReErr::NestingDepth => "expression nests too deeply",
            ReErr::Large => "expression too large",
            ReErr::Internal => "regexp/syntax: internal error",
        }
    }
}

/// Go's `syntax.Error` text.
fn re_error(code: ReErr, expr: &str) -> String {
    format!("error parsing regexp: {}: `{expr}`", code.text())
}

/// Go's parse flags that change meaning (Perl mode: `OneLine` set, the others clear).
#[derive(Clone, Copy)]
struct ReFlags {
    fold_case: bool,
    one_line: bool,
    dot_nl: bool,
    non_greedy: bool,
}

/// Go's nested-repetition budget: a counted repetition and the ones inside it.
struct RepeatNode {
    count: i64,
    inner: Vec<RepeatNode>,
}

/// A translated piece that an operator can apply to.
struct Atom {
    rust: String,
    repeats: Vec<RepeatNode>,
    /// The height of Go's parse tree for it (Go refuses trees higher than 1000).
    height: usize,
    /// Whether it is a single literal character (Go merges runs of them into one node).
    literal: bool,
}

impl Atom {
    fn plain(rust: impl Into<String>) -> Self {
        Atom {
            rust: rust.into(),
            repeats: Vec::new(),
            height: 1,
            literal: false,
        }
    }
}

/// An open group: its alternatives so far.
struct Frame {
    alternatives: Vec<Vec<Atom>>,
    capture: bool,
    saved: ReFlags,
}

struct ReParser<'a> {
    whole: &'a str,
    flags: ReFlags,
    frames: Vec<Frame>,
    names: Vec<String>,
}

/// The highest parse tree Go accepts.
const MAX_HEIGHT: usize = 1000;

/// The deepest group nesting handed to the `regex` crate (Go itself has no such limit for
/// non-capturing groups, which add no height).
const MAX_NESTING: usize = 4000;

/// The height of Go's tree for a sequence of alternatives.
fn alternatives_height(alternatives: &[Vec<Atom>]) -> usize {
    let concat = |atoms: &Vec<Atom>| match atoms.len() {
        0 => 1,
        1 => atoms[0].height,
        _ if atoms.iter().all(|a| a.literal) => 1,
        _ => 1 + atoms.iter().map(|a| a.height).max().unwrap_or(0),
    };
    match alternatives.len() {
        1 => concat(&alternatives[0]),
        _ => 1 + alternatives.iter().map(concat).max().unwrap_or(0),
    }
}

/// Parses `expr` with Go's grammar and builds the equivalent `regex` crate pattern.
fn translate(expr: &str) -> Result<GoRegexp, String> {
    let initial = ReFlags {
        fold_case: false,
        one_line: true,
        dot_nl: false,
        non_greedy: false,
    };
    let mut p = ReParser {
        whole: expr,
        flags: initial,
        frames: vec![Frame {
            alternatives: vec![Vec::new()],
            capture: false,
            saved: initial,
        }],
        names: vec![String::new()],
    };
    p.parse()?;
    if p.frames.len() != 1 {
        return Err(re_error(ReErr::MissingParen, expr));
    }
    if p.frames
        .iter()
        .any(|f| alternatives_height(&f.alternatives) > MAX_HEIGHT)
    {
        return Err(re_error(ReErr::NestingDepth, expr));
    }
    let mut root_frame = p.frames.pop().expect("the root frame is never popped");
    let repeats: Vec<RepeatNode> = root_frame
        .alternatives
        .iter_mut()
        .flat_map(|alt| alt.iter_mut().flat_map(|a| std::mem::take(&mut a.repeats)))
        .collect();
    let expansion = repeat_expansion(&repeats);
    let root = join_alternatives(root_frame.alternatives);
    let build = || {
        regex::RegexBuilder::new(&root)
            .nest_limit(2 * MAX_NESTING as u32 + 64)
            .size_limit(256 << 20)
            .build()
    };
    // the regex crate's compiler recurses once per nesting level; deep patterns get a thread
    // with a stack big enough for Go's deepest (1000 levels) instead of overflowing ours
    let depth = nesting_depth(&root);
    if depth > MAX_NESTING {
        return Err(re_error(ReErr::NestingDepth, expr));
    }
    let re = if depth > 32 {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(scope, build)
                .map_err(|_| re_error(ReErr::NestingDepth, expr))?
                .join()
                .map_err(|_| re_error(ReErr::NestingDepth, expr))
        })?
    } else {
        build()
    }
    .map_err(|err| match err {
        regex::Error::CompiledTooBig(_) => re_error(ReErr::Large, expr),
        _ => re_error(ReErr::Internal, expr),
    })?;
    Ok(GoRegexp {
        re,
        names: p.names,
        nonempty: !expr.is_empty(),
        small: root.len() < 4096 && expansion <= 64,
    })
}

/// The most copies nested counted repetitions make of anything.
fn repeat_expansion(nodes: &[RepeatNode]) -> i64 {
    nodes
        .iter()
        .map(|n| n.count.max(1).saturating_mul(repeat_expansion(&n.inner)))
        .max()
        .unwrap_or(1)
}

/// The deepest group nesting of a translated pattern (literal parentheses are always escaped
/// there, so every parenthesis is structure).
fn nesting_depth(pattern: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in pattern.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn join_alternatives(alternatives: Vec<Vec<Atom>>) -> String {
    alternatives
        .into_iter()
        .map(|atoms| atoms.into_iter().map(|a| a.rust).collect::<String>())
        .collect::<Vec<_>>()
        .join("|")
}

/// A literal character in `regex` crate syntax.
fn rust_char(c: u32) -> String {
    match char::from_u32(c) {
        Some(ch) if ch.is_ascii_alphanumeric() => ch.to_string(),
        Some(_) => format!("\\x{{{c:X}}}"),
        // a surrogate code point: Go accepts it and it matches nothing in valid text
        None => NOTHING.to_owned(),
    }
}

const NOTHING: &str = r"[^\x00-\x{10FFFF}]";
const EVERYTHING: &str = r"[\x00-\x{10FFFF}]";

/// A class range in `regex` crate syntax (surrogate ends clipped away).
fn rust_range(lo: u32, hi: u32) -> String {
    let lo = if (0xD800..=0xDFFF).contains(&lo) {
        0xE000
    } else {
        lo
    };
    let hi = if (0xD800..=0xDFFF).contains(&hi) {
        0xD7FF
    } else {
        hi
    };
    if lo > hi {
        NOTHING.to_owned()
    } else if lo == hi {
        format!("\\x{{{lo:X}}}")
    } else {
        format!("\\x{{{lo:X}}}-\\x{{{hi:X}}}")
    }
}

/// Go's Perl classes (ASCII only), positive and negated, usable inside or outside brackets.
fn perl_class(c: u8) -> Option<String> {
    let (set, negated) = match c {
        b'd' => ("0-9", false),
        b'D' => ("0-9", true),
        b's' => (r"\t\n\x0C\r ", false),
        b'S' => (r"\t\n\x0C\r ", true),
        b'w' => ("0-9A-Za-z_", false),
        b'W' => ("0-9A-Za-z_", true),
        _ => return None,
    };
    Some(format!("[{}{set}]", if negated { "^" } else { "" }))
}

/// Go's POSIX classes (`[:alpha:]`, `[:^alpha:]`).
fn posix_class(name: &str) -> Option<String> {
    let (negated, base) = match name.strip_prefix("[:^") {
        Some(rest) => (true, rest),
        None => (false, name.strip_prefix("[:")?),
    };
    let set = match base.strip_suffix(":]")? {
        "alnum" => "0-9A-Za-z",
        "alpha" => "A-Za-z",
        "ascii" => r"\x00-\x7F",
        "blank" => r"\t ",
        "cntrl" => r"\x00-\x1F\x7F",
        "digit" => "0-9",
        "graph" => r"!-\x7E",
        "lower" => "a-z",
        "print" => r" -\x7E",
        "punct" => r"!-/:-@\x5B-`\x7B-\x7E",
        "space" => r"\t\n\x0B\x0C\r ",
        "upper" => "A-Z",
        "word" => "0-9A-Za-z_",
        "xdigit" => "0-9A-Fa-f",
        _ => return None,
    };
    Some(format!("[{}{set}]", if negated { "^" } else { "" }))
}

/// Go's `canonicalName`: first letter upper, the rest lower, without `_`, `-` and spaces.
fn canonical_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if matches!(b, b'_' | b'-' | b' ') {
            continue;
        }
        if out.is_empty() {
            out.push(char::from(b.to_ascii_uppercase()));
        } else {
            out.push(char::from(b.to_ascii_lowercase()));
        }
    }
    out
}

/// Go's general categories, by canonical name.
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
];

/// Go's `unicode.CategoryAliases`, by canonical name.
const CATEGORY_ALIASES: &[(&str, &str)] = &[
    ("Casedletter", "LC"),
    ("Closepunctuation", "Pe"),
    ("Cntrl", "Cc"),
    ("Combiningmark", "M"),
    ("Connectorpunctuation", "Pc"),
    ("Control", "Cc"),
    ("Currencysymbol", "Sc"),
    ("Dashpunctuation", "Pd"),
    ("Decimalnumber", "Nd"),
    ("Digit", "Nd"),
    ("Enclosingmark", "Me"),
    ("Finalpunctuation", "Pf"),
    ("Format", "Cf"),
    ("Initialpunctuation", "Pi"),
    ("Letter", "L"),
    ("Letternumber", "Nl"),
    ("Lineseparator", "Zl"),
    ("Lowercaseletter", "Ll"),
    ("Mark", "M"),
    ("Mathsymbol", "Sm"),
    ("Modifierletter", "Lm"),
    ("Modifiersymbol", "Sk"),
    ("Nonspacingmark", "Mn"),
    ("Number", "N"),
    ("Openpunctuation", "Ps"),
    ("Other", "C"),
    ("Otherletter", "Lo"),
    ("Othernumber", "No"),
    ("Otherpunctuation", "Po"),
    ("Othersymbol", "So"),
    ("Paragraphseparator", "Zp"),
    ("Privateuse", "Co"),
    ("Punct", "P"),
    ("Punctuation", "P"),
    ("Separator", "Z"),
    ("Spaceseparator", "Zs"),
    ("Spacingmark", "Mc"),
    ("Surrogate", "Cs"),
    ("Symbol", "S"),
    ("Titlecaseletter", "Lt"),
    ("Unassigned", "Cn"),
    ("Uppercaseletter", "Lu"),
];

/// Go's scripts whose table name is one capitalised word: Go 1.25 looks scripts up by canonical
/// name, so only these can be named (`\p{Old_Italic}` is an error in Helm).
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Carian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dogra",
    "Duployan",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Inherited",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kharoshthi",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Medefaidrin",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nandinagari",
    "Newa",
    "Nko",
    "Nushu",
    "Ogham",
    "Oriya",
    "Osage",
    "Osmanya",
    "Palmyrene",
    "Phoenician",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "Sinhala",
    "Sogdian",
    "Soyombo",
    "Sundanese",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Yezidi",
    "Yi",
];

/// A parsed Unicode class: its positive and negated `regex` crate forms and the rest of the
/// pattern.
type UnicodeClass<'a> = (String, String, &'a str);

/// Go's `unicodeTable`: a Unicode class name as `(positive, negated)` `regex` crate classes.
fn unicode_class(name: &str) -> Option<(String, String)> {
    let name = canonical_name(name);
    let pair = |pos: &str, neg: &str| Some((pos.to_owned(), neg.to_owned()));
    // a class as of Go's Unicode version, and its complement
    let as_of_go = |class: &str| {
        Some((
            format!("[{class}&&{GO_ASSIGNED}]"),
            format!("[^[{class}&&{GO_ASSIGNED}]]"),
        ))
    };
    match name.as_str() {
        "Any" => return pair(EVERYTHING, NOTHING),
        "Assigned" => return pair(GO_ASSIGNED, r"\P{age=15.0}"),
        "Ascii" => return pair(r"[\x00-\x7F]", r"[^\x00-\x7F]"),
        "Lc" => return as_of_go(r"\p{LC}"),
        _ => {}
    }
    let category = if CATEGORIES.contains(&name.as_str()) {
        Some(name.clone())
    } else {
        CATEGORY_ALIASES
            .iter()
            .find(|(alias, _)| *alias == name)
            .map(|(_, cat)| (*cat).to_owned())
    };
    if let Some(category) = category {
        return match category.as_str() {
            // Go's "other" holds no unassigned code points, Unicode's does
            "C" => as_of_go(r"\p{Cc}\p{Cf}\p{Co}"),
            "Cn" => pair(r"\P{age=15.0}", GO_ASSIGNED),
            // surrogates never occur in valid text
            "Cs" => pair(NOTHING, EVERYTHING),
            cat => as_of_go(&format!("\\p{{{cat}}}")),
        };
    }
    if SCRIPTS.contains(&name.as_str()) {
        return as_of_go(&format!("\\p{{sc={name}}}"));
    }
    None
}

impl<'a> ReParser<'a> {
    fn alternative(&mut self) -> &mut Vec<Atom> {
        let frame = self
            .frames
            .last_mut()
            .expect("the root frame is never popped");
        frame
            .alternatives
            .last_mut()
            .expect("a frame has an alternative")
    }

    fn push(&mut self, atom: Atom) {
        self.alternative().push(atom);
    }

    /// Wraps a class or literal in the case folding in force.
    fn folded(&self, rust: String) -> Atom {
        if self.flags.fold_case {
            Atom::plain(format!("(?i:{rust})"))
        } else {
            Atom::plain(rust)
        }
    }

    fn literal(&mut self, c: u32) {
        let mut atom = self.folded(rust_char(c));
        atom.literal = true;
        self.push(atom);
    }

    fn open_group(&mut self, capture: bool) -> Result<(), String> {
        if self.frames.len() > MAX_NESTING {
            return Err(re_error(ReErr::NestingDepth, self.whole));
        }
        self.frames.push(Frame {
            alternatives: vec![Vec::new()],
            capture,
            saved: self.flags,
        });
        Ok(())
    }

    fn close_group(&mut self) -> Result<(), String> {
        if self.frames.len() == 1 {
            return Err(re_error(ReErr::UnexpectedParen, self.whole));
        }
        let mut frame = self.frames.pop().expect("checked above");
        self.flags = frame.saved;
        let repeats = frame
            .alternatives
            .iter_mut()
            .flat_map(|alt| alt.iter_mut().flat_map(|a| std::mem::take(&mut a.repeats)))
            .collect();
        let height = alternatives_height(&frame.alternatives) + usize::from(frame.capture);
        if height > MAX_HEIGHT {
            return Err(re_error(ReErr::NestingDepth, self.whole));
        }
        let body = join_alternatives(frame.alternatives);
        let rust = if frame.capture {
            format!("({body})")
        } else {
            format!("(?:{body})")
        };
        self.push(Atom {
            rust,
            repeats,
            height,
            literal: false,
        });
        Ok(())
    }

    /// Go's `parse` loop.
    fn parse(&mut self) -> Result<(), String> {
        let mut t: &'a str = self.whole;
        let mut last_repeat: &'a str = "";
        while !t.is_empty() {
            let mut repeat: &'a str = "";
            let bytes = t.as_bytes();
            match bytes[0] {
                b'(' => {
                    if bytes.len() >= 2 && bytes[1] == b'?' {
                        t = self.parse_perl_flags(t)?;
                    } else {
                        self.names.push(String::new());
                        self.open_group(true)?;
                        t = &t[1..];
                    }
                }
                b'|' => {
                    if let Some(frame) = self.frames.last_mut() {
                        frame.alternatives.push(Vec::new());
                    }
                    t = &t[1..];
                }
                b')' => {
                    self.close_group()?;
                    t = &t[1..];
                }
                b'^' => {
                    let rust = if self.flags.one_line { r"\A" } else { "(?m:^)" };
                    self.push(Atom::plain(rust));
                    t = &t[1..];
                }
                b'$' => {
                    let rust = if self.flags.one_line { r"\z" } else { "(?m:$)" };
                    self.push(Atom::plain(rust));
                    t = &t[1..];
                }
                b'.' => {
                    let rust = if self.flags.dot_nl {
                        "(?s:.)"
                    } else {
                        "(?-s:.)"
                    };
                    self.push(Atom::plain(rust));
                    t = &t[1..];
                }
                b'[' => t = self.parse_class(t)?,
                b'*' | b'+' | b'?' => {
                    let (min, max) = match bytes[0] {
                        b'*' => (0, -1),
                        b'+' => (1, -1),
                        _ => (0, 1),
                    };
                    let before = t;
                    t = self.repeat(false, min, max, before, &t[1..], last_repeat)?;
                    repeat = before;
                }
                b'{' => {
                    let before = t;
                    match parse_repeat(t) {
                        None => {
                            // not a repetition: a literal brace
                            self.literal(u32::from(b'{'));
                            t = &t[1..];
                        }
                        Some((min, max, after)) => {
                            if !(0..=1000).contains(&min) || max > 1000 || max >= 0 && min > max {
                                return Err(re_error(
                                    ReErr::InvalidRepeatSize,
                                    &before[..before.len() - after.len()],
                                ));
                            }
                            t = self.repeat(true, min, max, before, after, last_repeat)?;
                            repeat = before;
                        }
                    }
                }
                b'\\' => t = self.parse_backslash(t)?,
                _ => {
                    let c = t.chars().next().expect("t is not empty");
                    self.literal(c as u32);
                    t = &t[c.len_utf8()..];
                }
            }
            last_repeat = repeat;
        }
        Ok(())
    }

    /// A backslash outside a class: assertions, `\Q...\E`, classes, or an escaped literal.
    fn parse_backslash(&mut self, t: &'a str) -> Result<&'a str, String> {
        let bytes = t.as_bytes();
        if bytes.len() >= 2 {
            let assertion = match bytes[1] {
                b'A' => Some(r"\A"),
                b'b' => Some(r"(?-u:\b)"),
                b'B' => Some(r"(?-u:\B)"),
                b'z' => Some(r"\z"),
                _ => None,
            };
            if let Some(rust) = assertion {
                self.push(Atom::plain(rust));
                return Ok(&t[2..]);
            }
            if bytes[1] == b'C' {
                return Err(re_error(ReErr::InvalidEscape, &t[..2]));
            }
            if bytes[1] == b'Q' {
                let body = &t[2..];
                let (literal, rest) = match body.find(r"\E") {
                    Some(end) => (&body[..end], &body[end + 2..]),
                    None => (body, ""),
                };
                for c in literal.chars() {
                    self.literal(c as u32);
                }
                return Ok(rest);
            }
        }
        if let Some((pos, _, rest)) = self.parse_unicode_class(t)? {
            let atom = self.folded(pos);
            self.push(atom);
            return Ok(rest);
        }
        if let Some(class) = bytes.get(1).and_then(|c| perl_class(*c)) {
            let atom = self.folded(class);
            self.push(atom);
            return Ok(&t[2..]);
        }
        let (c, rest) = parse_escape(t)?;
        self.literal(c);
        Ok(rest)
    }

    /// Go's `repeat`: applies `*`, `+`, `?` or `{min,max}` to the last atom.
    fn repeat(
        &mut self,
        counted: bool,
        min: i64,
        max: i64,
        before: &'a str,
        after: &'a str,
        last_repeat: &'a str,
    ) -> Result<&'a str, String> {
        let mut after = after;
        let mut non_greedy = self.flags.non_greedy;
        if let Some(rest) = after.strip_prefix('?') {
            after = rest;
            non_greedy = !non_greedy;
        }
        if !last_repeat.is_empty() {
            return Err(re_error(
                ReErr::InvalidRepeatOp,
                &last_repeat[..last_repeat.len() - after.len()],
            ));
        }
        let op_text = &before[..before.len() - after.len()];
        let Some(sub) = self.alternative().pop() else {
            return Err(re_error(ReErr::MissingRepeatArgument, op_text));
        };
        let op = if counted {
            match max {
                -1 => format!("{{{min},}}"),
                m if m == min => format!("{{{min}}}"),
                m => format!("{{{min},{m}}}"),
            }
        } else {
            match (min, max) {
                (0, -1) => "*".to_owned(),
                (1, -1) => "+".to_owned(),
                _ => "?".to_owned(),
            }
        };
        let lazy = if non_greedy { "?" } else { "" };
        let rust = format!("(?:{}){op}{lazy}", sub.rust);
        let repeats = if counted {
            vec![RepeatNode {
                count: if max == -1 { min } else { max },
                inner: sub.repeats,
            }]
        } else {
            sub.repeats
        };
        let height = sub.height + 1;
        if height > MAX_HEIGHT {
            return Err(re_error(ReErr::NestingDepth, self.whole));
        }
        if counted && (min >= 2 || max >= 2) && !repeats_valid(&repeats, 1000) {
            return Err(re_error(ReErr::InvalidRepeatSize, op_text));
        }
        self.push(Atom {
            rust,
            repeats,
            height,
            literal: false,
        });
        Ok(after)
    }

    /// Go's `parsePerlFlags`: named groups, flag groups `(?i)`, `(?i:...)`.
    fn parse_perl_flags(&mut self, s: &'a str) -> Result<&'a str, String> {
        let b = s.as_bytes();
        let starts_with_p = b.len() > 4 && b[2] == b'P' && b[3] == b'<';
        let starts_with_name = b.len() > 3 && b[2] == b'<';
        if starts_with_p || starts_with_name {
            let name_start = if starts_with_name { 3 } else { 4 };
            let Some(end) = s.find('>') else {
                return Err(re_error(ReErr::InvalidNamedCapture, s));
            };
            let capture = &s[..end + 1];
            let name = s.get(name_start..end).unwrap_or("");
            if name.is_empty() || !name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric()) {
                return Err(re_error(ReErr::InvalidNamedCapture, capture));
            }
            self.names.push(name.to_owned());
            self.open_group(true)?;
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut flags = self.flags;
        let mut negated = false;
        let mut saw_flag = false;
        while let Some(c) = t.chars().next() {
            t = &t[c.len_utf8()..];
            match c {
                'i' => {
                    flags.fold_case = !negated;
                    saw_flag = true;
                }
                'm' => {
                    flags.one_line = negated;
                    saw_flag = true;
                }
                's' => {
                    flags.dot_nl = !negated;
                    saw_flag = true;
                }
                'U' => {
                    flags.non_greedy = !negated;
                    saw_flag = true;
                }
                '-' => {
                    if negated {
                        break;
                    }
                    negated = true;
                    saw_flag = false;
                }
                ':' | ')' => {
                    if negated && !saw_flag {
                        break;
                    }
                    if c == ':' {
                        // the group restores the flags in force before it
                        self.open_group(false)?;
                    }
                    self.flags = flags;
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(re_error(ReErr::InvalidPerlOp, &s[..s.len() - t.len()]))
    }

    /// Go's `parseUnicodeClass`: `\pL`, `\p{Greek}`, `\P{^Lu}`; `None` when `t` is no such
    /// class, else the positive and negated forms of the class as written and the rest.
    fn parse_unicode_class(&self, t: &'a str) -> Result<Option<UnicodeClass<'a>>, String> {
        let b = t.as_bytes();
        if b.len() < 2 || b[0] != b'\\' || b[1] != b'p' && b[1] != b'P' {
            return Ok(None);
        }
        let mut positive = b[1] == b'p';
        let after = &t[2..];
        let (seq, mut name, rest) = match after.chars().next() {
            Some('{') => {
                let Some(end) = t.find('}') else {
                    return Err(re_error(ReErr::InvalidCharRange, t));
                };
                (&t[..end + 1], &t[3..end], &t[end + 1..])
            }
            Some(c) => {
                let len = 2 + c.len_utf8();
                (&t[..len], &t[2..len], &t[len..])
            }
            None => (t, "", ""),
        };
        if let Some(stripped) = name.strip_prefix('^') {
            positive = !positive;
            name = stripped;
        }
        let Some((pos, neg)) = unicode_class(name) else {
            return Err(re_error(ReErr::InvalidCharRange, seq));
        };
        Ok(Some(if positive {
            (pos, neg, rest)
        } else {
            (neg, pos, rest)
        }))
    }

    /// Go's `parseClass`: a bracketed class.
    fn parse_class(&mut self, s: &'a str) -> Result<&'a str, String> {
        let mut t = &s[1..];
        let negated = t.starts_with('^');
        if negated {
            t = &t[1..];
        }
        let mut items = String::new();
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2
                && t.starts_with("[:")
                && let Some(end) = t[2..].find(":]")
            {
                let name = &t[..end + 4];
                let Some(class) = posix_class(name) else {
                    return Err(re_error(ReErr::InvalidCharRange, name));
                };
                items.push_str(&class);
                t = &t[end + 4..];
                continue;
            }
            if let Some((pos, _, rest)) = self.parse_unicode_class(t)? {
                items.push_str(&pos);
                t = rest;
                continue;
            }
            let b = t.as_bytes();
            if b.len() >= 2
                && b[0] == b'\\'
                && let Some(class) = perl_class(b[1])
            {
                items.push_str(&class);
                t = &t[2..];
                continue;
            }
            let range = t;
            let (lo, rest) = parse_class_char(t, s)?;
            t = rest;
            let mut hi = lo;
            if t.len() >= 2 && t.starts_with('-') && t.as_bytes()[1] != b']' {
                let (h, rest) = parse_class_char(&t[1..], s)?;
                t = rest;
                hi = h;
                if hi < lo {
                    return Err(re_error(
                        ReErr::InvalidCharRange,
                        &range[..range.len() - t.len()],
                    ));
                }
            }
            items.push_str(&rust_range(lo, hi));
        }
        let class = format!("[{}{items}]", if negated { "^" } else { "" });
        let atom = self.folded(class);
        self.push(atom);
        Ok(&t[1..])
    }
}

/// Go's `repeatIsValid`: nested counted repetitions may not multiply beyond `n` copies.
fn repeats_valid(nodes: &[RepeatNode], n: i64) -> bool {
    nodes.iter().all(|node| {
        if node.count == 0 {
            return true;
        }
        if node.count > n {
            return false;
        }
        repeats_valid(&node.inner, n / node.count)
    })
}

/// Go's `parseRepeat`: `{min}`, `{min,}` (max -1) or `{min,max}`; min -1 when a number is too
/// big; `None` when the text is no repetition.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (mut min, mut s) = parse_int(s)?;
    let max;
    if let Some(rest) = s.strip_prefix(',') {
        s = rest;
        if s.is_empty() {
            return None;
        }
        if s.starts_with('}') {
            max = -1;
        } else {
            let (m, rest) = parse_int(s)?;
            s = rest;
            max = m;
            if max < 0 {
                min = -1;
            }
        }
    } else {
        if s.is_empty() {
            return None;
        }
        max = min;
    }
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

/// Go's `parseInt`: decimal digits without a leading zero; -1 when too big.
fn parse_int(s: &str) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return None;
    }
    if b.len() >= 2 && b[0] == b'0' && b[1].is_ascii_digit() {
        return None;
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n: i64 = 0;
    for d in &b[..digits] {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some((n, &s[digits..]))
}

/// Go's `parseClassChar`: one character of a class, escapes allowed.
fn parse_class_char<'a>(t: &'a str, whole_class: &str) -> Result<(u32, &'a str), String> {
    if t.is_empty() {
        return Err(re_error(ReErr::MissingBracket, whole_class));
    }
    if t.starts_with('\\') {
        return parse_escape(t);
    }
    let c = t.chars().next().expect("t is not empty");
    Ok((c as u32, &t[c.len_utf8()..]))
}

/// Go's `parseEscape`: an escaped character (octal, hex, C escapes, escaped punctuation).
fn parse_escape(s: &str) -> Result<(u32, &str), String> {
    let mut t = &s[1..];
    let Some(c) = t.chars().next() else {
        return Err(re_error(ReErr::TrailingBackslash, ""));
    };
    t = &t[c.len_utf8()..];
    let octal = |t: &str| {
        t.as_bytes()
            .first()
            .is_some_and(|b| (b'0'..=b'7').contains(b))
    };
    let invalid = |t: &str| Err(re_error(ReErr::InvalidEscape, &s[..s.len() - t.len()]));
    match c {
        '1'..='7' | '0' if c == '0' || octal(t) => {
            let mut r = c as u32 - u32::from(b'0');
            for _ in 1..3 {
                if !octal(t) {
                    break;
                }
                r = r * 8 + u32::from(t.as_bytes()[0] - b'0');
                t = &t[1..];
            }
            Ok((r, t))
        }
        'x' => {
            let Some(c) = t.chars().next() else {
                return invalid(t);
            };
            t = &t[c.len_utf8()..];
            if c == '{' {
                let mut digits = 0;
                let mut r: u32 = 0;
                loop {
                    let Some(c) = t.chars().next() else {
                        return invalid(t);
                    };
                    t = &t[c.len_utf8()..];
                    if c == '}' {
                        break;
                    }
                    let Some(v) = c.to_digit(16) else {
                        return invalid(t);
                    };
                    r = r * 16 + v;
                    if r > 0x10FFFF {
                        return invalid(t);
                    }
                    digits += 1;
                }
                if digits == 0 {
                    return invalid(t);
                }
                return Ok((r, t));
            }
            let x = c.to_digit(16);
            let y = t.chars().next();
            if let Some(y) = y {
                t = &t[y.len_utf8()..];
            }
            match (x, y.and_then(|y| y.to_digit(16))) {
                (Some(x), Some(y)) => Ok((x * 16 + y, t)),
                _ => invalid(t),
            }
        }
        'a' => Ok((0x07, t)),
        'f' => Ok((0x0C, t)),
        'n' => Ok((0x0A, t)),
        'r' => Ok((0x0D, t)),
        't' => Ok((0x09, t)),
        'v' => Ok((0x0B, t)),
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok((c as u32, t)),
        _ => invalid(t),
    }
}

// ---------------------------------------------------------------------------------------------
// URLs as Go's net/url parses and prints them

/// Go's `url.URL`, its fields as bytes (unescaping may produce any byte).
#[derive(Default, Clone, Debug)]
struct GoUrl {
    scheme: Vec<u8>,
    opaque: Vec<u8>,
    user: Option<GoUser>,
    host: Vec<u8>,
    path: Vec<u8>,
    raw_path: Vec<u8>,
    omit_host: bool,
    force_query: bool,
    raw_query: Vec<u8>,
    fragment: Vec<u8>,
    raw_fragment: Vec<u8>,
}

#[derive(Clone, Debug)]
struct GoUser {
    username: Vec<u8>,
    password: Option<Vec<u8>>,
}

/// The parts of a URL `url.escape` and `url.unescape` distinguish.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UrlPart {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: UrlPart) -> bool {
    use UrlPart::*;
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if (mode == Host || mode == Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Path => return c == b'?',
            UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            QueryComponent => return true,
            Fragment => return false,
            Host | Zone => {}
        },
        _ => {}
    }
    if mode == Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Go's `url.unescape`.
fn url_unescape(s: &[u8], mode: UrlPart) -> Result<Vec<u8>, String> {
    let escape_error = |bad: &[u8]| format!("invalid URL escape {}", go_quote_bytes(bad));
    let mut n = 0;
    let mut has_plus = false;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                n += 1;
                if i + 2 >= s.len()
                    || !s[i + 1].is_ascii_hexdigit()
                    || !s[i + 2].is_ascii_hexdigit()
                {
                    return Err(escape_error(&s[i..s.len().min(i + 3)]));
                }
                let triple = &s[i..i + 3];
                if mode == UrlPart::Host && unhex(s[i + 1]) < 8 && triple != b"%25" {
                    return Err(escape_error(triple));
                }
                if mode == UrlPart::Zone {
                    let v = unhex(s[i + 1]) << 4 | unhex(s[i + 2]);
                    if triple != b"%25" && v != b' ' && should_escape(v, UrlPart::Host) {
                        return Err(escape_error(triple));
                    }
                }
                i += 3;
            }
            b'+' => {
                has_plus = mode == UrlPart::QueryComponent;
                i += 1;
            }
            c => {
                if (mode == UrlPart::Host || mode == UrlPart::Zone)
                    && c < 0x80
                    && should_escape(c, mode)
                {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote_bytes(&s[i..i + 1])
                    ));
                }
                i += 1;
            }
        }
    }
    if n == 0 && !has_plus {
        return Ok(s.to_vec());
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                out.push(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                i += 2;
            }
            b'+' if mode == UrlPart::QueryComponent => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// Go's `url.escape`.
fn url_escape(s: &[u8], mode: UrlPart) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if c == b' ' && mode == UrlPart::QueryComponent {
            out.push(b'+');
        } else if should_escape(c, mode) {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `validEncoded`.
fn valid_encoded(s: &[u8], mode: UrlPart) -> bool {
    s.iter().all(|&c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, mode)
    })
}

/// Go's `validOptionalPort`: empty or `:` and digits.
fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// Go's `url.Parse`; the error is Go's `*url.Error` text.
fn url_parse(raw: &str) -> Result<GoUrl, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = url_parse_inner(u).map_err(|e| format!("parse {}: {e}", go_quote(u)))?;
    if frag.is_empty() {
        return Ok(url);
    }
    url.set_fragment(frag.as_bytes())
        .map_err(|e| format!("parse {}: {e}", go_quote(raw)))?;
    Ok(url)
}

/// Go's `url.parse` (not via request).
fn url_parse_inner(raw: &str) -> Result<GoUrl, String> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7F) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = GoUrl::default();
    if raw == "*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase().into_bytes();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((before, query)) = rest.split_once('?') {
        url.raw_query = query.as_bytes().to_vec();
        rest = before;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.as_bytes().to_vec();
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority_and_path = &rest[2..];
        let (authority, path) = match authority_and_path.find('/') {
            Some(at) => authority_and_path.split_at(at),
            None => (authority_and_path, ""),
        };
        let (user, host) = parse_authority(&url.scheme, authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.set_path(rest.as_bytes())?;
    Ok(url)
}

/// Go's `getScheme`.
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (n, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if n == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if n == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..n], &raw[n + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// Go's `parseAuthority`.
fn parse_authority(scheme: &[u8], authority: &str) -> Result<(Option<GoUser>, Vec<u8>), String> {
    let at = authority.rfind('@');
    let host = parse_host(
        scheme,
        match at {
            Some(at) => &authority[at + 1..],
            None => authority,
        },
    )?;
    let Some(at) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..at];
    let valid = userinfo.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    });
    if !valid {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match userinfo.split_once(':') {
        None => GoUser {
            username: url_unescape(userinfo.as_bytes(), UrlPart::UserPassword)?,
            password: None,
        },
        Some((name, password)) => GoUser {
            username: url_unescape(name.as_bytes(), UrlPart::UserPassword)?,
            password: Some(url_unescape(password.as_bytes(), UrlPart::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

/// Go's `parseHost` (Go 1.25: a bracketed host must be an IPv6 address).
fn parse_host(scheme: &[u8], host: &str) -> Result<Vec<u8>, String> {
    match host.rfind('[') {
        Some(open) if open > 0 => return Err("invalid IP-literal".into()),
        Some(_) => {
            let Some(close) = host.rfind(']') else {
                return Err("missing ']' in host".into());
            };
            let colon_port = &host[close + 1..];
            if !valid_optional_port(colon_port.as_bytes()) {
                return Err(format!("invalid port {} after host", go_quote(colon_port)));
            }
            let port = url_unescape(colon_port.as_bytes(), UrlPart::Host)?;
            let hostname = host.get(1..close).unwrap_or("");
            let unescaped = match hostname.find("%25") {
                Some(zone) => {
                    let mut h = url_unescape(&hostname.as_bytes()[..zone], UrlPart::Host)?;
                    h.extend(url_unescape(&hostname.as_bytes()[zone..], UrlPart::Zone)?);
                    h
                }
                None => url_unescape(hostname.as_bytes(), UrlPart::Host)?,
            };
            match parse_addr(&unescaped) {
                Err(err) => return Err(format!("invalid host: {err}")),
                Ok(true) => return Err("invalid IP-literal".into()),
                Ok(false) => {}
            }
            return Ok([&b"["[..], &unescaped, b"]", &port].concat());
        }
        None => {
            if let Some(first) = host.find(':') {
                // only http and https hosts may not hold colons before the port (Go keeps
                // other schemes' comma-separated host lists working)
                let colon = if scheme == b"http" || scheme == b"https" {
                    first
                } else {
                    host.rfind(':').unwrap_or(first)
                };
                let colon_port = &host[colon..];
                if !valid_optional_port(colon_port.as_bytes()) {
                    return Err(format!("invalid port {} after host", go_quote(colon_port)));
                }
            }
        }
    }
    url_unescape(host.as_bytes(), UrlPart::Host)
}

/// `netip.ParseAddr`: whether the address is IPv4, or the error text.
fn parse_addr(s: &[u8]) -> Result<bool, String> {
    for &c in s {
        match c {
            b'.' => return parse_ipv4_fields(s, s, &mut [0; 4]).map(|_| true),
            b':' => return parse_ipv6(s).map(|_| false),
            b'%' => return Err(addr_error(s, "missing IPv6 address", b"")),
            _ => {}
        }
    }
    Err(addr_error(s, "unable to parse IP", b""))
}

fn addr_error(input: &[u8], msg: &str, at: &[u8]) -> String {
    if at.is_empty() {
        format!("ParseAddr({}): {msg}", go_quote_bytes(input))
    } else {
        format!(
            "ParseAddr({}): {msg} (at {})",
            go_quote_bytes(input),
            go_quote_bytes(at)
        )
    }
}

/// `netip.parseIPv4Fields` over `s` (a part of the whole input `input`).
fn parse_ipv4_fields(input: &[u8], s: &[u8], fields: &mut [u8; 4]) -> Result<(), String> {
    let mut val: u32 = 0;
    let mut pos = 0;
    let mut digits = 0;
    for (n, &c) in s.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                if digits == 1 && val == 0 {
                    return Err(addr_error(
                        input,
                        "IPv4 field has octet with leading zero",
                        b"",
                    ));
                }
                val = val * 10 + u32::from(c - b'0');
                digits += 1;
                if val > 255 {
                    return Err(addr_error(input, "IPv4 field has value >255", b""));
                }
            }
            b'.' => {
                if n == 0 || n == s.len() - 1 || s[n - 1] == b'.' {
                    return Err(addr_error(
                        input,
                        "IPv4 field must have at least one digit",
                        &s[n..],
                    ));
                }
                if pos == 3 {
                    return Err(addr_error(input, "IPv4 address too long", b""));
                }
                fields[pos] = val as u8;
                pos += 1;
                val = 0;
                digits = 0;
            }
            _ => return Err(addr_error(input, "unexpected character", &s[n..])),
        }
    }
    if pos < 3 {
        return Err(addr_error(input, "IPv4 address too short", b""));
    }
    fields[3] = val as u8;
    Ok(())
}

/// `netip.parseIPv6`.
fn parse_ipv6(input: &[u8]) -> Result<(), String> {
    let mut s = input;
    let mut zone: &[u8] = b"";
    if let Some(at) = s.iter().position(|c| *c == b'%') {
        zone = &s[at + 1..];
        s = &s[..at];
        if zone.is_empty() {
            return Err(addr_error(input, "zone must be a non-empty string", b""));
        }
    }
    let mut ellipsis: Option<usize> = None;
    if s.len() >= 2 && s[0] == b':' && s[1] == b':' {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(());
        }
    }
    let mut i = 0;
    while i < 16 {
        let mut off = 0;
        let mut acc: u32 = 0;
        while off < s.len() {
            let Some(d) = char::from(s[off]).to_digit(16) else {
                break;
            };
            acc = (acc << 4) + d;
            if off > 3 {
                return Err(addr_error(
                    input,
                    "each group must have 4 or less digits",
                    s,
                ));
            }
            if acc > 0xFFFF {
                return Err(addr_error(input, "IPv6 field has value >=2^16", s));
            }
            off += 1;
        }
        if off == 0 {
            return Err(addr_error(
                input,
                "each colon-separated field must have at least one digit",
                s,
            ));
        }
        if off < s.len() && s[off] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return Err(addr_error(
                    input,
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                ));
            }
            if i + 4 > 16 {
                return Err(addr_error(
                    input,
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                ));
            }
            let end = input.len() - if zone.is_empty() { 0 } else { zone.len() + 1 };
            parse_ipv4_fields(input, &input[end - s.len()..end], &mut [0; 4])?;
            s = b"";
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' {
            return Err(addr_error(input, "unexpected character, want colon", s));
        } else if s.len() == 1 {
            return Err(addr_error(
                input,
                "colon must be followed by more characters",
                s,
            ));
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return Err(addr_error(input, "multiple :: in address", s));
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(addr_error(input, "trailing garbage after address", s));
    }
    if i < 16 {
        if ellipsis.is_none() {
            return Err(addr_error(input, "address string too short", b""));
        }
    } else if ellipsis.is_some() {
        return Err(addr_error(
            input,
            "the :: must expand to at least one field of zeros",
            b"",
        ));
    }
    Ok(())
}

impl GoUser {
    /// Go's `Userinfo.String`.
    fn encoded(&self) -> Vec<u8> {
        let mut out = url_escape(&self.username, UrlPart::UserPassword);
        if let Some(password) = &self.password {
            out.push(b':');
            out.extend(url_escape(password, UrlPart::UserPassword));
        }
        out
    }
}

impl GoUrl {
    fn set_path(&mut self, p: &[u8]) -> Result<(), String> {
        self.path = url_unescape(p, UrlPart::Path)?;
        self.raw_path = if url_escape(&self.path, UrlPart::Path) == p {
            Vec::new()
        } else {
            p.to_vec()
        };
        Ok(())
    }

    fn set_fragment(&mut self, f: &[u8]) -> Result<(), String> {
        self.fragment = url_unescape(f, UrlPart::Fragment)?;
        self.raw_fragment = if url_escape(&self.fragment, UrlPart::Fragment) == f {
            Vec::new()
        } else {
            f.to_vec()
        };
        Ok(())
    }

    fn escaped_path(&self) -> Vec<u8> {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, UrlPart::Path)
            && url_unescape(&self.raw_path, UrlPart::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == b"*" {
            return b"*".to_vec();
        }
        url_escape(&self.path, UrlPart::Path)
    }

    fn escaped_fragment(&self) -> Vec<u8> {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, UrlPart::Fragment)
            && url_unescape(&self.raw_fragment, UrlPart::Fragment).is_ok_and(|f| f == self.fragment)
        {
            return self.raw_fragment.clone();
        }
        url_escape(&self.fragment, UrlPart::Fragment)
    }

    /// Go's `URL.String`.
    fn encoded(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        if !self.scheme.is_empty() {
            buf.extend_from_slice(&self.scheme);
            buf.push(b':');
        }
        if !self.opaque.is_empty() {
            buf.extend_from_slice(&self.opaque);
        } else {
            // an empty authority is left out only when parsing said so
            let has_authority = !self.host.is_empty() || self.user.is_some();
            if has_authority || !self.scheme.is_empty() && !self.omit_host {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.extend_from_slice(b"//");
                }
                if let Some(user) = &self.user {
                    buf.extend(user.encoded());
                    buf.push(b'@');
                }
                if !self.host.is_empty() {
                    buf.extend(url_escape(&self.host, UrlPart::Host));
                }
            }
            let path = self.escaped_path();
            if !path.is_empty() && path[0] != b'/' && !self.host.is_empty() {
                buf.push(b'/');
            }
            if buf.is_empty() {
                // "./" keeps a first segment with a colon from reading as a scheme
                let segment = path.split(|c| *c == b'/').next().unwrap_or(&[]);
                if segment.contains(&b':') {
                    buf.extend_from_slice(b"./");
                }
            }
            buf.extend(path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push(b'?');
            buf.extend_from_slice(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push(b'#');
            buf.extend(self.escaped_fragment());
        }
        buf
    }

    /// Go's `URL.Hostname`.
    fn hostname(&self) -> &[u8] {
        let mut host = &self.host[..];
        if let Some(colon) = host.iter().rposition(|c| *c == b':')
            && valid_optional_port(&host[colon..])
        {
            host = &host[..colon];
        }
        if host.len() >= 2 && host[0] == b'[' && host[host.len() - 1] == b']' {
            host = &host[1..host.len() - 1];
        }
        host
    }
}

/// Sprig's `urlParse`: the URL's parts as a dict; a parse failure is Sprig's panic.
fn url_parse_dict(raw: &str) -> Result<Value, String> {
    let url = url_parse(raw).map_err(|e| format!("unable to parse url: {e}"))?;
    let text = |b: &[u8]| bytes_value(b);
    let userinfo = url.user.as_ref().map(GoUser::encoded).unwrap_or_default();
    let entries: BTreeMap<String, Value> = [
        ("scheme", text(&url.scheme)),
        ("host", text(&url.host)),
        ("hostname", text(url.hostname())),
        ("path", text(&url.path)),
        ("query", text(&url.raw_query)),
        ("opaque", text(&url.opaque)),
        ("fragment", text(&url.fragment)),
        ("userinfo", text(&userinfo)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok(Value::map(entries))
}

/// Sprig's `urlJoin`: a URL built from a dict's string parts (a missing part is empty).
fn url_join(dict: &Value) -> Result<String, String> {
    let Value::Map(map) = dict else {
        // a nil map reads as empty
        return Ok(String::new());
    };
    let part = |key: &str| -> Result<Vec<u8>, String> {
        match map.get(key) {
            None => Ok(Vec::new()),
            Some(Value::String(text)) => Ok(text.as_bytes().to_vec()),
            // reflect.TypeOf(nil).Kind() dereferences a nil Type
            Some(Value::Nil) => {
                Err("runtime error: invalid memory address or nil pointer dereference".into())
            }
            Some(other) => Err(format!(
                "unable to parse {key} key, must be of type string, but {} found",
                other.kind_name()
            )),
        }
    };
    let mut url = GoUrl {
        scheme: part("scheme")?,
        host: part("host")?,
        path: part("path")?,
        raw_query: part("query")?,
        opaque: part("opaque")?,
        fragment: part("fragment")?,
        ..GoUrl::default()
    };
    let userinfo = part("userinfo")?;
    if !userinfo.is_empty() {
        let text = format!("proto://{}@host", lossy(&userinfo));
        let parsed =
            url_parse(&text).map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        url.user = parsed.user;
    }
    Ok(lossy(&url.encoded()))
}

#[cfg(test)]
mod tests {
    //! Every expected string below is what Helm v4.2.3 (helm_python) rendered for the same
    //! template and values; errors are Helm's, in Go's one-line form.
    use super::*;
    use crate::engine::exec::render_snippet;

    fn render(text: &str) -> Result<String, String> {
        let mut funcs = Registry::new();
        register(&mut funcs);
        let values = Value::from_json(&serde_json::json!({"Values": {
            "s": "héllo wörld", "n": 3, "f": 1.5, "l": ["a", 1, null, true, 2.5],
            "m": {"k": "v"}, "u": "日本語",
            "url": "https://u:p%40ss@example.com:8443/a%2Fb/c d?x=1&y=%zz#frag ment"
        }}));
        render_snippet(&funcs, "c/templates/t.yaml", text, &values)
    }

    #[track_caller]
    fn ok(text: &str, want: &str) {
        assert_eq!(render(text).as_deref(), Ok(want), "{text}");
    }

    #[track_caller]
    fn fails(text: &str, want: &str) {
        assert_eq!(
            render(text).as_ref().map_err(String::as_str),
            Err(want),
            "{text}"
        );
    }

    #[test]
    fn trimming_and_truncation_follow_go_byte_rules() {
        ok(
            "{{ trim \"  hi  \" }}|{{ trim \"\\t\\n x \\u00a0\" }}|{{ trimAll \"$\" \"$$5.00$\" }}|{{ trimAll \"ab\" \"abcba\" }}|{{ trimall \"x\" \"xxaxx\" }}",
            "hi|x|5.00|c|a",
        );
        ok(
            "{{ trimPrefix \"he\" \"hello\" }}|{{ trimSuffix \"lo\" \"hello\" }}|{{ trimSuffix \"z\" \"hello\" }}|{{ trimAll \"\" \"abc\" }}",
            "llo|hel|hello|abc",
        );
        ok(
            "{{ trunc 3 \"hello\" }}|{{ trunc -3 \"hello\" }}|{{ trunc 0 \"hello\" }}|{{ trunc 10 \"hi\" }}|{{ trunc -10 \"hi\" }}|{{ trunc -5 \"hello\" }}",
            "hel|llo||hi|hi|hello",
        );
        ok(
            "{{ trunc 2 \"héllo\" }}|{{ trunc -4 \"héllo\" }}|{{ trunc 1 .Values.u }}",
            "h\u{fffd}|\u{fffd}llo|\u{fffd}",
        );
        ok(
            "{{ abbrev 5 \"hello world\" }}|{{ abbrev 3 \"hello world\" }}|{{ abbrev 20 \"hello world\" }}|{{ abbrev 6 \"héllo wörld\" }}",
            "he...|hello world|hello world|hé...",
        );
        ok(
            "{{ abbrevboth 5 10 \"1234 5678 9123\" }}|{{ abbrevboth 1 6 \"abcdefghijkl\" }}|{{ abbrevboth 10 8 \"abcdefghijklmnop\" }}|{{ abbrevboth -5 7 \"abcdefghijklmnop\" }}|{{ abbrevboth 20 9 \"abcdefghijklmnopqrstuvwxyz\" }}",
            "...5678...|abcdefghijkl|...kl...|abcd...|...uvwxyz",
        );
        ok(
            "{{ abbrev 12 \"3rd/@ǅ日x  z\" }}",
            "3rd/@ǅ\u{fffd}\u{fffd}...",
        );
    }

    #[test]
    fn case_functions_use_gos_simple_unicode_mappings() {
        ok(
            "{{ upper \"hello ß ǆ ᾳ ﬀ\" }}|{{ lower \"HELLO İ Σ ǅ\" }}",
            "HELLO ß Ǆ ᾼ ﬀ|hello i σ ǆ",
        );
        ok(
            "{{ title \"hello wORLD o'neil x-y a_b 1st élan ǆemal ᾳx\" }}|{{ title \"ǉubljana ðe\" }}",
            "Hello WORLD O'Neil X-Y A_b 1st Élan ǅemal ᾼx|ǈubljana Ðe",
        );
        ok(
            "{{ untitle \"Hello World  ÉLAN\" }}|{{ swapcase \"Hello World ǅx ǆ aBc\" }}|{{ swapcase \"  élan ÉLAN\" }}",
            "hello world  éLAN|hELLO wORLD ǆX ǅ AbC|  ÉLAN élan",
        );
        ok(
            "{{ upper \"ʼn ǰ ΐ\" }}|{{ lower \"ẞ K Å\" }}|{{ swapcase \"ⓐⒶ ⅰⅠ ªº\" }}",
            "ʼN ǰ ΐ|ß k å|ⓐⒶ ⅰⅠ ªº",
        );
        ok(
            "{{ upper \"ƛ ɤ\" }}|{{ lower \"\\ua7dc\\ua7cb\" }}",
            "ƛ ɤ|\u{a7dc}\u{a7cb}",
        );
    }

    #[test]
    fn substr_slices_bytes_and_panics_like_go() {
        ok(
            "{{ substr 0 3 \"hello\" }}|{{ substr 1 -1 \"hello\" }}|{{ substr -1 2 \"hello\" }}|{{ substr 2 100 \"hello\" }}|{{ substr 5 5 \"hello\" }}|{{ substr 2 4 \"héllo\" }}",
            "hel|ello|he|llo||\u{fffd}l",
        );
        fails(
            "{{ substr 3 1 \"hello\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <substr 3 1 \"hello\">: error calling substr: runtime error: slice bounds out of range [3:1]",
        );
        fails(
            "{{ substr 10 20 \"hello\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <substr 10 20 \"hello\">: error calling substr: runtime error: slice bounds out of range [10:5]",
        );
        fails(
            "{{ substr -1 -1 \"hello\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <substr -1 -1 \"hello\">: error calling substr: runtime error: slice bounds out of range [:-1]",
        );
        fails(
            "{{ substr -1 10 \"hello\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <substr -1 10 \"hello\">: error calling substr: runtime error: slice bounds out of range [:10] with length 5",
        );
        fails(
            "{{ substr 6 -1 \"hello\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <substr 6 -1 \"hello\">: error calling substr: runtime error: slice bounds out of range [6:5]",
        );
    }

    #[test]
    fn repeat_indent_and_whitespace_functions() {
        fails(
            "{{ repeat 3 \"ab\" }}|{{ repeat 0 \"ab\" }}|{{ repeat 1 \"\" }}|{{ repeat -1 \"\" }}|{{ repeat 2 \"é\" }}",
            "template: c/templates/t.yaml:1:61: executing \"c/templates/t.yaml\" at <repeat -1 \"\">: error calling repeat: strings: negative Repeat count",
        );
        fails(
            "{{ repeat -1 \"ab\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <repeat -1 \"ab\">: error calling repeat: strings: negative Repeat count",
        );
        fails(
            "{{ indent -1 \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <indent -1 \"a\">: error calling indent: strings: negative Repeat count",
        );
        ok(
            "{{ indent 2 \"a\\nb\" }}|{{ nindent 2 \"a\\nb\" }}|{{ indent 0 \"a\" }}|{{ \"a\\nb\" | indent 4 }}",
            "  a\n  b|\n  a\n  b|a|    a\n    b",
        );
        ok(
            "{{ nospace \"h e l l o\" }}|{{ nospace \"héllo wörld\" }}|{{ nospace \"héllo\" }}|{{ nospace .Values.u }}",
            "hello|hÃ©llowÃ¶rld|héllo|日本語",
        );
        ok(
            "{{ initials \"John Doe\" }}|{{ initials \"élan vital\" }}|{{ initials \"  a  b\\tc\\nd\" }}|{{ initials \"日本 語\" }}",
            "JD|Ãv|abcd|æè",
        );
    }

    #[test]
    fn wrap_follows_goutils_wrap_custom() {
        ok(
            "{{ wrap 5 \"Hello World\" }}|{{ wrap 5 \"Hello Worldwide and more\" }}|{{ wrap 0 \"a b c\" }}|{{ wrap 3 \"   abc   def   \" }}",
            "Hello\nWorld|Hello\nWorldwide\nand\nmore|a\nb\nc|abc\ndef\n  ",
        );
        ok(
            "{{ wrapWith 5 \"\\t\" \"Hello World\" }}|{{ wrapWith 3 \"<br>\" \"abcdefgh ij\" }}|{{ wrapWith 1 \"-\" \"abc\" }}|{{ wrap 4 \"héllo wörld\" }}",
            "Hello\tWorld|abc<br>def<br>gh<br>ij|a-b-c|héllo\nwörld",
        );
    }

    #[test]
    fn predicates_replace_and_plural() {
        ok(
            "{{ contains \"cat\" \"catch\" }}|{{ contains \"\" \"x\" }}|{{ hasPrefix \"ca\" \"catch\" }}|{{ hasSuffix \"x\" \"\" }}|{{ \"catch\" | contains \"cat\" }}",
            "true|true|true|false|true",
        );
        ok(
            "{{ replace \" \" \"-\" \"a b c\" }}|{{ replace \"\" \"-\" \"abc\" }}|{{ replace \"x\" \"\" \"xaxbx\" }}",
            "a-b-c|-a-b-c-|ab",
        );
        ok(
            "{{ plural \"one\" \"many\" 1 }}|{{ plural \"one\" \"many\" 2 }}|{{ plural \"one\" \"many\" -1 }}",
            "one|many|many",
        );
        fails(
            "{{ plural \"a\" \"b\" .Values.n }}",
            "template: c/templates/t.yaml:1:25: executing \"c/templates/t.yaml\" at <.Values.n>: wrong type for value; expected int; got float64",
        );
    }

    #[test]
    fn quote_squote_and_cat_skip_nil_and_print_values_like_go() {
        ok(
            "{{ quote \"a\" \"b\" }}|{{ quote nil }}|{{ quote .Values.missing }}|{{ quote }}|{{ quote 1 2.5 true }}",
            "\"a\" \"b\"||||\"1\" \"2.5\" \"true\"",
        );
        ok(
            "{{ quote .Values.f }}|{{ quote .Values.l }}|{{ quote .Values.m }}",
            "\"1.5\"|\"[a 1 <nil> true 2.5]\"|\"map[k:v]\"",
        );
        ok(
            "{{ quote \"a\\\"b\\\\c\\n\\t\\x01\\u00ad\\u200b\\u00e9\" }}|{{ quote \"\\u007f\\U0001F600\\U000E0001\" }}|{{ quote \"\\a\\b\\f\\v\\r\" }}",
            "\"a\\\"b\\\\c\\n\\t\\x01\\u00ad\\u200bé\"|\"\\x7f😀\\U000e0001\"|\"\\a\\b\\f\\v\\r\"",
        );
        ok(
            "{{ squote \"a\" }}|{{ squote nil \"b\" }}|{{ squote 1 2.5 .Values.l }}|{{ squote \"it's\" }}",
            "'a'|'b'|'1' '2.5' '[a 1 <nil> true 2.5]'|'it's'",
        );
        ok(
            "{{ cat \"a\" \"b\" 1 }}|{{ cat nil \"a\" nil }}|{{ cat }}|{{ cat .Values.l .Values.m }}",
            "a b 1|a||[a 1 <nil> true 2.5] map[k:v]",
        );
    }

    #[test]
    fn snake_kebab_and_camel_case_follow_xstrings() {
        ok(
            "{{ snakecase \"FirstName\" }}|{{ snakecase \"HTTPServer\" }}|{{ snakecase \"NoHTTPS\" }}|{{ snakecase \"GO PATH\" }}|{{ snakecase \"http2xx\" }}|{{ snakecase \"HTTP20xOK\" }}|{{ snakecase \"Bld4Floor3rd\" }}",
            "first_name|http_server|no_https|go_path|http_2xx|http_20x_ok|bld4_floor_3rd",
        );
        ok(
            "{{ kebabcase \"Duration2m3s\" }}|{{ kebabcase \"getHTTPResponseCode\" }}|{{ kebabcase \"hello.world\" }}|{{ kebabcase \"foo$bar\" }}|{{ kebabcase \"ÉcoleNormale\" }}|{{ kebabcase \"日本Go語\" }}",
            "duration-2m3s|get-http-response-code|hello.world|foo-$-bar|école-normale|日本-go-語",
        );
        ok(
            "{{ camelcase \"http_server\" }}|{{ camelcase \"_complex__case_\" }}|{{ camelcase \"GOLANG_IS_GREAT\" }}|{{ camelcase \"some words\" }}|{{ camelcase \"_\" }}|{{ camelcase \"a\" }}|{{ camelcase \"x_\" }}",
            "HttpServer|_Complex_Case_|GolangIsGreat|SomeWords|__|A|X_",
        );
    }

    #[test]
    fn split_functions_return_gos_types() {
        ok(
            "{{ split \",\" \"a,b,c\" }}|{{ split \"\" \"abc\" }}|{{ split \",\" \"\" }}|{{ split \"\" \"\" }}",
            "map[_0:a _1:b _2:c]|map[_0:a _1:b _2:c]|map[_0:]|map[]",
        );
        ok(
            "{{ splitList \",\" \"a,b,,c\" }}|{{ splitList \"\" \"héllo\" }}|{{ splitList \",\" \"\" }}|{{ splitList \"\" \"\" }}",
            "[a b  c]|[h é l l o]|[]|[]",
        );
        ok(
            "{{ splitn \",\" 2 \"a,b,c\" }}|{{ splitn \",\" 0 \"a,b,c\" }}|{{ splitn \",\" -1 \"a,b,c\" }}|{{ splitn \"\" 2 \"abc\" }}|{{ splitn \"\" 5 \"ab\" }}",
            "map[_0:a _1:b,c]|map[]|map[_0:a _1:b _2:c]|map[_0:a _1:bc]|map[_0:a _1:b]",
        );
        ok(
            "{{ (split \",\" \"a,b\")._1 }}|{{ split \",\" \"0,1,2,3,4,5,6,7,8,9,10,11\" }}",
            "b|map[_0:0 _1:1 _10:10 _11:11 _2:2 _3:3 _4:4 _5:5 _6:6 _7:7 _8:8 _9:9]",
        );
    }

    #[test]
    fn join_and_to_strings_follow_sprigs_strval() {
        ok(
            "{{ join \",\" .Values.l }}|{{ join \"-\" (splitList \",\" \"a,b\") }}|{{ join \",\" nil }}|{{ join \",\" \"abc\" }}|{{ join \",\" 3 }}|{{ join \",\" .Values.m }}",
            "a,1,true,2.5|a-b||abc|3|map[k:v]",
        );
        ok(
            "{{ toStrings .Values.l }}|{{ toStrings nil }}|{{ toStrings \"x\" }}|{{ toStrings 5 }}",
            "[a 1 true 2.5]|[]|[x]|[5]",
        );
        ok(
            "{{ toString nil }}|{{ toString 1 }}|{{ toString 1.5 }}|{{ toString .Values.l }}|{{ toString .Values.m }}|{{ toString true }}",
            "<nil>|1|1.5|[a 1 <nil> true 2.5]|map[k:v]|true",
        );
    }

    #[test]
    fn base64_and_base32_report_gos_decode_errors_as_text() {
        ok(
            "{{ b64enc \"hello\" }}|{{ b64enc \"\" }}|{{ b64enc \"a\" }}|{{ b64enc \"ab\" }}|{{ b64enc \"héllo\" }}",
            "aGVsbG8=||YQ==|YWI=|aMOpbGxv",
        );
        ok(
            "{{ b64dec \"aGVsbG8=\" }}|{{ b64dec \"aGVs\\nbG8=\" }}|{{ b64dec \"YWJj\\r\\nZA==\" }}|{{ b64dec \"YQ==\" }}",
            "hello|hello|abcd|a",
        );
        ok(
            "{{ b64dec \"aGVsbG8\" }}|{{ b64dec \"!!!\" }}|{{ b64dec \"YQ=\" }}|{{ b64dec \"YWJjZA==x\" }}|{{ b64dec \"=YWJ\" }}|{{ b64dec \"YQ=\\n=\" }}",
            "illegal base64 data at input byte 4|illegal base64 data at input byte 0|illegal base64 data at input byte 3|illegal base64 data at input byte 8|illegal base64 data at input byte 0|a",
        );
        ok(
            "{{ b64dec \"/w==\" }}|{{ b64dec \"gA==\" }}",
            "\u{fffd}|\u{fffd}",
        );
        ok(
            "{{ b32enc \"hello\" }}|{{ b32enc \"a\" }}|{{ b32enc \"abcdef\" }}|{{ b32dec \"NBSWY3DP\" }}|{{ b32dec \"MFRGG===\" }}|{{ b32dec \"NBSW\\nY3DP\" }}",
            "NBSWY3DP|ME======|MFRGGZDFMY======|hello|abc|hello",
        );
        ok(
            "{{ b32dec \"NBSWY3D\" }}|{{ b32dec \"M=======\" }}|{{ b32dec \"MFRA====\" }}|{{ b32dec \"nbswy3dp\" }}|{{ b32dec \"MFRGG==\" }}|{{ b32dec \"MFRGG===x\" }}",
            "illegal base32 data at input byte 0|illegal base32 data at input byte 1|ab|illegal base32 data at input byte 0|illegal base32 data at input byte 7|abc",
        );
    }

    #[test]
    fn regex_matching_uses_gos_ascii_classes_and_flags() {
        ok(
            "{{ regexMatch \"^[a-z]+$\" \"abc\" }}|{{ regexMatch \"(\" \"a\" }}|{{ regexFind \"[a-z]+\\\\d*\" \"xx abc12 y\" }}|{{ regexFind \"z\" \"abc\" }}",
            "true|false|xx|",
        );
        ok(
            "{{ regexFindAll \"\\\\d+\" \"a1 22 ٣٤\" -1 }}|{{ regexFindAll \"\\\\w+\" \"héllo wörld\" -1 }}|{{ regexFindAll \"\\\\bfoo\\\\b\" \"foo éfoo foo\" -1 }}|{{ regexFindAll \"\\\\s+\" \"a \\u00a0b\" -1 }}",
            "[1 22]|[h llo w rld]|[foo foo foo]|[ ]",
        );
        ok(
            "{{ regexFindAll \"a\" \"banana\" 2 }}|{{ regexFindAll \"a\" \"banana\" 0 }}|{{ regexFindAll \"\" \"héllo\" -1 }}|{{ regexFindAll \"a*\" \"baaac\" -1 }}",
            "[a a]|[]|[     ]|[ aaa ]",
        );
        ok(
            "{{ regexFindAll \"(?i)straße\" \"STRASSE Straße\" -1 }}|{{ regexFindAll \"(?i)[k]\" \"k K \\u212a\" -1 }}|{{ regexFindAll \"(?m)^\\\\w+$\" \"line1\\nline2\" -1 }}|{{ regexFindAll \"(?U)a+\" \"aaa\" -1 }}",
            "[Straße]|[k K K]|[line1 line2]|[a a a]",
        );
        ok(
            "{{ regexFindAll \"\\\\Q.*+\\\\E+\" \"a.*+.*+\" -1 }}|{{ regexFindAll \"\\\\x41\\\\x{42}\\\\101\\\\0\" \"ABA\\u0000\" -1 }}|{{ regexFindAll \"[[:^digit:]]+\" \"ab12cd\" -1 }}|{{ regexFindAll \"\\\\p{Greek}+\" \"αβγ abc\" -1 }}",
            "[.*+ .*+]|[ABA\u{0}]|[ab cd]|[αβγ]",
        );
        ok(
            "{{ regexFindAll \"\\\\p{Letter}+\" \"ab1\" -1 }}|{{ regexFindAll \"[^]a]+\" \"b]ac\" -1 }}|{{ regexFindAll \"a{,3}\" \"a{,3}\" -1 }}|{{ regexFindAll \"(?i)\\\\W\" \"k\\u212a\\u017f!\" -1 }}",
            "[ab]|[b c]|[a{,3}]|[!]",
        );
    }

    #[test]
    fn regex_errors_read_as_gos() {
        fails(
            "{{ mustRegexFind \"(\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"(\" \"a\">: error calling mustRegexFind: error parsing regexp: missing closing ): `(`",
        );
        fails(
            "{{ regexFind \"a**\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <regexFind \"a**\" \"a\">: error calling regexFind: regexp: Compile(`a**`): error parsing regexp: invalid nested repetition operator: `**`",
        );
        fails(
            "{{ regexFind \"\\\\\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <regexFind \"\\\\\" \"a\">: error calling regexFind: regexp: Compile(`\\`): error parsing regexp: trailing backslash at end of expression: ``",
        );
        fails(
            "{{ mustRegexMatch \"(?x)\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexMatch \"(?x)\" \"a\">: error calling mustRegexMatch: error parsing regexp: invalid or unsupported Perl syntax: `(?x`",
        );
        fails(
            "{{ mustRegexFindAll \"x{1001}\" \"a\" 1 }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFindAll \"x{1001}\" \"a\" 1>: error calling mustRegexFindAll: error parsing regexp: invalid repeat count: `{1001}`",
        );
        fails(
            "{{ mustRegexFindAll \"(a{1000}){2}\" \"a\" 1 }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFindAll \"(a{1000}){2}\" \"a\" 1>: error calling mustRegexFindAll: error parsing regexp: invalid repeat count: `{2}`",
        );
        fails(
            "{{ mustRegexSplit \"[z-a]\" \"a\" 1 }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexSplit \"[z-a]\" \"a\" 1>: error calling mustRegexSplit: error parsing regexp: invalid character class range: `z-a`",
        );
        fails(
            "{{ mustRegexReplaceAll \"\\\\p{Old_Italic}\" \"a\" \"b\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexReplaceAll \"\\\\p{Old_Italic}\" \"a\" \"b\">: error calling mustRegexReplaceAll: error parsing regexp: invalid character class range: `\\p{Old_Italic}`",
        );
        fails(
            "{{ regexReplaceAllLiteral \"[[:foo:]]\" \"a\" \"b\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <regexReplaceAllLiteral \"[[:foo:]]\" \"a\" \"b\">: error calling regexReplaceAllLiteral: regexp: Compile(`[[:foo:]]`): error parsing regexp: invalid character class range: `[:foo:]`",
        );
        fails(
            "{{ regexSplit \"(?P<>a)\" \"a\" 1 }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <regexSplit \"(?P<>a)\" \"a\" 1>: error calling regexSplit: regexp: Compile(`(?P<>a)`): error parsing regexp: invalid named capture: `(?P<>`",
        );
        fails(
            "{{ regexFind \"(`\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <regexFind \"(`\" \"a\">: error calling regexFind: regexp: Compile(\"(`\"): error parsing regexp: missing closing ): `(``",
        );
        fails(
            "{{ mustRegexFind \"\\\\8\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"\\\\8\" \"a\">: error calling mustRegexFind: error parsing regexp: invalid escape sequence: `\\8`",
        );
        fails(
            "{{ mustRegexFind \"\\\\x{110000}\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"\\\\x{110000}\" \"a\">: error calling mustRegexFind: error parsing regexp: invalid escape sequence: `\\x{110000`",
        );
        fails(
            "{{ mustRegexFind \"[a\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"[a\" \"a\">: error calling mustRegexFind: error parsing regexp: missing closing ]: `[a`",
        );
        fails(
            "{{ mustRegexFind \"a)\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"a)\" \"a\">: error calling mustRegexFind: error parsing regexp: unexpected ): `a)`",
        );
        fails(
            "{{ mustRegexFind \"(?P<name\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"(?P<name\" \"a\">: error calling mustRegexFind: error parsing regexp: invalid named capture: `(?P<name`",
        );
        fails(
            "{{ mustRegexFind \"\\\\C\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"\\\\C\" \"a\">: error calling mustRegexFind: error parsing regexp: invalid escape sequence: `\\C`",
        );
        fails(
            "{{ mustRegexFind \"*a\" \"a\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <mustRegexFind \"*a\" \"a\">: error calling mustRegexFind: error parsing regexp: missing argument to repetition operator: `*`",
        );
    }

    #[test]
    fn regex_replace_expands_like_go() {
        ok(
            "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}|{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$1W\" }}|{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$$1\" }}|{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1\" }}",
            "-W-xxW-|---|-$1-$1-|-${1-${1-",
        );
        ok(
            "{{ regexReplaceAll \"(?P<w>\\\\w+)\" \"hi there\" \"<$w>\" }}|{{ regexReplaceAll \"(?P<w>\\\\w+)\" \"hi there\" \"<$01>\" }}|{{ regexReplaceAll \"(?P<n>a)|(?P<n>b)\" \"ab\" \"[$n]\" }}",
            "<hi> <there>|<> <>|[a][b]",
        );
        ok(
            "{{ regexReplaceAll \"a*\" \"baaac\" \"-\" }}|{{ regexReplaceAll \"\" \"abc\" \"-\" }}|{{ regexReplaceAll \"(?m)^\" \"a\\nb\\n\" \"> \" }}|{{ regexReplaceAll \"\\\\b\" \"ab cd\" \"|\" }}",
            "-b-c-|-a-b-c-|> a\n> b\n> ||ab| |cd|",
        );
        ok(
            "{{ regexReplaceAllLiteral \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}|{{ regexReplaceAllLiteral \"x*\" \"abc\" \"$\" }}",
            "-${1}W-${1}W-|$a$b$c$",
        );
    }

    #[test]
    fn regex_split_and_quote_meta_follow_go() {
        ok(
            "{{ regexSplit \"a\" \"banana\" -1 }}|{{ regexSplit \"a\" \"banana\" 2 }}|{{ regexSplit \"a\" \"banana\" 0 }}|{{ regexSplit \"\" \"abc\" -1 }}|{{ regexSplit \"x*\" \"axbxxc\" -1 }}",
            "[b n n ]|[b nana]|[]|[a b c]|[a b c]",
        );
        ok(
            "{{ regexSplit \",\" \"\" -1 }}|{{ regexSplit \"\" \"\" -1 }}|{{ regexSplit \"$\" \"abc\" -1 }}|{{ regexSplit \"a*\" \"baaac\" 3 }}",
            "[]|[]|[abc]|[b c]",
        );
        ok(
            "{{ regexQuoteMeta \"[x]*+?(){}|^$\\\\\" }}|{{ regexQuoteMeta \"-#&~ é\" }}",
            "\\[x\\]\\*\\+\\?\\(\\)\\{\\}\\|\\^\\$\\\\|-#&~ é",
        );
    }

    #[test]
    fn url_parse_and_join_follow_net_url() {
        ok(
            "{{ urlParse .Values.url }}",
            "map[fragment:frag ment host:example.com:8443 hostname:example.com opaque: path:/a/b/c d query:x=1&y=%zz scheme:https userinfo:u:p%40ss]",
        );
        ok(
            "{{ urlParse \"http://[fe80::1%25en0]:80/\" }}|{{ urlParse \"mailto:a@b.c\" }}|{{ urlParse \"//h/p\" }}|{{ urlParse \"http://a@b@c/\" }}",
            "map[fragment: host:[fe80::1%en0]:80 hostname:fe80::1%en0 opaque: path:/ query: scheme:http userinfo:]|map[fragment: host: hostname: opaque:a@b.c path: query: scheme:mailto userinfo:]|map[fragment: host:h hostname:h opaque: path:/p query: scheme: userinfo:]|map[fragment: host:c hostname:c opaque: path:/ query: scheme:http userinfo:a%40b]",
        );
        fails(
            "{{ urlParse \"http://h:8x/\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"http://h:8x/\">: error calling urlParse: unable to parse url: parse \"http://h:8x/\": invalid port \":8x\" after host",
        );
        fails(
            "{{ urlParse \"http://[abc]/x\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"http://[abc]/x\">: error calling urlParse: unable to parse url: parse \"http://[abc]/x\": invalid host: ParseAddr(\"abc\"): unable to parse IP",
        );
        fails(
            "{{ urlParse \"http://[1.2.3.4]/\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"http://[1.2.3.4]/\">: error calling urlParse: unable to parse url: parse \"http://[1.2.3.4]/\": invalid IP-literal",
        );
        fails(
            "{{ urlParse \":x\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \":x\">: error calling urlParse: unable to parse url: parse \":x\": missing protocol scheme",
        );
        fails(
            "{{ urlParse \"1http://x\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"1http://x\">: error calling urlParse: unable to parse url: parse \"1http://x\": first path segment in URL cannot contain colon",
        );
        fails(
            "{{ urlParse \"http://a:1:2/\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"http://a:1:2/\">: error calling urlParse: unable to parse url: parse \"http://a:1:2/\": invalid port \":1:2\" after host",
        );
        ok(
            "{{ urlParse \"//h:1:2\" }}|{{ (urlParse \"http://u:p@h:1/x?y#z\").hostname }}",
            "map[fragment: host:h:1:2 hostname:h:1 opaque: path: query: scheme: userinfo:]|h",
        );
        fails(
            "{{ urlParse \"http://[12345::]/\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"http://[12345::]/\">: error calling urlParse: unable to parse url: parse \"http://[12345::]/\": invalid host: ParseAddr(\"12345::\"): each group must have 4 or less digits (at \"12345::\")",
        );
        fails(
            "{{ urlParse \"http://[::1.2.3.256]/\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <urlParse \"http://[::1.2.3.256]/\">: error calling urlParse: unable to parse url: parse \"http://[::1.2.3.256]/\": invalid host: ParseAddr(\"::1.2.3.256\"): IPv4 field has value >255",
        );
        ok(
            "{{ urlJoin (urlParse .Values.url) }}|{{ urlParse \"http://h/p#a b\" | urlJoin }}",
            "https://u:p%40ss@example.com:8443/a/b/c%20d?x=1&y=%zz#frag%20ment|http://h/p#a%20b",
        );
        ok("{{ urlJoin nil }}", "");
    }

    #[test]
    fn random_functions_have_helms_shape() {
        ok(
            "{{ shuffle \"abcdef\" | len }}|{{ randAlphaNum 10 | len }}|{{ randAlpha 5 | len }}|{{ randNumeric 3 | len }}|{{ randAscii 4 | len }}|{{ randAlphaNum 0 }}|{{ randAlphaNum -1 }}|{{ shuffle \"\" }}|{{ shuffle \"é\" }}",
            "6|10|5|3|4||||é",
        );
        ok(
            "{{ regexMatch \"^[a-zA-Z0-9]+$\" (randAlphaNum 50) }}|{{ regexMatch \"^[a-zA-Z]+$\" (randAlpha 50) }}|{{ regexMatch \"^[0-9]+$\" (randNumeric 50) }}|{{ regexMatch \"^[ -~]+$\" (randAscii 50) }}",
            "true|true|true|true",
        );
        let shuffled = render("{{ shuffle \"hello wörld\" }}").unwrap();
        let mut got: Vec<char> = shuffled.chars().collect();
        let mut want: Vec<char> = "hello wörld".chars().collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn huge_results_and_deep_patterns_behave_like_helm() {
        ok(
            "{{ repeat 1000000 \"ab\" | len }}|{{ repeat 9223372036854775807 \"\" }}",
            "2000000|",
        );
        fails(
            "{{ repeat 9223372036854775807 \"ab\" }}",
            "template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <repeat 9223372036854775807 \"ab\">: error calling repeat: strings: Repeat output length overflow",
        );
        ok(
            "{{ regexFind \"((a{10}){10}){10}\" \"a\" }}|{{ regexFind \"\\\\pL{1000}\" \"a\" }}",
            "|",
        );
        // the regex crate's compiler recurses per level: deep patterns must not overflow a
        // small thread stack
        let deep = format!(
            "{{{{ regexFind \"{}a{}\" \"a\" }}}}",
            "(".repeat(900),
            ")".repeat(900)
        );
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || render(&deep))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(result.as_deref(), Ok("a"));
        let too_deep = format!(
            "{{{{ mustRegexFind \"{}a{}\" \"a\" }}}}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        let err = render(&too_deep).unwrap_err();
        let want = format!(
            "error calling mustRegexFind: error parsing regexp: expression nests too deeply: `{}a{}`",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert!(err.ends_with(&want), "{err}");
    }
}
