//! Helm's `toToml` and `fromToml`, byte-identical to Helm v4.2.3, which uses
//! github.com/BurntSushi/toml v1.6.0 (TOML 1.1 syntax on by default).
//!
//! Owns: an encoder that writes what that library's `Encoder.Encode` writes for the values
//! templates hold (key order, table headers and indentation, inline arrays and tables, float
//! and string formatting, its error texts), and a decoder that ports the library's lexer state
//! machine and parser, so documents decode to the same Go values and malformed ones fail with
//! the same `toml: line N (last key "k"): ...` messages, duplicate-key quirks included.
//!
//! Go types: integers decode as `int64`, floats as `float64`, arrays as `[]interface {}`,
//! tables as `map[string]interface {}`, dates and times as `time.Time` in the library's
//! `datetime-local`/`date-local`/`time-local` zones (or the parsed offset). Arrays of tables
//! are `[]map[string]interface {}` in Go; the value model has no such slice type, so they are
//! `[]interface {}` here (only `typeOf` and typed parameters can tell).
//!
//! Template objects other than times are encoded as the data `encoding/json` sees of them (a
//! text marshaler such as a semver version is its string), which is what the library does for
//! text marshalers; Go structs with fields would keep declaration order, not key order.

use crate::engine::gostr::{quote as quote_str, quote_rune};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

use super::time::{GoTime, Location};
use super::{Registry, Ty};
use crate::engine::value::{IntKind, Value, format_float};

/// Registers `toToml` and `fromToml` with their Go signatures.
pub fn register(r: &mut Registry) {
    r.add("toToml", &[Ty::Any], None, |a, _| {
        to_toml(&a[0]).map(Value::string)
    });
    r.add("mustToToml", &[Ty::Any], None, |a, _| {
        must_to_toml(&a[0]).map(Value::string)
    });
    r.add("fromToml", &[Ty::String], None, |a, _| {
        let text = match &a[0] {
            Value::String(s) => s.as_ref(),
            _ => "",
        };
        from_toml(text)
    });
}

/// Helm's `mustToToml`: the TOML document, or the encoder's error.
///
/// # Errors
/// The encoder's error text, or Go's panic message.
pub fn must_to_toml(v: &Value) -> Result<String, String> {
    let mut enc = Encoder::default();
    match enc.encode_top(v) {
        Ok(()) => Ok(enc.out),
        Err(EncError::Toml(msg) | EncError::Panic(msg)) => Err(msg),
    }
}

/// Helm's `toToml`: the TOML document, or the encoder's error text in its place.
///
/// # Errors
/// Go's panic message where the library fails outside its own error handling (a nil
/// argument), which Helm reports as `error calling toToml: ...`; also values nested deeper
/// than [`MAX_DEPTH`] allows (Go would encode them).
pub fn to_toml(v: &Value) -> Result<String, String> {
    let mut enc = Encoder::default();
    match enc.encode_top(v) {
        Ok(()) => Ok(enc.out),
        Err(EncError::Toml(msg)) => Ok(msg),
        Err(EncError::Panic(msg)) => Err(msg),
    }
}

/// Helm's `fromToml`: the decoded table, or a map holding only `Error` with the parse error.
///
/// # Errors
/// Where the Go library panics instead of returning a parse error (its internal `BUG` checks,
/// which no input is known to reach), and documents nested deeper than [`MAX_DEPTH`] allows
/// (Go would decode them).
pub fn from_toml(text: &str) -> Result<Value, String> {
    match Parser::parse(text) {
        Ok(p) => Ok(p.to_value(0)),
        Err(Fail::Parse {
            line,
            last_key,
            msg,
        }) => {
            let text = if last_key.is_empty() {
                format!("toml: line {line}: {msg}")
            } else {
                format!(
                    "toml: line {line} (last key {}): {msg}",
                    quote_str(&last_key)
                )
            };
            let mut m = BTreeMap::new();
            m.insert("Error".to_string(), Value::string(text));
            Ok(Value::map(m))
        }
        Err(Fail::Bug(msg)) => Err(msg),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared text helpers

/// The library's bare-key alphabet; other keys are written quoted.
fn is_bare_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The library's double-quoted string escaping: quote, backslash, and every control
/// character (as `\b`, `\t`, `\n`, `\f`, `\r` or `\u00XX`); everything else verbatim.
fn escape_basic(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn maybe_quoted(key: &str) -> String {
    if key.is_empty() {
        return "\"\"".to_string();
    }
    if key.chars().all(is_bare_key_char) {
        return key.to_string();
    }
    let mut out = String::from("\"");
    escape_basic(key, &mut out);
    out.push('"');
    out
}

/// The library's `Key.String()`: each part quoted where needed, joined with dots.
fn key_string(key: &[String]) -> String {
    key.iter()
        .map(|k| maybe_quoted(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// Go's `unicode.IsLetter`, approximated by Rust's alphabetic property without the letter
/// numbers (Roman numerals and the like) and the combining mark that property adds.
fn is_go_letter(c: char) -> bool {
    const LETTER_NUMBERS: &[(u32, u32)] = &[
        (0x345, 0x345),
        (0x16ee, 0x16f0),
        (0x2160, 0x2188),
        (0x3007, 0x3007),
        (0x3021, 0x3029),
        (0x3038, 0x303a),
        (0xa6e6, 0xa6ef),
        (0x10140, 0x10174),
        (0x10341, 0x10341),
        (0x1034a, 0x1034a),
        (0x103d1, 0x103d5),
        (0x12400, 0x1246e),
    ];
    let u = c as u32;
    c.is_alphabetic()
        && !LETTER_NUMBERS
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&u))
}

// ---------------------------------------------------------------------------------------------
// Encoder

/// The TOML kinds the encoder sorts values into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Datetime,
    Array,
    ArrayOfTables,
    Table,
}

enum EncError {
    /// An error `Encode` returns; Helm prints its text as the result.
    Toml(String),
    /// A Go runtime panic, which becomes a template error.
    Panic(String),
}

const ERR_NIL_ELEMENT: &str = "toml: cannot encode array with nil element";
const ERR_NO_KEY: &str = "toml: top-level values must be Go maps or structs";

/// The zone names the library gives local dates and times, and how it writes each.
const LOCAL_DATETIME: &str = "datetime-local";
const LOCAL_DATE: &str = "date-local";
const LOCAL_TIME: &str = "time-local";
const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

#[derive(Default)]
struct Encoder {
    out: String,
    has_written: bool,
}

fn as_time(v: &Value) -> Option<&GoTime> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<GoTime>(),
        _ => None,
    }
}

/// What the encoder sees of a value: objects other than times are encoded as the data
/// `encoding/json` sees (a text marshaler's string, a struct's exported fields).
fn resolved(v: &Value) -> std::borrow::Cow<'_, Value> {
    match v {
        Value::Object(o) if as_time(v).is_none() => std::borrow::Cow::Owned(o.to_data()),
        _ => std::borrow::Cow::Borrowed(v),
    }
}

/// How deep values and documents may nest. Go grows its stacks without bound; renders here run
/// on fixed-size thread stacks, so nesting beyond this (far past any real chart) fails instead.
const MAX_DEPTH: usize = 128;

/// The encoder's limit, a little above [`MAX_DEPTH`] so that whatever `fromToml` returns can be
/// encoded again (the top-level table and its key add levels).
const MAX_ENCODE_DEPTH: usize = MAX_DEPTH + 16;

fn too_deep() -> String {
    "toml: nesting too deep".to_string()
}

/// The library's `tomlTypeOfGo`: `None` for nil. Classifying an array checks every element
/// (and nested arrays' elements) for nil, as the library does.
fn kind_of(v: &Value, depth: usize) -> Result<Option<Kind>, EncError> {
    if depth > MAX_ENCODE_DEPTH {
        return Err(EncError::Panic(too_deep()));
    }
    if as_time(v).is_some() {
        return Ok(Some(Kind::Datetime));
    }
    let v = resolved(v);
    Ok(Some(match v.as_ref() {
        Value::Nil => return Ok(None),
        Value::List(items, _) => {
            if is_table_array(items, depth)? {
                Kind::ArrayOfTables
            } else {
                Kind::Array
            }
        }
        Value::Map(_) => Kind::Table,
        _ => Kind::Plain,
    }))
}

fn is_table_array(items: &[Value], depth: usize) -> Result<bool, EncError> {
    if items.is_empty() {
        return Ok(false);
    }
    let mut all_tables = true;
    for item in items {
        match kind_of(item, depth + 1)? {
            None => return Err(EncError::Toml(ERR_NIL_ELEMENT.to_string())),
            Some(Kind::Table) => {}
            Some(_) => all_tables = false,
        }
    }
    Ok(all_tables)
}

impl Encoder {
    fn wf(&mut self, s: &str) {
        self.out.push_str(s);
        self.has_written = true;
    }

    fn newline(&mut self) {
        if self.has_written {
            self.wf("\n");
        }
    }

    fn indent(&mut self, key: &[String]) {
        let n = key.len().saturating_sub(1);
        self.wf(&"  ".repeat(n));
    }

    fn encode_top(&mut self, v: &Value) -> Result<(), EncError> {
        if matches!(v, Value::Nil) {
            // reflect.ValueOf(nil) is the zero Value; asking its type panics
            return Err(EncError::Panic(
                "reflect: call of reflect.Value.Type on zero Value".to_string(),
            ));
        }
        self.encode(&[], v, 0)
    }

    fn encode(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), EncError> {
        if depth > MAX_ENCODE_DEPTH {
            return Err(EncError::Panic(too_deep()));
        }
        if as_time(v).is_some() {
            return self.write_key_value(key, v, false, depth);
        }
        let v = resolved(v);
        match v.as_ref() {
            Value::Nil => Ok(()),
            Value::List(items, _) => {
                if is_table_array(items, depth)? {
                    self.array_of_tables(key, items, depth)
                } else {
                    self.write_key_value(key, &v, false, depth)
                }
            }
            Value::Map(m) => {
                if key.len() == 1 {
                    // a blank line between top-level tables (none before the first output)
                    self.newline();
                }
                if !key.is_empty() {
                    self.indent(key);
                    self.wf(&format!("[{}]", key_string(key)));
                    self.newline();
                }
                self.table(key, &m.entries(), false, depth)
            }
            _ => self.write_key_value(key, &v, false, depth),
        }
    }

    fn array_of_tables(
        &mut self,
        key: &[String],
        items: &[Value],
        depth: usize,
    ) -> Result<(), EncError> {
        if key.is_empty() {
            return Err(EncError::Toml(ERR_NO_KEY.to_string()));
        }
        for item in items {
            let item = resolved(item);
            let Value::Map(m) = item.as_ref() else {
                continue;
            };
            self.newline();
            self.indent(key);
            self.wf(&format!("[[{}]]", key_string(key)));
            self.newline();
            self.table(key, &m.entries(), false, depth + 1)?;
        }
        Ok(())
    }

