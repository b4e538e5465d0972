//! Go's `encoding/json` as Helm's and Sprig's JSON functions use it: `Marshal` (map keys sorted,
//! HTML characters escaped unless asked not to, floats in Go's JSON form, `MarshalIndent`) and
//! `Unmarshal` into `interface {}` (every number a `float64`), with Go's error messages
//! (`invalid character 'x' looking for beginning of value`, `unexpected end of JSON input`).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::value::{MAX_NESTING, Value, format_float, shortest_decimal};

/// How to marshal.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarshalOptions {
    /// Escape `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (`json.Marshal` does).
    pub escape_html: bool,
    /// `MarshalIndent` with this many spaces per level (0: compact).
    pub indent: usize,
}

/// Go's `json.Marshal` (or `MarshalIndent`) of a template value.
///
/// # Errors
/// Go's `json: unsupported value: NaN` for NaN and infinities, and a nesting error for values
/// that contain themselves.
pub fn marshal(value: &Value, options: MarshalOptions) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, value, options, 0)?;
    Ok(out)
}

fn newline(out: &mut String, options: MarshalOptions, depth: usize) {
    if options.indent > 0 {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', options.indent * depth));
    }
}

fn write_value(
    out: &mut String,
    value: &Value,
    options: MarshalOptions,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            value.type_name()
        ));
    }
    match value {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => out.push_str(&go_json_float(*f)?),
        Value::String(s) => write_string(out, s, options.escape_html),
        Value::List(items, _) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, options, depth + 1);
                write_value(out, item, options, depth + 1)?;
            }
            newline(out, options, depth);
            out.push(']');
        }
        Value::Map(m) => {
            let entries = m.shared_entries();
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, options, depth + 1);
                write_string(out, k, options.escape_html);
                out.push(':');
                if options.indent > 0 {
                    out.push(' ');
                }
                write_value(out, v, options, depth + 1)?;
            }
            newline(out, options, depth);
            out.push('}');
        }
        Value::Object(o) => write_value(out, &o.to_data(), options, depth + 1)?,
    }
    Ok(())
}

/// A float64 as `encoding/json` writes it: the shortest digits, in exponent form only below
/// 1e-6 or from 1e21 on, with a one-digit negative exponent not zero-padded (`1e-7`).
///
/// # Errors
/// Go's `json: unsupported value: NaN` (or `+Inf`, `-Inf`).
pub fn go_json_float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!("json: unsupported value: {}", format_float(f)));
    }
    let abs = f.abs();
    if abs == 0.0 {
        return Ok(if f.is_sign_negative() { "-0" } else { "0" }.into());
    }
    let (digits, exp) = shortest_decimal(abs);
    let digits = String::from_utf8(digits).unwrap_or_default();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(1e-6..1e21).contains(&abs) {
        // Go writes `e+21` and `e-7` (its `e-07` trimmed to one digit)
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return Ok(format!("{sign}{mantissa}e{exp_sign}{}", exp.abs()));
    }
    // Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the digits placed around the point
    let point = exp + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    Ok(format!("{sign}{text}"))
}

/// A JSON string literal as Go writes it.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `json.Unmarshal` into `interface {}`: objects become `map[string]interface {}`,
/// arrays `[]interface {}`, numbers `float64`.
///
/// # Errors
/// Go's syntax error messages.
pub fn unmarshal(text: &str) -> Result<Value, String> {
    match unmarshal_partial(text)? {
        (_, Some(error)) => Err(error),
        (value, None) => Ok(value),
    }
}

/// Like [`unmarshal`], but as Go's decoder does for a number too large for a `float64`: the
/// number becomes nil, decoding goes on, and the first such error comes back beside the value.
///
/// # Errors
/// Go's syntax error messages.
pub fn unmarshal_partial(text: &str) -> Result<(Value, Option<String>), String> {
    parse(text, false)
}