    /// A table's entries: plain values (and arrays that are not arrays of tables) first, then
    /// sub-tables and arrays of tables, each group in key order; nil values are left out.
    fn table(
        &mut self,
        key: &[String],
        entries: &[(String, Value)],
        inline: bool,
        depth: usize,
    ) -> Result<(), EncError> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in entries {
            match kind_of(v, depth + 1)? {
                Some(Kind::Table | Kind::ArrayOfTables) => sub.push((k, v)),
                _ => direct.push((k, v)),
            }
        }
        if inline {
            self.wf("{");
        }
        let trailing_comma = !sub.is_empty();
        for (group, trail) in [(direct, trailing_comma), (sub, false)] {
            let n = group.len();
            for (i, (k, v)) in group.into_iter().enumerate() {
                if matches!(v, Value::Nil) {
                    continue;
                }
                if inline {
                    self.write_key_value(std::slice::from_ref(k), v, true, depth + 1)?;
                    if trail || i != n - 1 {
                        self.wf(", ");
                    }
                } else {
                    let mut child = key.to_vec();
                    child.push(k.clone());
                    self.encode(&child, v, depth + 1)?;
                }
            }
        }
        if inline {
            self.wf("}");
        }
        Ok(())
    }

    fn write_key_value(
        &mut self,
        key: &[String],
        v: &Value,
        inline: bool,
        depth: usize,
    ) -> Result<(), EncError> {
        let Some(last) = key.last() else {
            return self.element(v, depth);
        };
        self.indent(key);
        self.wf(&format!("{} = ", maybe_quoted(last)));
        self.element(v, depth)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn element(&mut self, v: &Value, depth: usize) -> Result<(), EncError> {
        if depth > MAX_ENCODE_DEPTH {
            return Err(EncError::Panic(too_deep()));
        }
        if let Some(t) = as_time(v) {
            let text = match t.location().name() {
                LOCAL_DATETIME => t.format("2006-01-02T15:04:05.999999999"),
                LOCAL_DATE => t.format("2006-01-02"),
                LOCAL_TIME => t.format("15:04:05.999999999"),
                _ => t.format(RFC3339_NANO),
            };
            self.wf(&text);
            return Ok(());
        }
        let v = resolved(v);
        match v.as_ref() {
            Value::String(s) => {
                let mut text = String::from("\"");
                escape_basic(s, &mut text);
                text.push('"');
                self.wf(&text);
            }
            Value::Bool(b) => self.wf(if *b { "true" } else { "false" }),
            Value::Int(i, _) => self.wf(&i.to_string()),
            Value::Uint(u) => self.wf(&u.to_string()),
            Value::Float(f) => self.wf(&format_toml_float(*f)),
            Value::List(items, _) => {
                self.wf("[");
                for (i, item) in items.iter().enumerate() {
                    self.element(item, depth + 1)?;
                    if i != items.len() - 1 {
                        self.wf(", ");
                    }
                }
                self.wf("]");
            }
            Value::Map(m) => self.table(&[], &m.entries(), true, depth)?,
            Value::Nil | Value::Object(_) => {
                return Err(EncError::Panic(
                    "reflect: call of reflect.Value.Interface on zero Value".to_string(),
                ));
            }
        }
        Ok(())
    }
}

/// Floats as the library writes them: `nan`, `inf` with their signs, otherwise Go's shortest
/// `%v` form with `.0` added when it has neither a point nor an exponent.
fn format_toml_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    let s = format_float(f);
    if s.contains('.') || s.contains('e') {
        s
    } else {
        s + ".0"
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer: a port of the library's state machine, so tokens, errors and the line each error is
// reported on come out in the same order.

const EOF: char = '\0';
const RUNE_ERROR: char = '\u{fffd}';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemType {
    Error,
    Eof,
    Text,
    String,
    RawString,
    MultilineString,
    RawMultilineString,
    Bool,
    Integer,
    Float,
    Datetime,
    Array,
    ArrayEnd,
    TableStart,
    TableEnd,
    ArrayTableStart,
    ArrayTableEnd,
    KeyStart,
    KeyEnd,
    CommentStart,
    InlineTableStart,
    InlineTableEnd,
}

#[derive(Debug, Clone)]
struct Item {
    typ: ItemType,
    val: String,
    line: i64,
    /// For errors: the message, and whether it is a lexer bug (a Go panic) instead.
    err: Option<(String, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Top,
    TopEnd,
    TableStart,
    TableEnd,
    ArrayTableEnd,
    TableNameStart,
    TableNameEnd,
    BareName,
    QuotedName,
    KeyStart,
    KeyNameStart,
    KeyEnd,
    Value,
    ArrayValue,
    ArrayValueEnd,
    ArrayEnd,
    InlineTableValue,
    InlineTableValueEnd,
    InlineTableEnd,
    Str,
    MultilineStr,
    RawStr,
    MultilineRawStr,
    MultilineStrEscape,
    StrEscape,
    HexEscape,
    ShortUnicodeEscape,
    LongUnicodeEscape,
    NumberOrDateStart,
    NumberOrDate,
    Datetime,
    HexInteger,
    OctalInteger,
    BinaryInteger,
    DecimalNumber,
    DecimalNumberStart,
    BaseNumberOrDate,
    Float,
    Bool,
    CommentStart,
    Comment,
}

struct Lexer<'a> {
    input: &'a str,
    start: usize,
    pos: usize,
    line: i64,
    state: Option<St>,
    items: VecDeque<Item>,
    prev_widths: [usize; 4],
    nprev: usize,
    at_eof: bool,
    stack: Vec<St>,
}

fn is_whitespace(c: char) -> bool {
    c == '\t' || c == ' '
}
fn is_nl(c: char) -> bool {
    c == '\n' || c == '\r'
}
fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\r' | '\n') && ((c as u32) <= 0x1f || c == '\u{7f}')
}
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}
fn is_binary(c: char) -> bool {
    c == '0' || c == '1'
}
fn is_octal(c: char) -> bool {
    ('0'..='7').contains(&c)
}
fn is_hex(c: char) -> bool {
    c.is_ascii_hexdigit()
}

fn rune_or_eof(c: char) -> String {
    if c == EOF {
        "end of file".to_string()
    } else {
        format!("'{c}'")
    }
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Self {
        Lexer {
            input,
            start: 0,
            pos: 0,
            line: 1,
            state: Some(St::Top),
            items: VecDeque::new(),
            prev_widths: [0; 4],
            nprev: 0,
            at_eof: false,
            stack: Vec::new(),
        }
    }

    fn next_item(&mut self) -> Item {
        loop {
            if let Some(item) = self.items.pop_front() {
                return item;
            }
            match self.state {
                Some(st) => self.state = self.step(st),
                None => {
                    return Item {
                        typ: ItemType::Error,
                        val: String::new(),
                        line: self.line,
                        err: Some((
                            "runtime error: invalid memory address or nil pointer dereference"
                                .to_string(),
                            true,
                        )),
                    };
                }
            }
        }
    }

    fn push(&mut self, st: St) {
        self.stack.push(st);
    }

    fn pop(&mut self) -> Option<St> {
        match self.stack.pop() {
            Some(st) => Some(st),
            None => self.errorf("BUG in lexer: no states to pop".to_string()),
        }
    }

    fn current(&self) -> &'a str {
        self.input.get(self.start..self.pos).unwrap_or("")
    }

    fn emit(&mut self, typ: ItemType) {
        if self.start > self.pos {
            let b = self.input.as_bytes().get(self.pos).copied().unwrap_or(0);
            self.error(format!("invalid UTF-8 byte: 0x{b:02x}"));
            return;
        }
        let val = self.current().to_string();
        self.items.push_back(Item {
            typ,
            val,
            line: self.line,
            err: None,
        });
        self.start = self.pos;
    }

    fn emit_trim(&mut self, typ: ItemType) {
        let val = self.current().trim().to_string();
        self.items.push_back(Item {
            typ,
            val,
            line: self.line,
            err: None,
        });
        self.start = self.pos;
    }

    fn next(&mut self) -> char {
        if self.at_eof {
            self.items.push_back(Item {
                typ: ItemType::Error,
                val: String::new(),
                line: self.line,
                err: Some(("BUG in lexer: next called after EOF".to_string(), true)),
            });
            return EOF;
        }
        let bytes = self.input.as_bytes();
        if self.pos >= bytes.len() {
            self.at_eof = true;
            return EOF;
        }
        if bytes[self.pos] == b'\n' {
            self.line += 1;
        }
        self.prev_widths[3] = self.prev_widths[2];
        self.prev_widths[2] = self.prev_widths[1];
        self.prev_widths[1] = self.prev_widths[0];
        if self.nprev < 4 {
            self.nprev += 1;
        }
        // input is a Rust string, so the library's invalid UTF-8 error cannot happen
        let c = self.input[self.pos..].chars().next().unwrap_or(EOF);
        if is_control(c)
            || (c == '\r' && (self.pos + 1 >= bytes.len() || bytes[self.pos + 1] != b'\n'))
        {
            self.push_error(
                self.line,
                format!(
                    "TOML files cannot contain control characters: '0x{:02x}'",
                    c as u32
                ),
            );
            return RUNE_ERROR;
        }
        self.prev_widths[0] = c.len_utf8();
        self.pos += c.len_utf8();
        c
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn backup(&mut self) {
        if self.at_eof {
            self.at_eof = false;
            return;
        }
        if self.nprev < 1 {
            self.items.push_back(Item {
                typ: ItemType::Error,
                val: String::new(),
                line: self.line,
                err: Some(("BUG in lexer: backed up too far".to_string(), true)),
            });
            return;
        }
        let w = self.prev_widths[0];
        self.prev_widths[0] = self.prev_widths[1];
        self.prev_widths[1] = self.prev_widths[2];
        self.prev_widths[2] = self.prev_widths[3];
        self.nprev -= 1;
        self.pos -= w;
        if self.input.as_bytes().get(self.pos) == Some(&b'\n') {
            self.line -= 1;
        }
    }

    fn accept(&mut self, valid: char) -> bool {
        if self.next() == valid {
            return true;
        }
        self.backup();
        false
    }

    fn peek(&mut self) -> char {
        let c = self.next();
        self.backup();
        c
    }

    fn skip(&mut self, pred: fn(char) -> bool) {
        loop {
            let c = self.next();
            if pred(c) {
                continue;
            }
            self.backup();
            self.ignore();
            return;
        }
    }

    fn push_error(&mut self, line: i64, msg: String) {
        self.items.push_back(Item {
            typ: ItemType::Error,
            val: String::new(),
            line,
            err: Some((msg, false)),
        });
    }

    /// An error at the current token; at the end of input, on the previous line.
    fn error(&mut self, msg: String) -> Option<St> {
        if self.at_eof {
            return self.error_prev_line(msg);
        }
        self.push_error(self.line, msg);
        None
    }

    fn error_prev_line(&mut self, msg: String) -> Option<St> {
        self.push_error(self.line - 1, msg);
        None
    }

    /// An error at the current token; at the end of input after a newline, on the line
    /// before it.
    fn errorf(&mut self, msg: String) -> Option<St> {
        let line = if self.at_eof && self.pos > 0 && self.input.as_bytes()[self.pos - 1] == b'\n' {
            self.line - 1
        } else {
            self.line
        };
        self.push_error(line, msg);
        None
    }

    fn skip_to(&mut self, st: St) -> Option<St> {
        self.ignore();
        Some(st)
    }

    #[allow(clippy::too_many_lines)]
    fn step(&mut self, st: St) -> Option<St> {
        match st {
            St::Top => {
                let r = self.next();
                if is_whitespace(r) || is_nl(r) {
                    return self.skip_to(St::Top);
                }
                match r {
                    '#' => {
                        self.push(St::Top);
                        return Some(St::CommentStart);
                    }
                    '[' => return Some(St::TableStart),
                    EOF => {
                        if self.pos > self.start {
                            return self.errorf("unexpected EOF".to_string());
                        }
                        self.emit(ItemType::Eof);
                        return None;
                    }
                    _ => {}
                }
                self.backup();
                self.push(St::TopEnd);
                Some(St::KeyStart)
            }
            St::TopEnd => {
                let r = self.next();
                match r {
                    '#' => {
                        self.push(St::Top);
                        Some(St::CommentStart)
                    }
                    c if is_whitespace(c) => Some(St::TopEnd),
                    c if is_nl(c) => self.skip_to(St::Top),
                    EOF => {
                        self.emit(ItemType::Eof);
                        None
                    }
                    c => self.errorf(format!(
                        "expected a top-level item to end with a newline, comment, or EOF, but got {} instead",
                        quote_rune(c)
                    )),
                }
            }
            St::TableStart => {
                if self.peek() == '[' {
                    self.next();
                    self.emit(ItemType::ArrayTableStart);
                    self.push(St::ArrayTableEnd);
                } else {
                    self.emit(ItemType::TableStart);
                    self.push(St::TableEnd);
                }
                Some(St::TableNameStart)
            }
            St::TableEnd => {
                self.emit(ItemType::TableEnd);
                Some(St::TopEnd)
            }
            St::ArrayTableEnd => {
                let r = self.next();
                if r != ']' {
                    return self.errorf(format!(
                        "expected end of table array name delimiter ']', but got {} instead",
                        quote_rune(r)
                    ));
                }
                self.emit(ItemType::ArrayTableEnd);
                Some(St::TopEnd)
            }
            St::TableNameStart => {
                self.skip(is_whitespace);
                match self.peek() {
                    ']' | EOF => self.errorf(
                        "unexpected end of table name (table names cannot be empty)".to_string(),
                    ),
                    '.' => self.errorf(
                        "unexpected table separator (table names cannot be empty)".to_string(),
                    ),
                    '"' | '\'' => {
                        self.ignore();
                        self.push(St::TableNameEnd);
                        Some(St::QuotedName)
                    }
                    _ => {
                        self.push(St::TableNameEnd);
                        Some(St::BareName)
                    }
                }
            }
            St::TableNameEnd => {
                self.skip(is_whitespace);
                match self.next() {
                    c if is_whitespace(c) => Some(St::TableNameEnd),
                    '.' => self.skip_to(St::TableNameStart),
                    ']' => self.pop(),
                    c => self.errorf(format!(
                        "expected '.' or ']' to end table name, but got {} instead",
                        quote_rune(c)
                    )),
                }
            }
            St::BareName => {
                let r = self.next();
                if is_bare_key_char(r) {
                    return Some(St::BareName);
                }
                self.backup();
                self.emit(ItemType::Text);
                self.pop()
            }
            St::QuotedName => match self.next() {
                c if is_whitespace(c) => self.skip_to(St::Value),
                '"' => self.skip_to(St::Str),
                '\'' => self.skip_to(St::RawStr),
                EOF => self.errorf("unexpected EOF; expected value".to_string()),
                c => self.errorf(format!(
                    "expected value but found {} instead",
                    quote_rune(c)
                )),
            },
            St::KeyStart => {
                self.skip(is_whitespace);
                match self.peek() {
                    '=' | EOF => self.errorf("unexpected '=': key name appears blank".to_string()),
                    '.' => self.errorf("unexpected '.': keys cannot start with a '.'".to_string()),
                    c => {
                        if c == '"' || c == '\'' {
                            self.ignore();
                        }
                        self.emit(ItemType::KeyStart);
                        Some(St::KeyNameStart)
                    }
                }
            }
            St::KeyNameStart => {
                self.skip(is_whitespace);
                match self.peek() {
                    '=' | EOF => self.errorf("unexpected '='".to_string()),
                    '.' => self.errorf("unexpected '.'".to_string()),
                    '"' | '\'' => {
                        self.ignore();
                        self.push(St::KeyEnd);
                        Some(St::QuotedName)
                    }
                    _ => {
                        self.push(St::KeyEnd);
                        Some(St::BareName)
                    }
                }
            }
            St::KeyEnd => {
                self.skip(is_whitespace);
                match self.next() {
                    c if is_whitespace(c) => self.skip_to(St::KeyEnd),
                    EOF => self.errorf("unexpected EOF; expected key separator '='".to_string()),
                    '.' => self.skip_to(St::KeyNameStart),
                    '=' => {
                        self.emit(ItemType::KeyEnd);
                        self.skip_to(St::Value)
                    }
                    c => {
                        let msg = format!("expected '.' or '=', but got {} instead", quote_rune(c));
                        if c == '\n' {
                            // reported on the line the key is on
                            return self.error_prev_line(msg);
                        }
                        self.errorf(msg)
                    }
                }
            }
            St::Value => self.lex_value(),
            St::ArrayValue => {
                let r = self.next();
                if is_whitespace(r) || is_nl(r) {
                    return self.skip_to(St::ArrayValue);
                }
                match r {
                    '#' => {
                        self.push(St::ArrayValue);
                        Some(St::CommentStart)
                    }
                    ',' => self.errorf("unexpected comma".to_string()),
                    ']' => Some(St::ArrayEnd),
                    _ => {
                        self.backup();
                        self.push(St::ArrayValueEnd);
                        Some(St::Value)
                    }
                }
            }
            St::ArrayValueEnd => {
                let r = self.next();
                if is_whitespace(r) || is_nl(r) {
                    return self.skip_to(St::ArrayValueEnd);
                }
                match r {
                    '#' => {
                        self.push(St::ArrayValueEnd);
                        Some(St::CommentStart)
                    }
                    ',' => self.skip_to(St::ArrayValue),
                    ']' => Some(St::ArrayEnd),
                    c => self.errorf(format!(
                        "expected a comma (',') or array terminator (']'), but got {}",
                        rune_or_eof(c)
                    )),
                }
            }
            St::ArrayEnd => {
                self.ignore();
                self.emit(ItemType::ArrayEnd);
                self.pop()
            }
            St::InlineTableValue => {
                let r = self.next();
                if is_whitespace(r) || is_nl(r) {
                    return self.skip_to(St::InlineTableValue);
                }
                match r {
                    '#' => {
                        self.push(St::InlineTableValue);
                        Some(St::CommentStart)
                    }
                    ',' => self.errorf("unexpected comma".to_string()),
                    '}' => Some(St::InlineTableEnd),
                    _ => {
                        self.backup();
                        self.push(St::InlineTableValueEnd);
                        Some(St::KeyStart)
                    }
                }
            }
            St::InlineTableValueEnd => {
                let r = self.next();
                if is_whitespace(r) || is_nl(r) {
                    return self.skip_to(St::InlineTableValueEnd);
                }
                match r {
                    '#' => {
                        self.push(St::InlineTableValueEnd);
                        Some(St::CommentStart)
                    }
                    ',' => {
                        self.ignore();
                        self.skip(is_whitespace);
                        if self.peek() == '}' {
                            return Some(St::InlineTableValueEnd);
                        }
                        Some(St::InlineTableValue)
                    }
                    '}' => Some(St::InlineTableEnd),
                    c => self.errorf(format!(
                        "expected a comma or an inline table terminator '}}', but got {} instead",
                        rune_or_eof(c)
                    )),
                }
            }
            St::InlineTableEnd => {
                self.ignore();
                self.emit(ItemType::InlineTableEnd);
                self.pop()
            }
            St::Str => match self.next() {
                EOF => self.errorf("unexpected EOF; expected '\"'".to_string()),
                c if is_nl(c) => {
                    self.error_prev_line("strings cannot contain newlines".to_string())
                }
                '\\' => {
                    self.push(St::Str);
                    Some(St::StrEscape)
                }
                '"' => {
                    self.backup();
                    self.emit(ItemType::String);
                    self.next();
                    self.ignore();
                    self.pop()
                }
                _ => Some(St::Str),
            },
            St::MultilineStr => match self.next() {
                EOF => self.errorf("unexpected EOF; expected '\"\"\"'".to_string()),
                '\\' => Some(St::MultilineStrEscape),
                '"' => {
                    if self.accept('"') {
                        if self.accept('"') {
                            if self.peek() == '"' {
                                let cur = self.current();
                                if cur.ends_with("\"\"\"\"\"") && !cur.ends_with("\\\"\"\"\"\"") {
                                    return self.errorf("unexpected '\"\"\"\"\"\"'".to_string());
                                }
                                self.backup();
                                self.backup();
                                return Some(St::MultilineStr);
                            }
                            self.backup();
                            self.backup();
                            self.backup();
                            self.emit(ItemType::MultilineString);
                            self.next();
                            self.next();
                            self.next();
                            self.ignore();
                            return self.pop();
                        }
                        self.backup();
                    }
                    Some(St::MultilineStr)
                }
                _ => Some(St::MultilineStr),
            },
            St::RawStr => match self.next() {
                EOF => self.errorf("unexpected EOF; expected \"'\"".to_string()),
                c if is_nl(c) => {
                    self.error_prev_line("strings cannot contain newlines".to_string())
                }
                '\'' => {
                    self.backup();
                    self.emit(ItemType::RawString);
                    self.next();
                    self.ignore();
                    self.pop()
                }
                _ => Some(St::RawStr),
            },
            St::MultilineRawStr => match self.next() {
                EOF => self.errorf("unexpected EOF; expected \"'''\"".to_string()),
                '\'' => {
                    if self.accept('\'') {
                        if self.accept('\'') {
                            if self.peek() == '\'' {
                                if self.current().ends_with("'''''") {
                                    return self.errorf("unexpected \"''''''\"".to_string());
                                }
                                self.backup();
                                self.backup();
                                return Some(St::MultilineRawStr);
                            }
                            self.backup();
                            self.backup();
                            self.backup();
                            self.emit(ItemType::RawMultilineString);
                            self.next();
                            self.next();
                            self.next();
                            self.ignore();
                            return self.pop();
                        }
                        self.backup();
                    }
                    Some(St::MultilineRawStr)
                }
                _ => Some(St::MultilineRawStr),
            },
            St::MultilineStrEscape => {
                if is_nl(self.next()) {
                    return Some(St::MultilineStr);
                }
                self.backup();
                self.push(St::MultilineStr);
                self.step(St::StrEscape)
            }
            St::StrEscape => {
                let r = self.next();
                match r {
                    'e' | 'b' | 't' | 'n' | 'f' | 'r' | '"' | ' ' | '\t' | '\\' => self.pop(),
                    'x' => Some(St::HexEscape),
                    'u' => Some(St::ShortUnicodeEscape),
                    'U' => Some(St::LongUnicodeEscape),
                    c => self.error(format!("invalid escape in string '\\{c}'")),
                }
            }
            St::HexEscape => self.lex_hex_digits(2, "two", 'x'),
            St::ShortUnicodeEscape => self.lex_hex_digits(4, "four", 'u'),
            St::LongUnicodeEscape => self.lex_hex_digits(8, "eight", 'U'),
            St::NumberOrDateStart => {
                let r = self.next();
                if r == '0' {
                    return Some(St::BaseNumberOrDate);
                }
                if !is_digit(r) {
                    return self.errorf(format!("expected a digit but got {}", quote_rune(r)));
                }
                Some(St::NumberOrDate)
            }
            St::NumberOrDate => {
                let r = self.next();
                if is_digit(r) {
                    return Some(St::NumberOrDate);
                }
                match r {
                    '-' | ':' => Some(St::Datetime),
                    '_' => Some(St::DecimalNumber),
                    '.' | 'e' | 'E' => Some(St::Float),
                    _ => {
                        self.backup();
                        self.emit(ItemType::Integer);
                        self.pop()
                    }
                }
            }
            St::Datetime => {
                let r = self.next();
                if is_digit(r) || matches!(r, '-' | ':' | 'T' | 't' | ' ' | '.' | 'Z' | 'z' | '+') {
                    return Some(St::Datetime);
                }
                self.backup();
                self.emit_trim(ItemType::Datetime);
                self.pop()
            }
            St::HexInteger => self.lex_digits(is_hex, St::HexInteger),
            St::OctalInteger => self.lex_digits(is_octal, St::OctalInteger),
            St::BinaryInteger => self.lex_digits(is_binary, St::BinaryInteger),
            St::DecimalNumber => {
                let r = self.next();
                if is_digit(r) {
                    return Some(St::DecimalNumber);
                }
                match r {
                    '.' | 'e' | 'E' => Some(St::Float),
                    '_' => Some(St::DecimalNumber),
                    _ => {
                        self.backup();
                        self.emit(ItemType::Integer);
                        self.pop()
                    }
                }
            }
            St::DecimalNumberStart => {
                let r = self.next();
                match r {
                    'i' => {
                        if !self.accept('n') || !self.accept('f') {
                            let cur = self.current().to_string();
                            return self.errorf(format!("invalid float: '{cur}'"));
                        }
                        self.emit(ItemType::Float);
                        return self.pop();
                    }
                    'n' => {
                        if !self.accept('a') || !self.accept('n') {
                            let cur = self.current().to_string();
                            return self.errorf(format!("invalid float: '{cur}'"));
                        }
                        self.emit(ItemType::Float);
                        return self.pop();
                    }
                    '0' => {
                        let p = self.peek();
                        if matches!(p, 'b' | 'o' | 'x') {
                            let cur = self.current().to_string();
                            return self.errorf(format!(
                                "cannot use sign with non-decimal numbers: '{cur}{p}'"
                            ));
                        }
                    }
                    '.' => {
                        return self.errorf("floats must start with a digit, not '.'".to_string());
                    }
                    _ => {}
                }
                if is_digit(r) {
                    return Some(St::DecimalNumber);
                }
                self.errorf(format!("expected a digit but got {}", quote_rune(r)))
            }
            St::BaseNumberOrDate => {
                let r = self.next();
                if is_digit(r) {
                    return Some(St::NumberOrDate);
                }
                match r {
                    '_' => Some(St::DecimalNumber),
                    '.' | 'e' | 'E' => Some(St::Float),
                    'b' => {
                        let p = self.peek();
                        if !is_binary(p) {
                            let cur = self.current().to_string();
                            self.errorf(format!("not a binary number: '{cur}{p}'"));
                        }
                        Some(St::BinaryInteger)
                    }
                    'o' => {
                        let p = self.peek();
                        if !is_octal(p) {
                            let cur = self.current().to_string();
                            self.errorf(format!("not an octal number: '{cur}{p}'"));
                        }
                        Some(St::OctalInteger)
                    }
                    'x' => {
                        let p = self.peek();
                        if !is_hex(p) {
                            let cur = self.current().to_string();
                            self.errorf(format!("not a hexadecimal number: '{cur}{p}'"));
                        }
                        Some(St::HexInteger)
                    }
                    _ => {
                        self.backup();
                        self.emit(ItemType::Integer);
                        self.pop()
                    }
                }
            }
            St::Float => {
                let r = self.next();
                if is_digit(r) || matches!(r, '_' | '.' | '-' | '+' | 'e' | 'E') {
                    return Some(St::Float);
                }
                self.backup();
                self.emit(ItemType::Float);
                self.pop()
            }
            St::Bool => {
                let mut word = String::new();
                loop {
                    let r = self.next();
                    if !is_go_letter(r) {
                        self.backup();
                        break;
                    }
                    word.push(r);
                }
                if word == "true" || word == "false" {
                    self.emit(ItemType::Bool);
                    return self.pop();
                }
                self.errorf(format!(
                    "expected value but found {} instead",
                    quote_str(&word)
                ))
            }
            St::CommentStart => {
                self.ignore();
                self.emit(ItemType::CommentStart);
                Some(St::Comment)
            }
            St::Comment => {
                let r = self.next();
                if is_nl(r) || r == EOF {
                    self.backup();
                    self.emit(ItemType::Text);
                    return self.pop();
                }
                Some(St::Comment)
            }
        }
    }

    fn lex_value(&mut self) -> Option<St> {
        let r = self.next();
        if is_whitespace(r) {
            return self.skip_to(St::Value);
        }
        if is_digit(r) {
            self.backup();
            return Some(St::NumberOrDateStart);
        }
        match r {
            '[' => {
                self.ignore();
                self.emit(ItemType::Array);
                return Some(St::ArrayValue);
            }
            '{' => {
                self.ignore();
                self.emit(ItemType::InlineTableStart);
                return Some(St::InlineTableValue);
            }
            '"' => {
                if self.accept('"') {
                    if self.accept('"') {
                        self.ignore();
                        return Some(St::MultilineStr);
                    }
                    self.backup();
                }
                self.ignore();
                return Some(St::Str);
            }
            '\'' => {
                if self.accept('\'') {
                    if self.accept('\'') {
                        self.ignore();
                        return Some(St::MultilineRawStr);
                    }
                    self.backup();
                }
                self.ignore();
                return Some(St::RawStr);
            }
            '.' => return self.errorf("floats must start with a digit, not '.'".to_string()),
            // `inf` and `nan` (the second test runs after the first backed up)
            'i' | 'n'
                if (self.accept('n') && self.accept('f'))
                    || (self.accept('a') && self.accept('n')) =>
            {
                self.emit(ItemType::Float);
                return self.pop();
            }
            '-' | '+' => return Some(St::DecimalNumberStart),
            _ => {}
        }
        if is_go_letter(r) {
            self.backup();
            return Some(St::Bool);
        }
        if r == EOF {
            return self.errorf("unexpected EOF; expected value".to_string());
        }
        let msg = format!("expected value but found {} instead", quote_rune(r));
        if r == '\n' {
            // reported on the line the key is on
            return self.error_prev_line(msg);
        }
        self.errorf(msg)
    }

    fn lex_hex_digits(&mut self, n: usize, word: &str, letter: char) -> Option<St> {
        for _ in 0..n {
            let r = self.next();
            if !is_hex(r) {
                let cur = self.current().to_string();
                return self.errorf(format!(
                    "expected {word} hexadecimal digits after '\\{letter}', but got {} instead",
                    quote_str(&cur)
                ));
            }
        }
        self.pop()
    }

    fn lex_digits(&mut self, pred: fn(char) -> bool, again: St) -> Option<St> {
        let r = self.next();
        if pred(r) || r == '_' {
            return Some(again);
        }
        self.backup();
        self.emit(ItemType::Integer);
        self.pop()
    }
}