/// Decodes JSON as Kubernetes decodes an unstructured object (what `lookup` returns): a number
/// written as an integer that fits `int64` is `int64`, every other number `float64`;
/// otherwise as [`unmarshal`].
///
/// # Errors
/// Go's syntax error messages, or a number out of `float64`'s range.
pub fn unmarshal_unstructured(text: &str) -> Result<Value, String> {
    match parse(text, true)? {
        (_, Some(error)) => Err(error),
        (value, None) => Ok(value),
    }
}

fn parse(text: &str, integers: bool) -> Result<(Value, Option<String>), String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        depth: 0,
        deferred: None,
        integers,
    };
    p.skip_ws();
    if p.i >= p.s.len() {
        return Err("unexpected end of JSON input".into());
    }
    let v = p.value()?;
    p.skip_ws();
    if let Some(&c) = p.s.get(p.i) {
        return Err(format!(
            "invalid character {} after top-level value",
            p.quote_char_at(c)
        ));
    }
    Ok((v, p.deferred))
}

/// The name `encoding/json` gives a decoded document's kind in its type errors (`null`,
/// `bool`, `number`, `string`, `array`, `object`).
pub fn go_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// What Go says when a JSON document of the wrong kind is decoded into `target`
/// (`json: cannot unmarshal array into Go value of type map[string]interface {}`).
pub fn type_error(value: &Value, target: &str) -> String {
    let kind = match value {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(..) | Value::Uint(_) => "number",
        Value::String(_) => "string",
        Value::List(..) => "array",
        Value::Map(_) | Value::Object(_) => "object",
    };
    format!("json: cannot unmarshal {kind} into Go value of type {target}")
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
    deferred: Option<String>,
    /// Integers stay `int64` (unstructured decoding) instead of becoming `float64`.
    integers: bool,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Go's `quoteChar` of the character starting at the current byte.
    fn quote_char_at(&self, byte: u8) -> String {
        let c = if byte < 0x80 {
            byte as char
        } else {
            self.text[self.i..].chars().next().unwrap_or('\u{fffd}')
        };
        match c {
            '\'' => "'\\''".into(),
            '"' => "'\"'".into(),
            c if c.is_control() || (c as u32) < 0x20 => {
                let q = format!("{c:?}");
                format!("'{}'", &q[1..q.len() - 1])
            }
            c => format!("'{c}'"),
        }
    }

    fn unexpected(&self, context: &str) -> String {
        match self.s.get(self.i) {
            None => "unexpected end of JSON input".into(),
            Some(&c) => format!("invalid character {} {context}", self.quote_char_at(c)),
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("exceeded max depth".into());
        }
        // deep documents recurse deeply: grow the stack rather than overflow it
        let v = stacker::maybe_grow(64 * 1024, 1024 * 1024, || match self.s.get(self.i) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Value::string),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("looking for beginning of value")),
        });
        self.depth -= 1;
        v
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, String> {
        for (k, expected) in word.bytes().enumerate() {
            if k == 0 {
                self.i += 1;
                continue;
            }
            match self.s.get(self.i) {
                Some(&c) if c == expected => self.i += 1,
                _ => {
                    return Err(self.unexpected(&format!(
                        "in literal {word} (expecting '{}')",
                        expected as char
                    )));
                }
            }
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
            if !matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.unexpected("in numeric literal"));
            }
        }
        if self.s.get(self.i) == Some(&b'0') {
            self.i += 1;
        } else {
            while matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.unexpected("after decimal point in numeric literal"));
            }
            while matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.unexpected("in exponent of numeric literal"));
            }
            while matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = &self.text[start..self.i];
        if self.integers
            && !text.contains(['.', 'e', 'E'])
            && let Ok(i) = text.parse::<i64>()
        {
            return Ok(Value::Int(i, crate::engine::value::IntKind::Int64));
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                self.deferred.get_or_insert_with(|| {
                    format!("json: cannot unmarshal number {text} into Go value of type float64")
                });
                Ok(Value::Nil)
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected end of JSON input".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err("unexpected end of JSON input".into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            if (0xD800..0xDC00).contains(&first)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let second = self.hex4()?;
                                if (0xDC00..0xE000).contains(&second) {
                                    let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                                } else {
                                    out.push('\u{fffd}');
                                    self.i = save;
                                }
                            } else {
                                out.push(char::from_u32(first).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.unexpected("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.unexpected("in string literal")),
                _ => {
                    let rest = &self.text[self.i..];
                    let end = rest.find(['"', '\\']).unwrap_or(rest.len());
                    let chunk = &rest[..end];
                    if let Some(bad) = chunk.bytes().position(|b| b < 0x20) {
                        self.i += bad;
                        return Err(self.unexpected("in string literal"));
                    }
                    out.push_str(chunk);
                    self.i += end;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected end of JSON input".into());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.unexpected("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                _ => return Err(self.unexpected("after array element")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut entries = BTreeMap::new();
        self.skip_ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::map(entries));
        }
        loop {
            self.skip_ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.unexpected("looking for beginning of object key string"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.unexpected("after object key"));
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value()?;
            entries.insert(key, value);
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::map(entries));
                }
                _ => return Err(self.unexpected("after object key:value pair")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: serde_json::Value) -> String {
        marshal(
            &Value::from_json(&v),
            MarshalOptions {
                escape_html: true,
                indent: 0,
            },
        )
        .unwrap()
    }

    #[test]
    fn floats_are_written_as_go_json_writes_them() {
        for (f, go) in [
            (1.0, "1"),
            (1e6, "1000000"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-10, "1.25e-10"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (123456789.0, "123456789"),
        ] {
            assert_eq!(go_json_float(f).unwrap(), go, "{f}");
        }
        assert_eq!(
            go_json_float(f64::NAN).unwrap_err(),
            "json: unsupported value: NaN"
        );
    }

    #[test]
    fn marshal_sorts_keys_and_escapes_html() {
        assert_eq!(
            json(serde_json::json!({"b": [1, "<a&b>"], "a": null, "c": {"x": true}})),
            r#"{"a":null,"b":[1,"\u003ca\u0026b\u003e"],"c":{"x":true}}"#
        );
        assert_eq!(
            json(serde_json::json!("tab\there\u{1}\u{2028}")),
            r#""tab\there\u0001\u2028""#
        );
        assert_eq!(json(serde_json::json!({})), "{}");
        assert_eq!(json(serde_json::json!([])), "[]");
    }

    #[test]
    fn indent_matches_marshal_indent() {
        let v = Value::from_json(&serde_json::json!({"a": [1, 2], "b": {}, "c": "x"}));
        let out = marshal(
            &v,
            MarshalOptions {
                escape_html: true,
                indent: 2,
            },
        )
        .unwrap();
        assert_eq!(
            out,
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": \"x\"\n}"
        );
    }

    #[test]
    fn unmarshal_reports_go_syntax_errors() {
        for (text, message) in [
            ("", "unexpected end of JSON input"),
            ("{", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            (
                "{a",
                "invalid character 'a' looking for beginning of object key string",
            ),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 \"b\"}",
                "invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("tru", "unexpected end of JSON input"),
            (
                "trux",
                "invalid character 'x' in literal true (expecting 'e')",
            ),
            ("1.", "unexpected end of JSON input"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            ("{} x", "invalid character 'x' after top-level value"),
            ("\"\\q\"", "invalid character 'q' in string escape code"),
        ] {
            assert_eq!(unmarshal(text).unwrap_err(), message, "{text:?}");
        }
    }

    #[test]
    fn unmarshal_gives_float64_numbers_and_interface_collections() {
        let v = unmarshal(r#"{"n": 3, "l": [1.5, "a\u00e9\ud83d\ude00", null, false]}"#).unwrap();
        assert_eq!(v.to_string(), "map[l:[1.5 aé😀 <nil> false] n:3]");
        let Value::Map(m) = v else { panic!() };
        assert_eq!(m.get("n").unwrap().type_name(), "float64");
    }
}