// ---------------------------------------------------------------------------------------------
// Parser: the library's parser over Go-like values, with maps in an arena so that the
// aliasing its map references rely on (a table reached through several paths) holds.

type MapId = usize;

/// A decoded Go value.
#[derive(Clone)]
enum GoVal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(GoTime),
    /// `[]interface {}`.
    Arr(Vec<GoVal>),
    /// `map[string]interface {}`.
    Map(MapId),
    /// `[]map[string]interface {}`: an array of tables.
    MapSlice(Vec<MapId>),
}

/// The TOML types the parser records per key (only "array" matters to its decisions).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TType {
    Array,
    ArrayHash,
    Hash,
    Other,
}

enum Fail {
    /// A `toml.ParseError`.
    Parse {
        line: i64,
        last_key: String,
        msg: String,
    },
    /// A Go panic that is not a parse error.
    Bug(String),
}

type PResult<T> = Result<T, Fail>;

struct Parser<'a> {
    lx: Lexer<'a>,
    context: Vec<String>,
    current_key: String,
    pos_line: i64,
    key_info: HashMap<String, TType>,
    maps: Vec<BTreeMap<String, GoVal>>,
    implicits: HashSet<String>,
    depth: usize,
}

const DATETIME_LAYOUTS: [(&str, Option<&str>); 7] = [
    (RFC3339_NANO, None),
    ("2006-01-02T15:04:05.999999999", Some(LOCAL_DATETIME)),
    ("2006-01-02", Some(LOCAL_DATE)),
    ("15:04:05.999999999", Some(LOCAL_TIME)),
    // TOML 1.1: seconds may be left out
    ("2006-01-02T15:04Z07:00", None),
    ("2006-01-02T15:04", Some(LOCAL_DATETIME)),
    ("15:04", Some(LOCAL_TIME)),
];

impl<'a> Parser<'a> {
    fn parse(data: &'a str) -> PResult<Parser<'a>> {
        let data = data.strip_prefix('\u{feff}').unwrap_or(data);
        let head = &data.as_bytes()[..data.len().min(6)];
        if head.contains(&0) {
            return Err(Fail::Parse {
                line: 1,
                last_key: String::new(),
                msg: "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8"
                    .to_string(),
            });
        }
        let mut p = Parser {
            lx: Lexer::new(data),
            context: Vec::new(),
            current_key: String::new(),
            pos_line: 0,
            key_info: HashMap::new(),
            maps: vec![BTreeMap::new()],
            implicits: HashSet::new(),
            depth: 0,
        };
        loop {
            let item = p.next()?;
            if item.typ == ItemType::Eof {
                break;
            }
            p.top_level(item)?;
        }
        Ok(p)
    }

    fn to_value(&self, id: MapId) -> Value {
        Value::map(
            self.maps[id]
                .iter()
                .map(|(k, v)| (k.clone(), self.go_value(v)))
                .collect(),
        )
    }

    fn go_value(&self, v: &GoVal) -> Value {
        match v {
            GoVal::Str(s) => Value::string(s.as_str()),
            GoVal::Int(i) => Value::Int(*i, IntKind::Int64),
            GoVal::Float(f) => Value::Float(*f),
            GoVal::Bool(b) => Value::Bool(*b),
            GoVal::Time(t) => Value::object(t.clone()),
            GoVal::Arr(items) => Value::list(items.iter().map(|v| self.go_value(v)).collect()),
            GoVal::Map(id) => self.to_value(*id),
            GoVal::MapSlice(ids) => Value::list(ids.iter().map(|id| self.to_value(*id)).collect()),
        }
    }

    fn current(&self) -> String {
        if self.current_key.is_empty() {
            return key_string(&self.context);
        }
        if self.context.is_empty() {
            return self.current_key.clone();
        }
        format!("{}.{}", key_string(&self.context), self.current_key)
    }

    fn fail(&self, line: i64, msg: String) -> Fail {
        Fail::Parse {
            line,
            last_key: self.current(),
            msg,
        }
    }

    fn bug(msg: &str) -> Fail {
        Fail::Bug(format!("BUG: {msg}\n\n"))
    }

    fn next(&mut self) -> PResult<Item> {
        let it = self.lx.next_item();
        if it.typ == ItemType::Error {
            return Err(match &it.err {
                Some((msg, true)) => Fail::Bug(msg.clone()),
                Some((msg, false)) => self.fail(it.line, msg.clone()),
                None => self.fail(it.line, it.val.clone()),
            });
        }
        Ok(it)
    }

    fn next_pos(&mut self) -> PResult<Item> {
        let it = self.next()?;
        self.pos_line = it.line;
        Ok(it)
    }

    fn expect(&mut self, typ: ItemType) -> PResult<Item> {
        let it = self.next()?;
        if it.typ != typ {
            return Err(Self::bug(&format!(
                "Expected '{typ:?}' but got '{:?}'.",
                it.typ
            )));
        }
        Ok(it)
    }

    fn read_key(&mut self, end: ItemType) -> PResult<Vec<String>> {
        let mut name = self.next_pos()?;
        let mut key = Vec::new();
        while name.typ != end && name.typ != ItemType::Eof {
            key.push(self.key_part(&name)?);
            name = self.next()?;
        }
        if name.typ != end {
            return Err(Self::bug(&format!(
                "Expected '{end:?}' but got '{:?}'.",
                name.typ
            )));
        }
        Ok(key)
    }

    fn top_level(&mut self, item: Item) -> PResult<()> {
        match item.typ {
            ItemType::CommentStart => {
                self.expect(ItemType::Text)?;
            }
            ItemType::TableStart => {
                let key = self.read_key(ItemType::TableEnd)?;
                self.add_context(&key, false)?;
                self.set_type("", TType::Hash);
            }
            ItemType::ArrayTableStart => {
                let key = self.read_key(ItemType::ArrayTableEnd)?;
                self.add_context(&key, true)?;
                self.set_type("", TType::ArrayHash);
            }
            ItemType::KeyStart => {
                let outer = self.context.clone();
                self.key_value()?;
                self.context = outer;
                self.current_key.clear();
            }
            t => return Err(Self::bug(&format!("Unexpected type at top level: {t:?}"))),
        }
        Ok(())
    }

    /// A `key = value` line (or pair in an inline table): the dotted parts become implicit
    /// tables, the value is stored under the last part. Leaves the context at the parent.
    fn key_value(&mut self) -> PResult<()> {
        let key = self.read_key(ItemType::KeyEnd)?;
        let Some((last, parents)) = key.split_last() else {
            return Err(Self::bug("empty key"));
        };
        self.current_key = last.clone();
        for part in parents {
            let mut k = self.context.clone();
            k.push(part.clone());
            self.add_implicit_context(&k)?;
        }
        let v_item = self.next()?;
        let (val, typ) = self.value(&v_item, false)?;
        let key = self.current_key.clone();
        self.set_value(&key, val)?;
        self.set_type(&key, typ);
        Ok(())
    }

    fn key_part(&mut self, it: &Item) -> PResult<String> {
        match it.typ {
            ItemType::Text => Ok(it.val.clone()),
            ItemType::String
            | ItemType::MultilineString
            | ItemType::RawString
            | ItemType::RawMultilineString => match self.value(it, false)?.0 {
                GoVal::Str(s) => Ok(s),
                _ => Err(Self::bug("Unexpected key type")),
            },
            t => Err(Self::bug(&format!("Unexpected key type: {t:?}"))),
        }
    }

    fn value(&mut self, it: &Item, parent_is_array: bool) -> PResult<(GoVal, TType)> {
        let s = |v: String| Ok((GoVal::Str(v), TType::Other));
        match it.typ {
            ItemType::String => s(self.replace_escapes(it, &it.val)?),
            ItemType::MultilineString => {
                let stripped = strip_escaped_newlines(strip_first_newline(&it.val));
                s(self.replace_escapes(it, &stripped)?)
            }
            ItemType::RawString => s(it.val.clone()),
            ItemType::RawMultilineString => s(strip_first_newline(&it.val).to_string()),
            ItemType::Integer => self.value_integer(it),
            ItemType::Float => self.value_float(it),
            ItemType::Bool => match it.val.as_str() {
                "true" => Ok((GoVal::Bool(true), TType::Other)),
                "false" => Ok((GoVal::Bool(false), TType::Other)),
                v => Err(Self::bug(&format!(
                    "Expected boolean value, but got '{v}'."
                ))),
            },
            ItemType::Datetime => self.value_datetime(it),
            ItemType::Array => self.nested(|p| p.value_array()),
            ItemType::InlineTableStart => self.nested(|p| p.value_inline_table(parent_is_array)),
            t => Err(Self::bug(&format!("Unexpected value type: {t:?}"))),
        }
    }

    /// Arrays and inline tables nest through here; see [`MAX_DEPTH`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> PResult<(GoVal, TType)>,
    ) -> PResult<(GoVal, TType)> {
        if self.depth >= MAX_DEPTH {
            return Err(Fail::Bug(too_deep()));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn value_integer(&mut self, it: &Item) -> PResult<(GoVal, TType)> {
        let v = &it.val;
        if !num_underscores_ok(v) {
            return Err(self.fail(
                it.line,
                format!(
                    "Invalid integer {}: underscores must be surrounded by digits",
                    quote_str(v)
                ),
            ));
        }
        if num_has_leading_zero(v) {
            return Err(self.fail(
                it.line,
                format!(
                    "Invalid integer {}: cannot have leading zeroes",
                    quote_str(v)
                ),
            ));
        }
        match parse_go_int(v) {
            Some(Ok(n)) => Ok((GoVal::Int(n), TType::Other)),
            Some(Err(())) => Err(self.fail(it.line, format!("{v} is out of range for int64"))),
            None => Err(Self::bug(&format!(
                "Expected integer value, but got '{v}'."
            ))),
        }
    }

    fn value_float(&mut self, it: &Item) -> PResult<(GoVal, TType)> {
        let v = &it.val;
        let parts: Vec<&str> = v.split(['.', 'e', 'E']).filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| !num_underscores_ok(p)) {
            return Err(self.fail(
                it.line,
                format!(
                    "Invalid float {}: underscores must be surrounded by digits",
                    quote_str(v)
                ),
            ));
        }
        if parts.first().is_some_and(|p| num_has_leading_zero(p)) {
            return Err(self.fail(
                it.line,
                format!("Invalid float {}: cannot have leading zeroes", quote_str(v)),
            ));
        }
        if !num_periods_ok(v) {
            return Err(self.fail(
                it.line,
                format!(
                    "Invalid float {}: '.' must be followed by one or more digits",
                    quote_str(v)
                ),
            ));
        }
        let mut val = v.replace('_', "");
        let mut negative_nan = false;
        if val == "+nan" || val == "-nan" {
            negative_nan = val == "-nan";
            val = "nan".to_string();
        }
        match parse_go_float(&val) {
            Some(f) if f.is_infinite() && !val.contains("inf") => {
                Err(self.fail(it.line, format!("{v} is out of range for float64")))
            }
            Some(f) => {
                let f = if negative_nan { -f64::NAN.abs() } else { f };
                Ok((GoVal::Float(f), TType::Other))
            }
            None => Err(self.fail(it.line, format!("Invalid float value: {}", quote_str(v)))),
        }
    }

    fn value_datetime(&mut self, it: &Item) -> PResult<(GoVal, TType)> {
        let val: String = it
            .val
            .chars()
            .map(|c| match c {
                'z' => 'Z',
                't' | ' ' => 'T',
                c => c,
            })
            .collect();
        for (layout, local) in DATETIME_LAYOUTS {
            let parsed = match local {
                None => GoTime::parse_in_local(layout, &val),
                Some(zone) => {
                    GoTime::parse(layout, &val).map(|t| t.in_location(&Location::fixed(zone, 0)))
                }
            };
            if let Ok(t) = parsed {
                if missing_leading_zero(&val, layout) {
                    break;
                }
                return Ok((GoVal::Time(t), TType::Other));
            }
        }
        Err(self.fail(it.line, format!("invalid datetime: {}", quote_str(&val))))
    }

    fn value_array(&mut self) -> PResult<(GoVal, TType)> {
        let key = self.current_key.clone();
        self.set_type(&key, TType::Array);
        let mut array = Vec::new();
        loop {
            let it = self.next()?;
            match it.typ {
                ItemType::ArrayEnd => break,
                ItemType::CommentStart => {
                    self.expect(ItemType::Text)?;
                }
                _ => array.push(self.value(&it, true)?.0),
            }
        }
        Ok((GoVal::Arr(array), TType::Array))
    }

    fn value_inline_table(&mut self, parent_is_array: bool) -> PResult<(GoVal, TType)> {
        let top = self.new_map();
        let outer_context = self.context.clone();
        let outer_key = std::mem::take(&mut self.current_key);
        self.context.push(outer_key.clone());
        let prev_context = self.context.clone();
        let ctx = self.context.clone();
        self.add_implicit(&ctx);
        self.add_context(&ctx, parent_is_array)?;
        loop {
            let it = self.next()?;
            match it.typ {
                ItemType::InlineTableEnd => break,
                ItemType::CommentStart => {
                    self.expect(ItemType::Text)?;
                    continue;
                }
                _ => {}
            }
            let key = self.read_key(ItemType::KeyEnd)?;
            let Some((last, parents)) = key.split_last() else {
                return Err(Self::bug("empty key"));
            };
            self.current_key = last.clone();
            for part in parents {
                let mut k = self.context.clone();
                k.push(part.clone());
                self.add_implicit_context(&k)?;
            }
            let v_item = self.next()?;
            let (val, typ) = self.value(&v_item, false)?;
            let ck = self.current_key.clone();
            self.set_value(&ck, val.clone())?;
            self.set_type(&ck, typ);
            let mut hash = top;
            for part in parents {
                let next = match self.maps[hash].get(part) {
                    Some(GoVal::Map(id)) => *id,
                    Some(_) => {
                        let line = self.pos_line;
                        return Err(self.fail(
                            line,
                            format!("{} is not a table", quote_str(&key_string(&self.context))),
                        ));
                    }
                    None => {
                        let id = self.new_map();
                        self.maps[hash].insert(part.clone(), GoVal::Map(id));
                        id
                    }
                };
                hash = next;
            }
            self.maps[hash].insert(ck, val);
            self.context = prev_context.clone();
        }
        self.context = outer_context;
        self.current_key = outer_key;
        Ok((GoVal::Map(top), TType::Hash))
    }

    fn new_map(&mut self) -> MapId {
        self.maps.push(BTreeMap::new());
        self.maps.len() - 1
    }

    /// Makes `key` the current table (`[key]`) or a new element of an array of tables
    /// (`[[key]]`), creating implicit parent tables.
    fn add_context(&mut self, key: &[String], array: bool) -> PResult<()> {
        let Some((last, parents)) = key.split_last() else {
            return Err(Self::bug("empty table name"));
        };
        let mut hash = 0;
        let mut key_context = Vec::new();
        for k in parents {
            key_context.push(k.clone());
            if !self.maps[hash].contains_key(k) {
                self.add_implicit(&key_context);
                let id = self.new_map();
                self.maps[hash].insert(k.clone(), GoVal::Map(id));
            }
            hash = match self.maps[hash].get(k) {
                Some(GoVal::MapSlice(ids)) => *ids.last().unwrap_or(&0),
                Some(GoVal::Map(id)) => *id,
                _ => {
                    let line = self.pos_line;
                    return Err(self.fail(
                        line,
                        format!(
                            "Key '{}' was already created as a hash.",
                            key_string(&key_context)
                        ),
                    ));
                }
            };
        }
        self.context = key_context;
        if array {
            if !self.maps[hash].contains_key(last) {
                self.maps[hash].insert(last.clone(), GoVal::MapSlice(Vec::new()));
            }
            let id = self.new_map();
            match self.maps[hash].get_mut(last) {
                Some(GoVal::MapSlice(ids)) => ids.push(id),
                _ => {
                    let line = self.pos_line;
                    return Err(self.fail(
                        line,
                        format!(
                            "Key '{}' was already created and cannot be used as an array.",
                            key_string(key)
                        ),
                    ));
                }
            }
        } else {
            let id = self.new_map();
            self.set_value(last, GoVal::Map(id))?;
        }
        self.context.push(last.clone());
        Ok(())
    }

    /// Stores `value` under `key` in the current table. A key that only exists implicitly
    /// (as a parent of dotted keys or tables, or as the placeholder an inline table inside an
    /// array leaves behind) may be defined once more: an array value replaces it, anything
    /// else keeps the existing table and is dropped, as the library does.
    fn set_value(&mut self, key: &str, value: GoVal) -> PResult<()> {
        let mut hash = 0;
        let mut key_context: Vec<String> = Vec::new();
        for k in self.context.clone() {
            key_context.push(k.clone());
            hash = match self.maps[hash].get(&k) {
                None => {
                    return Err(Self::bug(&format!(
                        "Context for key '{}' has not been established.",
                        key_string(&key_context)
                    )));
                }
                Some(GoVal::MapSlice(ids)) => *ids.last().unwrap_or(&0),
                Some(GoVal::Map(id)) => *id,
                Some(_) => {
                    let line = self.pos_line;
                    return Err(self.fail(
                        line,
                        format!(
                            "Key '{}' has already been defined.",
                            key_string(&key_context)
                        ),
                    ));
                }
            };
        }
        key_context.push(key.to_string());
        if self.maps[hash].contains_key(key) {
            if self.is_implicit(&key_context) {
                self.remove_implicit(&key_context);
                if self.is_array(&key_context) {
                    self.maps[hash].insert(key.to_string(), value);
                }
                return Ok(());
            }
            let line = self.pos_line;
            return Err(self.fail(
                line,
                format!(
                    "Key '{}' has already been defined.",
                    key_string(&key_context)
                ),
            ));
        }
        self.maps[hash].insert(key.to_string(), value);
        Ok(())
    }

    fn set_type(&mut self, key: &str, typ: TType) {
        let mut kc = self.context.clone();
        if !key.is_empty() {
            kc.push(key.to_string());
        }
        if kc.is_empty() {
            kc.push(String::new());
        }
        self.key_info.insert(key_string(&kc), typ);
    }

    fn add_implicit(&mut self, key: &[String]) {
        self.implicits.insert(key_string(key));
    }
    fn remove_implicit(&mut self, key: &[String]) {
        self.implicits.remove(&key_string(key));
    }
    fn is_implicit(&self, key: &[String]) -> bool {
        self.implicits.contains(&key_string(key))
    }
    fn is_array(&self, key: &[String]) -> bool {
        self.key_info.get(&key_string(key)) == Some(&TType::Array)
    }
    fn add_implicit_context(&mut self, key: &[String]) -> PResult<()> {
        self.add_implicit(key);
        self.add_context(key, false)
    }

    fn replace_escapes(&self, it: &Item, s: &str) -> PResult<String> {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let rest = &s[i + 1..];
            let Some(e) = rest.chars().next() else {
                return Err(Self::bug("Escape sequence at end of string."));
            };
            let (ch, skip) = match e {
                ' ' | '\t' => {
                    return Err(self.fail(it.line, format!("invalid escape: '\\{e}'")));
                }
                'b' => ('\u{8}', 1),
                't' => ('\t', 1),
                'n' => ('\n', 1),
                'f' => ('\u{c}', 1),
                'r' => ('\r', 1),
                'e' => ('\u{1b}', 1),
                '"' => ('"', 1),
                '\\' => ('\\', 1),
                'x' => (self.hex_escape(it, rest.get(1..3).unwrap_or(""))?, 3),
                'u' => (self.hex_escape(it, rest.get(1..5).unwrap_or(""))?, 5),
                'U' => (self.hex_escape(it, rest.get(1..9).unwrap_or(""))?, 9),
                c => {
                    return Err(Self::bug(&format!(
                        "Expected valid escape code after \\, but got {}.",
                        quote_rune(c)
                    )));
                }
            };
            out.push(ch);
            for _ in 0..skip {
                chars.next();
            }
        }
        Ok(out)
    }

    fn hex_escape(&self, it: &Item, digits: &str) -> PResult<char> {
        let Ok(n) = u32::from_str_radix(digits, 16) else {
            return Err(Self::bug(&format!(
                "Could not parse '{digits}' as a hexadecimal number, but the lexer claims it's OK"
            )));
        };
        char::from_u32(n).ok_or_else(|| {
            self.fail(
                it.line,
                format!("Escaped character '\\u{digits}' is not valid UTF-8."),
            )
        })
    }
}

fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix('\n')
        .or_else(|| s.strip_prefix("\r\n"))
        .unwrap_or(s)
}

/// Removes a line-ending backslash and all whitespace after it in multi-line strings; other
/// backslashes are left for escape processing.
fn strip_escaped_newlines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut s = s;
    let mut i = 0;
    loop {
        let Some(ix) = s[i..].find('\\') else {
            out.push_str(s);
            return out;
        };
        i += ix;
        let b = s.as_bytes();
        if b.get(i + 1) == Some(&b'\\') {
            i += 2;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
            j += 1;
        }
        if j == i + 1 || !s[i..j].contains('\n') {
            i += 1;
            continue;
        }
        out.push_str(&s[..i]);
        s = &s[j..];
        i = 0;
    }
}

fn num_has_leading_zero(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() > 1 && b[0] == b'0' && !matches!(b[1], b'b' | b'o' | b'x'))
        || (b.len() > 2 && (b[0] == b'-' || b[0] == b'+') && b[1] == b'0')
}

fn num_underscores_ok(s: &str) -> bool {
    if matches!(s, "nan" | "+nan" | "-nan" | "inf" | "-inf" | "+inf") {
        return true;
    }
    let mut accept = false;
    for c in s.chars() {
        if c == '_' && !accept {
            return false;
        }
        accept = is_hex(c);
    }
    accept
}

fn num_periods_ok(s: &str) -> bool {
    let mut period = false;
    for c in s.chars() {
        if period && !is_digit(c) {
            return false;
        }
        period = c == '.';
    }
    !period
}

/// Go's `strconv.ParseInt(s, 0, 64)` for what the lexer lets through: `None` for a syntax
/// error, `Some(Err)` when out of range.
fn parse_go_int(s: &str) -> Option<Result<i64, ()>> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.get(..2) {
        Some("0x" | "0X") => (16, &body[2..]),
        Some("0o" | "0O") => (8, &body[2..]),
        Some("0b" | "0B") => (2, &body[2..]),
        _ => (10, body),
    };
    let digits = digits.replace('_', "");
    if digits.is_empty() {
        return None;
    }
    let mut n: u128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        n = n * u128::from(radix) + u128::from(d);
        if n > 1 << 64 {
            n = 1 << 64;
        }
    }
    let limit: u128 = if negative { 1 << 63 } else { (1 << 63) - 1 };
    if n > limit {
        return Some(Err(()));
    }
    let n = n as i128;
    Some(Ok((if negative { -n } else { n }) as i64))
}

/// Go's `strconv.ParseFloat(s, 64)` for what the lexer lets through (digits, `.`, signs,
/// exponents, `inf`, `nan`).
fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.trim_start_matches(['+', '-']);
    if s.len() - body.len() > 1 {
        return None;
    }
    match body {
        "inf" | "nan" => {}
        _ if body.starts_with(|c: char| c.is_ascii_digit() || c == '.') => {}
        _ => return None,
    }
    s.parse::<f64>().ok()
}

/// Go's time parsing accepts single-digit fields the layout pads; the library rejects those by
/// checking that the separators sit where the layout has them.
fn missing_leading_zero(d: &str, layout: &str) -> bool {
    let d = d.as_bytes();
    for (i, &c) in layout.as_bytes().iter().enumerate() {
        if c == b'.' || c == b'Z' {
            return false;
        }
        if !c.is_ascii_digit() && d.get(i) != Some(&c) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::exec::render_snippet;

    /// Renders each template with `.Values` as Helm sets it and compares with the bytes Helm
    /// v4.2.3 produced for the same template and values (for template errors, the message
    /// after `error calling `, which Helm words the same way).
    fn check(cases: &[(&str, &str, Result<&str, &str>)]) {
        let mut r = Registry::new();
        register(&mut r);
        for (template, values, want) in cases {
            let values: serde_json::Value = serde_json::from_str(values).expect("values");
            let data = Value::from_json(&serde_json::json!({ "Values": values }));
            match (render_snippet(&r, "t", template, &data), want) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want, "{template}"),
                (Err(got), Err(want)) => assert!(
                    got.ends_with(&format!("error calling {want}")),
                    "{template}: {got}"
                ),
                (got, want) => panic!("{template}: got {got:?}, Helm gave {want:?}"),
            }
        }
    }

    /// Values read from YAML are float64 maps and lists; plain keys come first, then tables and
    /// arrays of tables, each group in key order, with two spaces of indentation per level.
    #[test]
    fn values_from_yaml_encode_as_float64_with_plain_keys_before_tables() {
        check(&[
            (
                "{{ toToml .Values }}",
                "{\"a\": 1, \"b\": \"x\", \"c\": {\"d\": 2.5, \"e\": [1, 2]}, \"f\": [{\"g\": 1}, {\"g\": 2}], \"z\": true}",
                Ok(
                    "a = 1.0\nb = \"x\"\nz = true\n\n[c]\n  d = 2.5\n  e = [1.0, 2.0]\n\n[[f]]\n  g = 1.0\n\n[[f]]\n  g = 2.0\n",
                ),
            ),
            (
                "{{ toToml .Values }}",
                "{\"z\": 1, \"a\": {\"b\": 1}, \"m\": [{\"x\": 1}], \"c\": [1]}",
                Ok("c = [1.0]\nz = 1.0\n\n[a]\n  b = 1.0\n\n[[m]]\n  x = 1.0\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": {\"b\": {\"c\": {\"d\": 1}, \"e\": 2}, \"f\": [{\"g\": {\"h\": 1}}]}}",
                Ok(
                    "[a]\n  [a.b]\n    e = 2.0\n    [a.b.c]\n      d = 1.0\n\n  [[a.f]]\n    [a.f.g]\n      h = 1.0\n",
                ),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [{\"b\": 1, \"c\": {\"d\": 2}, \"e\": [1, 2], \"f\": [{\"g\": 1}]}]}",
                Ok(
                    "[[a]]\n  b = 1.0\n  e = [1.0, 2.0]\n  [a.c]\n    d = 2.0\n\n  [[a.f]]\n    g = 1.0\n",
                ),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": {}, \"b\": [], \"c\": {\"d\": {}}}",
                Ok("b = []\n\n[a]\n\n[c]\n  [c.d]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"x\": [{\"a\": 1}, {\"b\": {\"c\": 2}}, {}]}",
                Ok("[[x]]\n  a = 1.0\n\n[[x]]\n  [x.b]\n    c = 2.0\n\n[[x]]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"B\": 1, \"a\": 2, \"_\": 3, \"-\": 4, \"0\": 5, \"~\": 6}",
                Ok("- = 4.0\n0 = 5.0\nB = 1.0\n_ = 3.0\na = 2.0\n\"~\" = 6.0\n"),
            ),
            ("{{ toToml .Values }}", "{}", Ok("")),
        ]);
    }

    /// Floats use Go's shortest form (`1e+06` from six digits on), with `.0` added when there is
    /// neither a point nor an exponent; infinities and NaN keep their sign.
    #[test]
    fn floats_print_as_go_prints_them_with_a_decimal_point_added() {
        check(&[
            (
                "{{ toToml .Values }}",
                "{\"a\": 123456789.0, \"b\": 1.5e+300, \"c\": 0.0001, \"d\": 1e-05, \"e\": 100000.0, \"f\": 1e+20, \"g\": 12345678.9, \"h\": 0.1, \"i\": -2.0, \"j\": 1000000000000000.0, \"k\": 123456.0, \"l\": 1234567.0}",
                Ok(
                    "a = 1.23456789e+08\nb = 1.5e+300\nc = 0.0001\nd = 1e-05\ne = 100000.0\nf = 1e+20\ng = 1.23456789e+07\nh = 0.1\ni = -2.0\nj = 1e+15\nk = 123456.0\nl = 1.234567e+06\n",
                ),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": 5e-324, \"b\": 1.7976931348623157e+308, \"c\": 0.30000000000000004, \"d\": 612887938274806.2, \"e\": -0.0, \"f\": 0}",
                Ok(
                    "a = 5e-324\nb = 1.7976931348623157e+308\nc = 0.30000000000000004\nd = 6.128879382748062e+14\ne = -0.0\nf = 0.0\n",
                ),
            ),
            (
                "{{ toToml (fromToml \"x = nan\\ny = -nan\\nz = inf\\nw = -inf\") }}",
                "{}",
                Ok("w = -inf\nx = nan\ny = -nan\nz = inf\n"),
            ),
            (
                "{{ toToml 2.5 }} {{ toToml 3.0 }} {{ toToml 1e6 }}",
                "{}",
                Ok("2.5 3.0 1e+06"),
            ),
        ]);
    }

    /// Keys outside `A-Za-z0-9_-` are quoted, in headers too; strings escape quotes, backslashes and
    /// every control character, and keep other characters as they are.
    #[test]
    fn keys_and_strings_are_quoted_and_escaped_like_the_library() {
        check(&[
            (
                "{{ toToml .Values }}",
                "{\"a b\": {\"c.d\": {\"\": 1}}}",
                Ok("[\"a b\"]\n  [\"a b\".\"c.d\"]\n    \"\" = 1.0\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"k\\\"q\": 1, \"k\\\\b\": 2, \"k\\nn\": 3, \"tab\\t\": 4, \"ü\": 5, \"A-Z_09\": 6, \" \": 7}",
                Ok(
                    "\" \" = 7.0\nA-Z_09 = 6.0\n\"k\\nn\" = 3.0\n\"k\\\"q\" = 1.0\n\"k\\\\b\" = 2.0\n\"tab\\t\" = 4.0\n\"ü\" = 5.0\n",
                ),
            ),
            (
                "{{ toToml .Values }}",
                "{\"x\": {\"a b\": {\"c\": 1}, \"d\\\"e\": [{\"f\": 1}]}}",
                Ok("[x]\n  [x.\"a b\"]\n    c = 1.0\n\n  [[x.\"d\\\"e\"]]\n    f = 1.0\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"s\": \"a\\\"b\\\\c\\n\\t\\u0001\u{7f}é\"}",
                Ok("s = \"a\\\"b\\\\c\\n\\t\\u0001\\u007fé\"\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"s\": \"\\u0000\\b\\u000b\\f\\u000e\\u001f ~  ﻿😀\"}",
                Ok("s = \"\\u0000\\b\\u000b\\f\\u000e\\u001f ~  ﻿😀\"\n"),
            ),
            ("{{ toToml \"s\" }}", "{}", Ok("\"s\"")),
        ]);
    }

    /// A nil map value is skipped (an inline table keeps the comma it had written); a nil array
    /// element makes the encoder fail, and Helm prints its error in place of the document.
    #[test]
    fn nil_values_are_left_out_but_nil_array_elements_fail() {
        check(&[
            (
                "{{ toToml .Values }}",
                "{\"a\": null, \"b\": {\"c\": null}}",
                Ok("[b]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [{\"b\": null}, {\"c\": 1}]}",
                Ok("[[a]]\n\n[[a]]\n  c = 1.0\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [null]}",
                Ok("toml: cannot encode array with nil element"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [1, [null]]}",
                Ok("toml: cannot encode array with nil element"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [{\"x\": null, \"y\": [1, {\"z\": null}]}]}",
                Ok("[[a]]\n  y = [1.0, {}]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"l\": [{\"a\": 1, \"b\": null}, 2]}",
                Ok("l = [{a = 1.0, }, 2.0]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"l\": [{\"a\": 1, \"b\": null, \"c\": {\"d\": 1}}, 2]}",
                Ok("l = [{a = 1.0, c = {d = 1.0}}, 2.0]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"l\": [[{\"a\": null}]]}",
                Ok("l = [[{}]]\n"),
            ),
        ]);
    }

    /// Arrays may mix types; an array that is not all tables is written inline, with its tables as
    /// inline tables.
    #[test]
    fn arrays_mix_types_and_hold_inline_tables() {
        check(&[
            (
                "{{ toToml .Values }}",
                "{\"a\": [{\"x\": 1}, 2]}",
                Ok("a = [{x = 1.0}, 2.0]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [[{\"x\": 1}]], \"b\": [[1, 2], [\"a\"]]}",
                Ok("a = [[{x = 1.0}]]\nb = [[1.0, 2.0], [\"a\"]]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [1, 2.5, \"s\", true, [], {}]}",
                Ok("a = [1.0, 2.5, \"s\", true, [], {}]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"l\": [1, {\"a\": 1, \"c\": {\"d\": 1}, \"e\": [{\"f\": 1}]}]}",
                Ok("l = [1.0, {a = 1.0, c = {d = 1.0}, e = [{f = 1.0}]}]\n"),
            ),
            (
                "{{ toToml .Values }}",
                "{\"a\": [{}, {}]}",
                Ok("[[a]]\n\n[[a]]\n"),
            ),
        ]);
    }

    /// A scalar or an inline array is written bare; an array of tables at the top has no key and
    /// fails with the library's error.
    #[test]
    fn top_level_values_other_than_tables() {
        check(&[
            (
                "{{ toToml 3 }}|{{ toToml true }}|{{ toToml .Values.l }}",
                "{\"l\": [1, \"a\"]}",
                Ok("3|true|[1.0, \"a\"]"),
            ),
            (
                "{{ toToml .Values.l }}",
                "{\"l\": [{\"a\": 1}]}",
                Ok("toml: top-level values must be Go maps or structs"),
            ),
            ("{{ toToml .Values.l }}", "{\"l\": []}", Ok("[]")),
            (
                "{{ toToml .Values.l }}",
                "{\"l\": [{\"a\": 1}, null]}",
                Ok("toml: cannot encode array with nil element"),
            ),
            (
                "{{ toToml nil }}",
                "{}",
                Err("toToml: reflect: call of reflect.Value.Type on zero Value"),
            ),
            (
                "{{ toToml .Values.missing }}",
                "{\"a\": 1}",
                Err("toToml: reflect: call of reflect.Value.Type on zero Value"),
            ),
        ]);
    }

    /// What `fromToml` returns encodes back: `int64` integers without a point, offset date-times in
    /// RFC 3339 and local dates and times in their own forms.
    #[test]
    fn times_and_int64_from_toml_encode_in_toml_form() {
        check(&[
            (
                "{{ toToml (fromToml \"a = 1979-05-27T07:32:00+00:00\\nb = 1979-05-27\\nc = 07:32:00.123\\nd = 1979-05-27T07:32:00.5\\ne = 1979-05-27T07:32:00+01:30\\nf = 1979-05-27T07:32:00Z\\ng = [1979-05-27, 07:32:00]\\nh = {i = 1979-05-27T07:32:00}\") }}",
                "{}",
                Ok(
                    "a = 1979-05-27T07:32:00Z\nb = 1979-05-27\nc = 07:32:00.123\nd = 1979-05-27T07:32:00.5\ne = 1979-05-27T07:32:00+01:30\nf = 1979-05-27T07:32:00Z\ng = [1979-05-27, 07:32:00]\n\n[h]\n  i = 1979-05-27T07:32:00\n",
                ),
            ),
            (
                "{{ toToml (fromToml \"i = 9223372036854775807\\nj = -9223372036854775808\\nk = [1, 2]\") }}",
                "{}",
                Ok("i = 9223372036854775807\nj = -9223372036854775808\nk = [1, 2]\n"),
            ),
            (
                "{{ toToml (fromToml \"[[a]]\\nb = 1\\n[[a]]\\n[a.c]\\nd = 2\") }}",
                "{}",
                Ok("[[a]]\n  b = 1\n\n[[a]]\n  [a.c]\n    d = 2\n"),
            ),
        ]);
    }

    /// Integers are `int64`, floats `float64`, tables `map[string]interface {}`, arrays
    /// `[]interface {}` and dates and times `time.Time`.
    #[test]
    fn decoded_values_have_the_go_types_helm_sees() {
        check(&[(
            "{{ range $k, $v := fromToml \"a = 1\\nb = 1.5\\nc = 's'\\nd = true\\ne = 1979-05-27\\nf = [1]\\ng = {}\" }}{{ $k }}={{ printf \"%T\" $v }};{{ end }}",
            "{}",
            Ok(
                "a=int64;b=float64;c=string;d=bool;e=time.Time;f=[]interface {};g=map[string]interface {};",
            ),
        )]);
    }

    /// Decimal, hexadecimal, octal and binary integers with underscores; floats with exponents,
    /// `inf` and `nan`.
    #[test]
    fn numbers_decode_from_every_toml_form() {
        check(&[
            (
                "{{ fromToml \"int1 = +99\\nint4 = -17\\nint5 = 1_000\\nhex1 = 0xDEADBEEF\\nhex3 = 0xdead_beef\\noct1 = 0o01234567\\nbin1 = 0b11010110\" }}",
                "{}",
                Ok(
                    "map[bin1:214 hex1:3735928559 hex3:3735928559 int1:99 int4:-17 int5:1000 oct1:342391]",
                ),
            ),
            (
                "{{ fromToml \"flt1 = +1.0\\nflt3 = -0.01\\nflt4 = 5e+22\\nflt5 = 1e06\\nflt6 = -2E-2\\nflt8 = 224_617.445_991_228\\nsf1 = inf\\nsf3 = -inf\\nsf4 = nan\\nsf6 = -nan\\nz = -0.0\\nt = 1e-400\" }}",
                "{}",
                Ok(
                    "map[flt1:1 flt3:-0.01 flt4:5e+22 flt5:1e+06 flt6:-0.02 flt8:224617.445991228 sf1:+Inf sf3:-Inf sf4:NaN sf6:NaN t:0 z:-0]",
                ),
            ),
        ]);
    }

    /// Basic strings with escapes (TOML 1.1's `\e` and `\xHH` included), literal strings, and
    /// multi-line strings with their first newline and line-ending backslashes removed.
    #[test]
    fn strings_decode_from_every_toml_form() {
        check(&[
            (
                "{{ fromToml \"a = \\\"\\\\b\\\\t\\\\\\\"\\\\\\\\\\\\u00e9\\\\U0001F600\\\\e\\\\x41\\\"\\nb = 'C:\\\\x'\" | printf \"%q\" }}",
                "{}",
                Ok("map[\"a\":\"\\b\\t\\\"\\\\é😀\\x1bA\" \"b\":\"C:\\\\x\"]"),
            ),
            (
                "{{ fromToml \"str2 = \\\"\\\"\\\"\\nThe quick brown \\\\\\n\\n\\n  fox jumps over \\\\\\n    the lazy dog.\\\"\\\"\\\"\\nlines = '''\\nraw\\n  kept\\n'''\" | printf \"%q\" }}",
                "{}",
                Ok(
                    "map[\"lines\":\"raw\\n  kept\\n\" \"str2\":\"The quick brown fox jumps over the lazy dog.\"]",
                ),
            ),
            (
                "{{ fromToml \"a = \\\"\\\"\\\"a\\\"\\\"\\\"\\\"\\\"\\nb = '''it's'''\\nc = '''a'''''\" }}",
                "{}",
                Ok("map[a:a\"\" b:it's c:a'']"),
            ),
        ]);
    }

    /// Offset date-times keep their offset (UTC and `+00:00` print as UTC); local ones are in the
    /// library's `datetime-local`, `date-local` and `time-local` zones; seconds are optional.
    #[test]
    fn dates_and_times_decode_to_go_times_in_the_library_zones() {
        check(&[
            (
                "{{ $m := fromToml \"d = 1979-05-27T07:32:00Z\\ne = 1979-05-27\\nf = 07:32:00\\ng = 1979-05-27T07:32:00.5\\nh = 1979-05-27T07:32:00-07:00\\ni = 1979-05-27 07:32\\nj = 1979-05-27t07:32:00z\\nk = 1979-05-27T07:32:00+00:00\" }}{{ range $k, $v := $m }}{{ $k }}: {{ $v }}\n{{ end }}",
                "{}",
                Ok(
                    "d: 1979-05-27 07:32:00 +0000 UTC\ne: 1979-05-27 00:00:00 +0000 date-local\nf: 0000-01-01 07:32:00 +0000 time-local\ng: 1979-05-27 07:32:00.5 +0000 datetime-local\nh: 1979-05-27 07:32:00 -0700 -0700\ni: 1979-05-27 07:32:00 +0000 datetime-local\nj: 1979-05-27 07:32:00 +0000 UTC\nk: 1979-05-27 07:32:00 +0000 UTC\n",
                ),
            ),
            (
                "{{ fromToml \"a = 1979-05-27T07:32:00.123456789123\\nb = 07:32\\nc = 2000-02-29\" }}",
                "{}",
                Ok(
                    "map[a:1979-05-27 07:32:00.123456789 +0000 datetime-local b:0000-01-01 07:32:00 +0000 time-local c:2000-02-29 00:00:00 +0000 date-local]",
                ),
            ),
            (
                "{{ fromToml \"a = 1979-02-30\" }}|{{ fromToml \"a = 1979-1-01\" }}|{{ fromToml \"a = 07:32:00Z\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): invalid datetime: \"1979-02-30\"]|map[Error:toml: line 1 (last key \"a\"): invalid datetime: \"1979-1-01\"]|map[Error:toml: line 1 (last key \"a\"): invalid datetime: \"07:32:00Z\"]",
                ),
            ),
        ]);
    }

    /// Tables, dotted keys, quoted keys, arrays of tables and inline tables (TOML 1.1 lets inline
    /// tables span lines and end with a comma).
    #[test]
    fn tables_arrays_of_tables_and_inline_tables_decode() {
        check(&[
            (
                "{{ fromToml \"[[fruits]]\\nname = 'apple'\\n[fruits.physical]\\ncolor = 'red'\\n[[fruits.varieties]]\\nname = 'red delicious'\\n[[fruits]]\\nname = 'banana'\" }}",
                "{}",
                Ok(
                    "map[fruits:[map[name:apple physical:map[color:red] varieties:[map[name:red delicious]]] map[name:banana]]]",
                ),
            ),
            (
                "{{ fromToml \"name = { first = 'Tom', last = 'P' }\\nanimal = { type.name = 'pug' }\\n[dog.\\\"tater.man\\\"]\\ntype.name = 'pug'\" }}",
                "{}",
                Ok(
                    "map[animal:map[type:map[name:pug]] dog:map[tater.man:map[type:map[name:pug]]] name:map[first:Tom last:P]]",
                ),
            ),
            (
                "{{ fromToml \"a = {x = 1,\\n y = 2, # c\\n}\\nb = [\\n1,\\n2,\\n]\\n'' = 3\\n\\\"\\\" = 4\" }}",
                "{}",
                Ok("map[Error:toml: line 9: Key '\"\"' has already been defined.]"),
            ),
            (
                "{{ fromToml \"\\ufeffa = 1 # c\\r\\n[t]\\r\\nb = 2\" }}",
                "{}",
                Ok("map[a:1 t:map[b:2]]"),
            ),
        ]);
    }

    /// Malformed documents give a map holding only `Error`, with the library's message, the line
    /// and the last key it read.
    #[test]
    fn parse_errors_report_the_line_and_last_key() {
        check(&[
            (
                "{{ fromToml \"a = 1\\na = 2\" }}",
                "{}",
                Ok("map[Error:toml: line 2 (last key \"a\"): Key 'a' has already been defined.]"),
            ),
            (
                "{{ fromToml \"a = \" }}",
                "{}",
                Ok("map[Error:toml: line 1 (last key \"a\"): unexpected EOF; expected value]"),
            ),
            (
                "{{ fromToml \"a = \\\"abc\" }}",
                "{}",
                Ok("map[Error:toml: line 1 (last key \"a\"): unexpected EOF; expected '\"']"),
            ),
            (
                "{{ fromToml \"a = \\\"\\\"\\\"abc\\n\\n\" }}",
                "{}",
                Ok("map[Error:toml: line 2 (last key \"a\"): unexpected EOF; expected '\"\"\"']"),
            ),
            (
                "{{ fromToml \"a = \\\"ab\\ncd\\\"\" }}",
                "{}",
                Ok("map[Error:toml: line 1 (last key \"a\"): strings cannot contain newlines]"),
            ),
            (
                "{{ fromToml \"a = \\\"\\\\q\\\"\" }}",
                "{}",
                Ok("map[Error:toml: line 1 (last key \"a\"): invalid escape in string '\\q']"),
            ),
            (
                "{{ fromToml \"a = \\\"\\\\u12\\\"\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): expected four hexadecimal digits after '\\u', but got \"\\\\u12\\\"\" instead]",
                ),
            ),
            (
                "{{ fromToml \"a = \\\"\\\\uD800\\\"\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): Escaped character '\\uD800' is not valid UTF-8.]",
                ),
            ),
            (
                "{{ fromToml \"a = \\\"\\\\\" | printf \"%q\" }}",
                "{}",
                Ok(
                    "map[\"Error\":\"toml: line 0 (last key \\\"a\\\"): invalid escape in string '\\\\\\x00'\"]",
                ),
            ),
            (
                "{{ fromToml \"a = foo\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): expected value but found \"foo\" instead]",
                ),
            ),
            (
                "{{ fromToml \"a = 1 b = 2\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1: expected a top-level item to end with a newline, comment, or EOF, but got 'b' instead]",
                ),
            ),
            (
                "{{ fromToml \"a\\n\" }}|{{ fromToml \"a\\r\\nb\" }}|{{ fromToml \"x = 1\\na = \\n\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1: expected '.' or '=', but got '\\n' instead]|map[Error:toml: line 1: expected '.' or '=', but got '\\r' instead]|map[Error:toml: line 2 (last key \"a\"): expected value but found '\\n' instead]",
                ),
            ),
            (
                "{{ fromToml \"[a\" | printf \"%q\" }}|{{ fromToml \"[a\\n\" }}|{{ fromToml \"[[a]\" | printf \"%q\" }}",
                "{}",
                Ok(
                    "map[\"Error\":\"toml: line 1: expected '.' or ']' to end table name, but got '\\\\x00' instead\"]|map[Error:toml: line 2: expected '.' or ']' to end table name, but got '\\n' instead]|map[\"Error\":\"toml: line 1: expected end of table array name delimiter ']', but got '\\\\x00' instead\"]",
                ),
            ),
            (
                "{{ fromToml \"a = 01\" }}|{{ fromToml \"a = 1__0\" }}|{{ fromToml \"a = 9223372036854775808\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): Invalid integer \"01\": cannot have leading zeroes]|map[Error:toml: line 1 (last key \"a\"): Invalid integer \"1__0\": underscores must be surrounded by digits]|map[Error:toml: line 1 (last key \"a\"): 9223372036854775808 is out of range for int64]",
                ),
            ),
            (
                "{{ fromToml \"a = 1.\" }}|{{ fromToml \"a = .5\" }}|{{ fromToml \"a = 1e400\" }}|{{ fromToml \"a = 1e\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): Invalid float \"1.\": '.' must be followed by one or more digits]|map[Error:toml: line 1 (last key \"a\"): floats must start with a digit, not '.']|map[Error:toml: line 1 (last key \"a\"): 1e400 is out of range for float64]|map[Error:toml: line 1 (last key \"a\"): Invalid float value: \"1e\"]",
                ),
            ),
            (
                "{{ fromToml \"a = +0x1\" }}|{{ fromToml \"a = 0o8\" }}|{{ fromToml \"a = -\" | printf \"%q\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): cannot use sign with non-decimal numbers: '+0x']|map[Error:toml: line 1 (last key \"a\"): not an octal number: '0o8']|map[\"Error\":\"toml: line 1 (last key \\\"a\\\"): expected a digit but got '\\\\x00'\"]",
                ),
            ),
            (
                "{{ fromToml \"a = [1 2]\" }}|{{ fromToml \"a = [1,,2]\" }}|{{ fromToml \"a = {b = 1 c = 2}\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): expected a comma (',') or array terminator (']'), but got '2']|map[Error:toml: line 1 (last key \"a\"): unexpected comma]|map[Error:toml: line 1 (last key \"a.b\"): expected a comma or an inline table terminator '}', but got 'c' instead]",
                ),
            ),
            (
                "{{ fromToml \"é = 1\" }}|{{ fromToml \"= 1\" }}|{{ fromToml \".a = 1\" }}|{{ fromToml \"[]\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1: expected '.' or '=', but got 'é' instead]|map[Error:toml: line 1: unexpected '=': key name appears blank]|map[Error:toml: line 1: unexpected '.': keys cannot start with a '.']|map[Error:toml: line 1: unexpected end of table name (table names cannot be empty)]",
                ),
            ),
            (
                "{{ fromToml \"a = \\\"x\\u0001\\\"\" }}|{{ fromToml \"a = 1\\r\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): TOML files cannot contain control characters: '0x01']|map[Error:toml: line 1 (last key \"a\"): TOML files cannot contain control characters: '0x0d']",
                ),
            ),
            (
                "{{ fromToml \"[\\\"a b\\\"]\\nc = 1\\nc = 2\" }}|{{ fromToml \"\\\"a.b\\\" = 1\\n\\\"a.b\\\" = 2\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 3 (last key \"\\\"a b\\\".c\"): Key '\"a b\".c' has already been defined.]|map[Error:toml: line 2 (last key \"a.b\"): Key '\"a.b\"' has already been defined.]",
                ),
            ),
            (
                "{{ fromToml \"a = \\\"\\\"\\\"a\\\"\\\"\\\"\\\"\\\"\\\"\" }}|{{ fromToml \"a = tru\" }}|{{ fromToml \"a = -i\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 1 (last key \"a\"): unexpected '\"\"\"\"\"\"']|map[Error:toml: line 1 (last key \"a\"): expected value but found \"tru\" instead]|map[Error:toml: line 1 (last key \"a\"): invalid float: '-i']",
                ),
            ),
        ]);
    }

    /// Tables may not be defined twice, nor arrays, nor a value turned into a table; but a table
    /// that only exists implicitly silently keeps its contents when a plain value is assigned to
    /// it, and is replaced by an array.
    #[test]
    fn redefinitions_follow_the_library() {
        check(&[
            (
                "{{ fromToml \"[a]\\n[a]\" }}|{{ fromToml \"[a]\\nb=1\\n[a.b]\" }}|{{ fromToml \"a = 1\\n[a]\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 2: Key 'a' has already been defined.]|map[Error:toml: line 3 (last key \"a\"): Key 'a.b' has already been defined.]|map[Error:toml: line 2: Key 'a' has already been defined.]",
                ),
            ),
            (
                "{{ fromToml \"a = [1]\\na = [2]\" }}|{{ fromToml \"a = [1]\\n[[a]]\" }}|{{ fromToml \"a = [{b=1}]\\n[a.b]\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 2 (last key \"a\"): Key 'a' has already been defined.]|map[Error:toml: line 2: Key 'a' was already created and cannot be used as an array.]|map[Error:toml: line 2: Key 'a' was already created as a hash.]",
                ),
            ),
            (
                "{{ fromToml \"a.b = 1\\na = 2\" }}|{{ fromToml \"a.b = 1\\na = [1]\" }}|{{ fromToml \"a = {b = 1}\\na.c = 2\" }}",
                "{}",
                Ok("map[a:map[b:1]]|map[a:[1]]|map[a:map[b:1 c:2]]"),
            ),
            (
                "{{ fromToml \"[[t.a]]\\n[t]\\na = [1]\" }}|{{ fromToml \"[[t.a]]\\nx=1\\n[t]\\na = [{b = 2}]\" }}",
                "{}",
                Ok(
                    "map[Error:toml: line 3 (last key \"t.a\"): Key 't.a' has already been defined.]|map[t:map[a:[map[b:2]]]]",
                ),
            ),
            (
                "{{ fromToml \"a.b = 1\\n\\\"a.b\\\" = 2\" }}|{{ fromToml \"[a.b]\\n[a]\\nb = 1\" }}|{{ fromToml \"a = {b = 1, b = 2}\" }}",
                "{}",
                Ok(
                    "map[a:map[b:1] a.b:2]|map[Error:toml: line 3 (last key \"a.b\"): Key 'a.b' has already been defined.]|map[Error:toml: line 1 (last key \"a.b\"): Key 'a.b' has already been defined.]",
                ),
            ),
        ]);
    }

    #[test]
    fn decoded_values_use_the_engine_value_model() {
        let v = from_toml("i = 7\nf = 2.5\nl = [1]\n[[t]]\nx = 'y'").expect("decodes");
        let Value::Map(m) = v else {
            panic!("not a map: {v:?}")
        };
        assert_eq!(m.get("i"), Some(Value::Int(7, IntKind::Int64)));
        assert_eq!(m.get("f"), Some(Value::Float(2.5)));
        assert_eq!(
            m.get("l"),
            Some(Value::list(vec![Value::Int(1, IntKind::Int64)]))
        );
        // Go has []map[string]interface {} here; the value model's nearest is []interface {}
        assert_eq!(m.get("t").map(|t| t.type_name()), Some("[]interface {}"));
    }

    #[test]
    fn nesting_beyond_the_limit_fails_instead_of_overflowing_the_stack() {
        let ok = format!("a = {}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let decoded = from_toml(&ok).expect("decodes");
        assert!(to_toml(&decoded).is_ok());
        let deep = format!(
            "a = {}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(from_toml(&deep), Err(too_deep()));
        let mut v = Value::Int(1, IntKind::Int);
        for _ in 0..=MAX_ENCODE_DEPTH {
            v = Value::list(vec![v]);
        }
        assert_eq!(to_toml(&v), Err(too_deep()));
    }
}
