//! Reading YAML exactly as Helm v4.2.3 does: `sigs.k8s.io/yaml` v1.6.0 `Unmarshal`, which parses
//! with `go.yaml.in/yaml/v2` v2.4.3 (a Go port of libyaml, YAML 1.1 resolution), converts the
//! result to JSON and decodes that with `encoding/json` (so every number becomes a float64).
//!
//! This module owns the whole pipeline: the character reader (including libyaml's 512-byte
//! chunking, which decides when a control character is reported), the scanner (tokens, simple
//! keys, indentation), the event parser, the node composer (anchors and aliases, only the first
//! document), the yaml.v2 decoder (scalar resolution, merge keys, alias-expansion limits), the
//! conversion to JSON and the final type check against the Go target. Error strings are the
//! exact text Helm shows, line numbers included (yaml.v2 reports parser errors 0-based and
//! scanner errors 1-based, and omits the line when it is the first one).

use crate::engine::gostr::quote_bytes as go_quote;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};

/// `sigs.k8s.io/yaml.Unmarshal(text, &v)` with `v interface{}`: the first YAML document as JSON
/// (numbers are `f64`, an empty or null document is `Value::Null`).
///
/// The error is the exact message Go returns, e.g.
/// `error converting YAML to JSON: yaml: line 2: did not find expected key`.
pub fn yaml_to_json(text: &str) -> Result<Value, String> {
    let go = unmarshal_yaml(text).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    let (jv, nonfinite) =
        to_jsonable(&go).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    if nonfinite && let Some(f) = first_nonfinite(&go) {
        // json.Marshal's error for the first NaN/Inf in its (sorted-key) walk.
        return Err(format!(
            "error converting YAML to JSON: json: unsupported value: {}",
            go_format_float64(f)
        ));
    }
    Ok(jv)
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &m)` with `m map[string]interface{}` as Helm's `fromYaml`
/// and values files use it: a null or empty document gives an empty map, any other non-mapping
/// top level gives Go's JSON type error.
pub fn yaml_to_json_map(text: &str) -> Result<Map<String, Value>, String> {
    match yaml_to_json(text)? {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(json_type_error(&other, "map[string]interface {}")),
    }
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &a)` with `a []interface{}` as Helm's `fromYamlArray` uses
/// it: a null or empty document gives an empty list.
pub fn yaml_to_json_array(text: &str) -> Result<Vec<Value>, String> {
    match yaml_to_json(text)? {
        Value::Array(a) => Ok(a),
        Value::Null => Ok(Vec::new()),
        other => Err(json_type_error(&other, "[]interface {}")),
    }
}

/// Helm's `LoadValues` for a chart's `values.yaml`: the text is split into documents the way
/// `k8s.io/apimachinery`'s `YAMLReader` does (lines starting with `---`), each document is read
/// into a map and the maps are merged recursively, later documents winning.
///
/// The error lacks the `cannot load values.yaml: ` prefix the chart loader adds.
pub fn load_values(text: &str) -> Result<Map<String, Value>, String> {
    let mut values = Map::new();
    for doc in split_yaml_documents(text)? {
        let current =
            yaml_to_json_map(&doc).map_err(|e| format!("cannot unmarshal yaml document: {e}"))?;
        merge_maps(&mut values, current);
    }
    Ok(values)
}

fn json_type_error(v: &Value, target: &str) -> String {
    let kind = crate::engine::json::go_kind(v);
    format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type {target}"
    )
}

/// Documents of a values file as `YAMLReader` returns them: every line gets a `\n` ending (a
/// `\r\n` ending loses its `\r`); a `---` line ends a non-empty document and is dropped, but
/// one that starts a document stays in it; anything but spaces or a comment after `---` is an
/// error.
fn split_yaml_documents(text: &str) -> Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buffer = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let line = match rest.find('\n') {
            Some(i) => {
                let l = &rest[..i];
                rest = &rest[i + 1..];
                l.strip_suffix('\r').unwrap_or(l)
            }
            None => std::mem::take(&mut rest),
        };
        if let Some(after) = line.strip_prefix("---") {
            let trimmed = after.trim_matches(go_is_space);
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                ));
            }
            if !buffer.is_empty() {
                docs.push(std::mem::take(&mut buffer));
                continue;
            }
        }
        buffer.push_str(line);
        buffer.push('\n');
    }
    if !buffer.is_empty() {
        docs.push(buffer);
    }
    Ok(docs)
}

/// `unicode.IsSpace`, which `strings.TrimSpace` uses.
fn go_is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

/// Helm's `MergeMaps(a, b)`: nested maps merge, anything else from `b` replaces.
/// Helm's `loader.MergeMaps`: `b` over `a`, maps merged recursively, anything else replaced.
pub fn merge_maps(a: &mut Map<String, Value>, b: Map<String, Value>) {
    for (k, v) in b {
        match (a.get_mut(&k), v) {
            (Some(Value::Object(old)), Value::Object(new)) => merge_maps(old, new),
            (_, v) => {
                a.insert(k, v);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Default, Debug)]
struct Mark {
    index: usize,
    line: usize,
    column: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ErrKind {
    Scanner,
    Parser,
}

/// yaml.v2's `parser.fail()`: scanner lines are made 1-based, parser lines are not, and a zero
/// line is left out entirely.
fn syntax_error(kind: ErrKind, problem: &str, problem_mark: Mark, context_mark: Mark) -> String {
    let line = if problem_mark.line != 0 {
        problem_mark.line + usize::from(kind == ErrKind::Scanner)
    } else {
        context_mark.line
    };
    if line != 0 {
        format!("yaml: line {line}: {problem}")
    } else {
        format!("yaml: {problem}")
    }
}

type Res<T> = Result<T, String>;

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Clone, Debug)]
enum Tok {
    StreamStart,
    StreamEnd,
    VersionDirective(u32, u32),
    TagDirective(Vec<u8>, Vec<u8>),
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias(String),
    Anchor(String),
    Tag(Vec<u8>, Vec<u8>),
    Scalar(String, Style),
}

#[derive(Clone, Debug)]
/// A token and where it starts (yaml.v2's messages never use where it ends).
struct Token {
    tok: Tok,
    start: Mark,
}

#[derive(Clone, Copy, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

const MAX_FLOW_LEVEL: usize = 10000;
const MAX_INDENTS: usize = 10000;
/// libyaml's raw input buffer: characters are decoded (and checked) this many bytes at a time.
const RAW_CHUNK: usize = 512;

struct Scanner {
    chars: Vec<char>,
    /// Byte offset of each character in the input, plus the input length at the end.
    byte_of: Vec<usize>,
    /// First character the reader rejects as a control character.
    first_bad: Option<usize>,
    /// Characters decoded so far; a rejected character fails when its chunk is decoded.
    decoded: usize,
    /// Where the reader's buffer starts: the position of the last refill. yaml.v2's BOM test
    /// looks at the buffer start instead of the current position, so this decides whether a
    /// line-initial character is skipped as a byte order mark.
    buf_start: usize,
    first_chunk: bool,
    pos: usize,
    mark: Mark,

    tokens: VecDeque<Token>,
    tokens_parsed: usize,
    token_available: bool,
    stream_start_produced: bool,
    stream_end_produced: bool,
    indent: isize,
    indents: Vec<isize>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    /// yaml.v2's `simple_keys_by_tok`: token number to simple-key stack slot. Entries are not
    /// always removed when a key dies, and closing a flow collection removes the entry of the
    /// token number the inner level was opened at (which is also the number of the '[' or '{'
    /// key); both quirks decide how far the scanner reads ahead, so they are kept.
    keys_by_tok: HashMap<usize, usize>,
    flow_level: usize,
}

fn is_break_char(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_char(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_alpha_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The characters the libyaml reader accepts (YAML 1.1 "printable").
fn is_allowed_char(c: char) -> bool {
    matches!(c as u32,
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

impl Scanner {
    fn new(text: &str) -> Scanner {
        // An input of zero bytes is replaced by a single line break (yaml.v2's newParser).
        let text = if text.is_empty() { "\n" } else { text };
        let (body, bom) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, 3),
            None => (text, 0),
        };
        let mut chars = Vec::with_capacity(body.len());
        let mut byte_of = Vec::with_capacity(body.len() + 1);
        let mut first_bad = None;
        for (i, c) in body.char_indices() {
            if first_bad.is_none() && !is_allowed_char(c) {
                first_bad = Some(chars.len());
            }
            chars.push(c);
            byte_of.push(i + bom);
        }
        byte_of.push(body.len() + bom);
        Scanner {
            chars,
            byte_of,
            first_bad,
            decoded: 0,
            buf_start: 0,
            first_chunk: true,
            pos: 0,
            mark: Mark::default(),
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            stream_start_produced: false,
            stream_end_produced: false,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            keys_by_tok: HashMap::new(),
            flow_level: 0,
        }
    }

    fn ch(&self, k: usize) -> char {
        self.chars.get(self.pos + k).copied().unwrap_or('\0')
    }
    fn is(&self, k: usize, c: char) -> bool {
        self.ch(k) == c
    }
    fn is_blank(&self, k: usize) -> bool {
        is_blank_char(self.ch(k))
    }
    fn is_break(&self, k: usize) -> bool {
        is_break_char(self.ch(k))
    }
    fn is_z(&self, k: usize) -> bool {
        self.ch(k) == '\0'
    }
    fn is_breakz(&self, k: usize) -> bool {
        self.is_break(k) || self.is_z(k)
    }
    fn is_blankz(&self, k: usize) -> bool {
        self.is_blank(k) || self.is_breakz(k)
    }

    /// libyaml's `yaml_parser_update_buffer(n)`: make sure `n` characters are decoded. Decoding
    /// happens a raw chunk at a time, and a rejected character anywhere in a chunk fails then.
    fn cache(&mut self, n: usize) -> Res<()> {
        if self.decoded.saturating_sub(self.pos) >= n {
            return Ok(());
        }
        self.buf_start = self.pos;
        while self.decoded < self.pos + n && self.decoded < self.chars.len() {
            let start = self.byte_of[self.decoded];
            let end = if self.first_chunk {
                RAW_CHUNK
            } else {
                start + RAW_CHUNK
            };
            self.first_chunk = false;
            let mut i = self.decoded;
            while i < self.chars.len() && self.byte_of[i + 1] <= end {
                i += 1;
            }
            if let Some(b) = self.first_bad
                && b >= self.decoded
                && b < i
            {
                return Err("yaml: control characters are not allowed".to_string());
            }
            self.decoded = i;
        }
        Ok(())
    }

    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
        self.pos += 1;
    }

    fn skip_line(&mut self) {
        if self.is(0, '\r') && self.is(1, '\n') {
            self.mark.index += 2;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 2;
        } else if self.is_break(0) {
            self.mark.index += 1;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 1;
        }
    }

    fn read(&mut self, s: &mut String) {
        s.push(self.ch(0));
        self.skip();
    }

    fn read_line(&mut self, s: &mut String) {
        let c = self.ch(0);
        if c == '\r' && self.is(1, '\n') {
            s.push('\n');
            self.pos += 2;
            self.mark.index += 1;
        } else if c == '\r' || c == '\n' || c == '\u{85}' {
            s.push('\n');
            self.pos += 1;
        } else if c == '\u{2028}' || c == '\u{2029}' {
            s.push(c);
            self.pos += 1;
        } else {
            return;
        }
        self.mark.index += 1;
        self.mark.column = 0;
        self.mark.line += 1;
    }

    fn err(&self, context_mark: Mark, problem: &str) -> String {
        syntax_error(ErrKind::Scanner, problem, self.mark, context_mark)
    }

    /// Make sure the head of the queue is a token the parser may take: no live simple key
    /// registered for it could still turn into a KEY inserted before it.
    fn fetch_more_tokens(&mut self) -> Res<()> {
        loop {
            if !self.tokens.is_empty() {
                let Some(&slot) = self.keys_by_tok.get(&self.tokens_parsed) else {
                    break;
                };
                if slot >= self.simple_keys.len() || !self.key_is_valid(slot)? {
                    break;
                }
            }
            self.fetch_next_token()?;
        }
        self.token_available = true;
        Ok(())
    }

    /// yaml.v2 `yaml_simple_key_is_valid`: a key dies once the scanner has left its line or
    /// gone 1024 characters past it; a required one that dies is an error.
    fn key_is_valid(&mut self, slot: usize) -> Res<bool> {
        let key = self.simple_keys[slot];
        if !key.possible {
            return Ok(false);
        }
        if key.mark.line < self.mark.line || key.mark.index + 1024 < self.mark.index {
            if key.required {
                return Err(self.err(key.mark, "could not find expected ':'"));
            }
            self.simple_keys[slot].possible = false;
            return Ok(false);
        }
        Ok(true)
    }

    fn fetch_next_token(&mut self) -> Res<()> {
        self.cache(1)?;
        if !self.stream_start_produced {
            self.fetch_stream_start();
            return Ok(());
        }
        self.scan_to_next_token()?;
        self.unroll_indent(self.mark.column as isize);
        self.cache(4)?;

        if self.is_z(0) {
            return self.fetch_stream_end();
        }
        let c = self.ch(0);
        if self.mark.column == 0 && c == '%' {
            return self.fetch_directive();
        }
        if self.mark.column == 0
            && c == '-'
            && self.is(1, '-')
            && self.is(2, '-')
            && self.is_blankz(3)
        {
            return self.fetch_document_indicator(Tok::DocumentStart);
        }
        if self.mark.column == 0
            && c == '.'
            && self.is(1, '.')
            && self.is(2, '.')
            && self.is_blankz(3)
        {
            return self.fetch_document_indicator(Tok::DocumentEnd);
        }
        match c {
            '[' => return self.fetch_flow_collection_start(Tok::FlowSequenceStart),
            '{' => return self.fetch_flow_collection_start(Tok::FlowMappingStart),
            ']' => return self.fetch_flow_collection_end(Tok::FlowSequenceEnd),
            '}' => return self.fetch_flow_collection_end(Tok::FlowMappingEnd),
            ',' => return self.fetch_flow_entry(),
            _ => {}
        }
        if c == '-' && self.is_blankz(1) {
            return self.fetch_block_entry();
        }
        if c == '?' && (self.flow_level > 0 || self.is_blankz(1)) {
            return self.fetch_key();
        }
        if c == ':' && (self.flow_level > 0 || self.is_blankz(1)) {
            return self.fetch_value();
        }
        match c {
            '*' => return self.fetch_anchor(true),
            '&' => return self.fetch_anchor(false),
            '!' => return self.fetch_tag(),
            '|' if self.flow_level == 0 => return self.fetch_block_scalar(true),
            '>' if self.flow_level == 0 => return self.fetch_block_scalar(false),
            '\'' => return self.fetch_flow_scalar(true),
            '"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        let indicator = matches!(
            c,
            '-' | '?'
                | ':'
                | ','
                | '['
                | ']'
                | '{'
                | '}'
                | '#'
                | '&'
                | '*'
                | '!'
                | '|'
                | '>'
                | '\''
                | '"'
                | '%'
                | '@'
                | '`'
        );
        if !(self.is_blankz(0) || indicator)
            || (c == '-' && !self.is_blank(1))
            || (self.flow_level == 0 && (c == '?' || c == ':') && !self.is_blankz(1))
        {
            return self.fetch_plain_scalar();
        }
        Err(self.err(self.mark, "found character that cannot start any token"))
    }

    fn save_simple_key(&mut self) -> Res<()> {
        let required = self.flow_level == 0 && self.indent == self.mark.column as isize;
        if self.simple_key_allowed {
            let key = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            self.remove_simple_key()?;
            if let Some(top) = self.simple_keys.last_mut() {
                *top = key;
            }
            self.keys_by_tok
                .insert(key.token_number, self.simple_keys.len() - 1);
        }
        Ok(())
    }

    fn remove_simple_key(&mut self) -> Res<()> {
        if let Some(top) = self.simple_keys.last().copied()
            && top.possible
        {
            if top.required {
                return Err(self.err(top.mark, "could not find expected ':'"));
            }
            if let Some(t) = self.simple_keys.last_mut() {
                t.possible = false;
            }
            self.keys_by_tok.remove(&top.token_number);
        }
        Ok(())
    }

    fn increase_flow_level(&mut self) -> Res<()> {
        self.simple_keys.push(SimpleKey {
            possible: false,
            required: false,
            token_number: self.tokens_parsed + self.tokens.len(),
            mark: self.mark,
        });
        self.flow_level += 1;
        if self.flow_level > MAX_FLOW_LEVEL {
            return Err(self.err(
                self.mark,
                &format!("exceeded max depth of {MAX_FLOW_LEVEL}"),
            ));
        }
        Ok(())
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            if let Some(last) = self.simple_keys.pop() {
                self.keys_by_tok.remove(&last.token_number);
            }
        }
    }

    fn insert_token(&mut self, at: Option<usize>, token: Token) {
        match at {
            Some(i) => self.tokens.insert(i, token),
            None => self.tokens.push_back(token),
        }
    }

    fn push_token(&mut self, tok: Tok, start: Mark) {
        self.tokens.push_back(Token { tok, start });
    }

    /// `number` is the absolute number of the token to insert before, if not appending.
    fn roll_indent(
        &mut self,
        column: isize,
        number: Option<usize>,
        tok: Tok,
        mark: Mark,
    ) -> Res<()> {
        if self.flow_level > 0 {
            return Ok(());
        }
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.indents.len() > MAX_INDENTS {
                let ctx = self.simple_keys.last().map(|k| k.mark).unwrap_or_default();
                return Err(self.err(ctx, &format!("exceeded max depth of {MAX_INDENTS}")));
            }
            let at = number.map(|n| n - self.tokens_parsed);
            self.insert_token(at, Token { tok, start: mark });
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            let m = self.mark;
            self.push_token(Tok::BlockEnd, m);
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn fetch_stream_start(&mut self) {
        self.indent = -1;
        self.simple_keys.push(SimpleKey::default());
        self.simple_key_allowed = true;
        self.stream_start_produced = true;
        let m = self.mark;
        self.push_token(Tok::StreamStart, m);
    }

    fn fetch_stream_end(&mut self) -> Res<()> {
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let m = self.mark;
        self.push_token(Tok::StreamEnd, m);
        Ok(())
    }

    fn fetch_directive(&mut self) -> Res<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_directive()?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_document_indicator(&mut self, tok: Tok) -> Res<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.skip();
        self.skip();
        self.push_token(tok, start);
        Ok(())
    }

    fn fetch_flow_collection_start(&mut self, tok: Tok) -> Res<()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push_token(tok, start);
        Ok(())
    }

    fn fetch_flow_collection_end(&mut self, tok: Tok) -> Res<()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.push_token(tok, start);
        Ok(())
    }

    fn fetch_flow_entry(&mut self) -> Res<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push_token(Tok::FlowEntry, start);
        Ok(())
    }

    fn fetch_block_entry(&mut self) -> Res<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.err(
                    self.mark,
                    "block sequence entries are not allowed in this context",
                ));
            }
            let m = self.mark;
            self.roll_indent(m.column as isize, None, Tok::BlockSequenceStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        self.push_token(Tok::BlockEntry, start);
        Ok(())
    }

    fn fetch_key(&mut self) -> Res<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.err(self.mark, "mapping keys are not allowed in this context"));
            }
            let m = self.mark;
            self.roll_indent(m.column as isize, None, Tok::BlockMappingStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = self.flow_level == 0;
        let start = self.mark;
        self.skip();
        self.push_token(Tok::Key, start);
        Ok(())
    }

    fn fetch_value(&mut self) -> Res<()> {
        let top = self.simple_keys.len() - 1;
        let key = self.simple_keys[top];
        if self.key_is_valid(top)? {
            let at = key.token_number - self.tokens_parsed;
            self.insert_token(
                Some(at),
                Token {
                    tok: Tok::Key,
                    start: key.mark,
                },
            );
            self.roll_indent(
                key.mark.column as isize,
                Some(key.token_number),
                Tok::BlockMappingStart,
                key.mark,
            )?;
            self.simple_keys[top].possible = false;
            self.keys_by_tok.remove(&key.token_number);
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    return Err(
                        self.err(self.mark, "mapping values are not allowed in this context")
                    );
                }
                let m = self.mark;
                self.roll_indent(m.column as isize, None, Tok::BlockMappingStart, m)?;
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start = self.mark;
        self.skip();
        self.push_token(Tok::Value, start);
        Ok(())
    }

    fn fetch_anchor(&mut self, alias: bool) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_anchor(alias)?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_tag(&mut self) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_tag()?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> Res<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let token = self.scan_block_scalar(literal)?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_flow_scalar(single)?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn fetch_plain_scalar(&mut self) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let token = self.scan_plain_scalar()?;
        self.tokens.push_back(token);
        Ok(())
    }

    fn scan_to_next_token(&mut self) -> Res<()> {
        loop {
            self.cache(1)?;
            if self.mark.column == 0 && self.chars.get(self.buf_start) == Some(&'\u{feff}') {
                self.skip();
            }
            self.cache(1)?;
            while self.is(0, ' ')
                || ((self.flow_level > 0 || !self.simple_key_allowed) && self.is(0, '\t'))
            {
                self.skip();
                self.cache(1)?;
            }
            if self.is(0, '#') {
                while !self.is_breakz(0) {
                    self.skip();
                    self.cache(1)?;
                }
            }
            if self.is_break(0) {
                self.cache(2)?;
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    fn skip_blanks(&mut self) -> Res<()> {
        self.cache(1)?;
        while self.is_blank(0) {
            self.skip();
            self.cache(1)?;
        }
        Ok(())
    }

    fn scan_directive(&mut self) -> Res<Token> {
        let start = self.mark;
        self.skip();
        let name = self.scan_directive_name(start)?;
        let tok = if name == "YAML" {
            let (major, minor) = self.scan_version_directive_value(start)?;
            Tok::VersionDirective(major, minor)
        } else if name == "TAG" {
            let (handle, prefix) = self.scan_tag_directive_value(start)?;
            Tok::TagDirective(handle, prefix)
        } else {
            return Err(self.err(start, "found unknown directive name"));
        };
        self.skip_blanks()?;
        if self.is(0, '#') {
            while !self.is_breakz(0) {
                self.skip();
                self.cache(1)?;
            }
        }
        if !self.is_breakz(0) {
            return Err(self.err(start, "did not find expected comment or line break"));
        }
        if self.is_break(0) {
            self.cache(2)?;
            self.skip_line();
        }
        Ok(Token { tok, start })
    }

    fn scan_directive_name(&mut self, start: Mark) -> Res<String> {
        self.cache(1)?;
        let mut s = String::new();
        while is_alpha_char(self.ch(0)) {
            self.read(&mut s);
            self.cache(1)?;
        }
        if s.is_empty() {
            return Err(self.err(start, "could not find expected directive name"));
        }
        if !self.is_blankz(0) {
            return Err(self.err(start, "found unexpected non-alphabetical character"));
        }
        Ok(s)
    }

    fn scan_version_directive_value(&mut self, start: Mark) -> Res<(u32, u32)> {
        self.skip_blanks()?;
        let major = self.scan_version_directive_number(start)?;
        if !self.is(0, '.') {
            return Err(self.err(start, "did not find expected digit or '.' character"));
        }
        self.skip();
        let minor = self.scan_version_directive_number(start)?;
        Ok((major, minor))
    }

    fn scan_version_directive_number(&mut self, start: Mark) -> Res<u32> {
        self.cache(1)?;
        let mut value = 0u32;
        let mut length = 0;
        while let Some(d) = self.ch(0).to_digit(10) {
            length += 1;
            if length > 2 {
                return Err(self.err(start, "found extremely long version number"));
            }
            value = value * 10 + d;
            self.skip();
            self.cache(1)?;
        }
        if length == 0 {
            return Err(self.err(start, "did not find expected version number"));
        }
        Ok(value)
    }

    fn scan_tag_directive_value(&mut self, start: Mark) -> Res<(Vec<u8>, Vec<u8>)> {
        self.skip_blanks()?;
        let handle = self.scan_tag_handle(true, start)?;
        self.cache(1)?;
        if !self.is_blank(0) {
            return Err(self.err(start, "did not find expected whitespace"));
        }
        self.skip_blanks()?;
        let prefix = self.scan_tag_uri(&[], start)?;
        self.cache(1)?;
        if !self.is_blankz(0) {
            return Err(self.err(start, "did not find expected whitespace or line break"));
        }
        Ok((handle, prefix))
    }

    fn scan_anchor(&mut self, alias: bool) -> Res<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let mut s = String::new();
        while is_alpha_char(self.ch(0)) {
            self.read(&mut s);
            self.cache(1)?;
        }
        let c = self.ch(0);
        if s.is_empty()
            || !(self.is_blankz(0) || matches!(c, '?' | ':' | ',' | ']' | '}' | '%' | '@' | '`'))
        {
            return Err(self.err(
                start,
                "did not find expected alphabetic or numeric character",
            ));
        }
        let tok = if alias { Tok::Alias(s) } else { Tok::Anchor(s) };
        Ok(Token { tok, start })
    }

    fn scan_tag(&mut self) -> Res<Token> {
        let start = self.mark;
        self.cache(2)?;
        let handle;
        let suffix;
        if self.is(1, '<') {
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(&[], start)?;
            if !self.is(0, '>') {
                return Err(self.err(start, "did not find the expected '>'"));
            }
            self.skip();
            handle = Vec::new();
        } else {
            let h = self.scan_tag_handle(false, start)?;
            if h.len() > 1 && h[0] == b'!' && h[h.len() - 1] == b'!' {
                suffix = self.scan_tag_uri(&[], start)?;
                handle = h;
            } else {
                let s = self.scan_tag_uri(&h, start)?;
                if s.is_empty() {
                    handle = Vec::new();
                    suffix = b"!".to_vec();
                } else {
                    handle = b"!".to_vec();
                    suffix = s;
                }
            }
        }
        self.cache(1)?;
        if !self.is_blankz(0) {
            return Err(self.err(start, "did not find expected whitespace or line break"));
        }
        Ok(Token {
            tok: Tok::Tag(handle, suffix),
            start,
        })
    }

    fn scan_tag_handle(&mut self, directive: bool, start: Mark) -> Res<Vec<u8>> {
        self.cache(1)?;
        if !self.is(0, '!') {
            return Err(self.err(start, "did not find expected '!'"));
        }
        let mut s = String::new();
        self.read(&mut s);
        self.cache(1)?;
        while is_alpha_char(self.ch(0)) {
            self.read(&mut s);
            self.cache(1)?;
        }
        if self.is(0, '!') {
            self.read(&mut s);
        } else if directive && s != "!" {
            return Err(self.err(start, "did not find expected '!'"));
        }
        Ok(s.into_bytes())
    }

    fn scan_tag_uri(&mut self, head: &[u8], start: Mark) -> Res<Vec<u8>> {
        let mut s: Vec<u8> = Vec::new();
        let mut has_tag = !head.is_empty();
        if head.len() > 1 {
            s.extend_from_slice(&head[1..]);
        }
        self.cache(1)?;
        loop {
            let c = self.ch(0);
            let uri_char = is_alpha_char(c)
                || matches!(
                    c,
                    ';' | '/'
                        | '?'
                        | ':'
                        | '@'
                        | '&'
                        | '='
                        | '+'
                        | '$'
                        | ','
                        | '.'
                        | '!'
                        | '~'
                        | '*'
                        | '\''
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '%'
                );
            if !uri_char {
                break;
            }
            if c == '%' {
                self.scan_uri_escapes(start, &mut s)?;
            } else {
                let mut buf = [0u8; 4];
                s.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                self.skip();
            }
            self.cache(1)?;
            has_tag = true;
        }
        if !has_tag {
            return Err(self.err(start, "did not find expected tag URI"));
        }
        Ok(s)
    }

    fn scan_uri_escapes(&mut self, start: Mark, s: &mut Vec<u8>) -> Res<()> {
        let mut width = 1024usize;
        while width > 0 {
            self.cache(3)?;
            let (h, l) = (self.ch(1).to_digit(16), self.ch(2).to_digit(16));
            let (Some(h), Some(l), true) = (h, l, self.is(0, '%')) else {
                return Err(self.err(start, "did not find URI escaped octet"));
            };
            let octet = (h * 16 + l) as u8;
            if width == 1024 {
                width = match octet {
                    o if o & 0x80 == 0 => 1,
                    o if o & 0xE0 == 0xC0 => 2,
                    o if o & 0xF0 == 0xE0 => 3,
                    o if o & 0xF8 == 0xF0 => 4,
                    _ => 0,
                };
                if width == 0 {
                    return Err(self.err(start, "found an incorrect leading UTF-8 octet"));
                }
            } else if octet & 0xC0 != 0x80 {
                return Err(self.err(start, "found an incorrect trailing UTF-8 octet"));
            }
            s.push(octet);
            self.skip();
            self.skip();
            self.skip();
            width -= 1;
        }
        Ok(())
    }

    fn scan_block_scalar(&mut self, literal: bool) -> Res<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let mut chomping = 0i32;
        let mut increment = 0usize;
        if self.is(0, '+') || self.is(0, '-') {
            chomping = if self.is(0, '+') { 1 } else { -1 };
            self.skip();
            self.cache(1)?;
            if let Some(d) = self.ch(0).to_digit(10) {
                if d == 0 {
                    return Err(self.err(start, "found an indentation indicator equal to 0"));
                }
                increment = d as usize;
                self.skip();
            }
        } else if let Some(d) = self.ch(0).to_digit(10) {
            if d == 0 {
                return Err(self.err(start, "found an indentation indicator equal to 0"));
            }
            increment = d as usize;
            self.skip();
            self.cache(1)?;
            if self.is(0, '+') || self.is(0, '-') {
                chomping = if self.is(0, '+') { 1 } else { -1 };
                self.skip();
            }
        }
        self.skip_blanks()?;
        if self.is(0, '#') {
            while !self.is_breakz(0) {
                self.skip();
                self.cache(1)?;
            }
        }
        if !self.is_breakz(0) {
            return Err(self.err(start, "did not find expected comment or line break"));
        }
        if self.is_break(0) {
            self.cache(2)?;
            self.skip_line();
        }
        let mut indent: usize = 0;
        if increment > 0 {
            indent = if self.indent >= 0 {
                self.indent as usize + increment
            } else {
                increment
            };
        }
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start)?;
        self.cache(1)?;
        let mut leading_blank = false;
        while self.mark.column == indent && !self.is_z(0) {
            let trailing_blank = self.is_blank(0);
            if !literal && !leading_blank && !trailing_blank && leading_break.starts_with('\n') {
                if trailing_breaks.is_empty() {
                    s.push(' ');
                }
            } else {
                s.push_str(&leading_break);
            }
            leading_break.clear();
            s.push_str(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = self.is_blank(0);
            while !self.is_breakz(0) {
                self.read(&mut s);
                self.cache(1)?;
            }
            self.cache(2)?;
            self.read_line(&mut leading_break);
            self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start)?;
        }
        if chomping != -1 {
            s.push_str(&leading_break);
        }
        if chomping == 1 {
            s.push_str(&trailing_breaks);
        }
        Ok(Token {
            tok: Tok::Scalar(s, Style::Block),
            start,
        })
    }

    fn scan_block_scalar_breaks(
        &mut self,
        indent: &mut usize,
        breaks: &mut String,
        start: Mark,
    ) -> Res<()> {
        let mut max_indent = 0usize;
        loop {
            self.cache(1)?;
            while (*indent == 0 || self.mark.column < *indent) && self.is(0, ' ') {
                self.skip();
                self.cache(1)?;
            }
            if self.mark.column > max_indent {
                max_indent = self.mark.column;
            }
            if (*indent == 0 || self.mark.column < *indent) && self.is(0, '\t') {
                return Err(self.err(
                    start,
                    "found a tab character where an indentation space is expected",
                ));
            }
            if !self.is_break(0) {
                break;
            }
            self.cache(2)?;
            self.read_line(breaks);
        }
        if *indent == 0 {
            let mut i = max_indent as isize;
            if i < self.indent + 1 {
                i = self.indent + 1;
            }
            if i < 1 {
                i = 1;
            }
            *indent = i as usize;
        }
        Ok(())
    }

    fn scan_flow_scalar(&mut self, single: bool) -> Res<Token> {
        let start = self.mark;
        self.skip();
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        loop {
            self.cache(4)?;
            if self.mark.column == 0
                && ((self.is(0, '-') && self.is(1, '-') && self.is(2, '-'))
                    || (self.is(0, '.') && self.is(1, '.') && self.is(2, '.')))
                && self.is_blankz(3)
            {
                return Err(self.err(start, "found unexpected document indicator"));
            }
            if self.is_z(0) {
                return Err(self.err(start, "found unexpected end of stream"));
            }
            let mut leading_blanks = false;
            while !self.is_blankz(0) {
                let c = self.ch(0);
                if single && c == '\'' && self.is(1, '\'') {
                    s.push('\'');
                    self.skip();
                    self.skip();
                } else if (single && c == '\'') || (!single && c == '"') {
                    break;
                } else if !single && c == '\\' && self.is_break(1) {
                    self.cache(3)?;
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == '\\' {
                    let mut code_length = 0usize;
                    match self.ch(1) {
                        '0' => s.push('\0'),
                        'a' => s.push('\u{7}'),
                        'b' => s.push('\u{8}'),
                        't' | '\t' => s.push('\t'),
                        'n' => s.push('\n'),
                        'v' => s.push('\u{b}'),
                        'f' => s.push('\u{c}'),
                        'r' => s.push('\r'),
                        'e' => s.push('\u{1b}'),
                        ' ' => s.push(' '),
                        '"' => s.push('"'),
                        '\'' => s.push('\''),
                        '\\' => s.push('\\'),
                        'N' => s.push('\u{85}'),
                        '_' => s.push('\u{a0}'),
                        'L' => s.push('\u{2028}'),
                        'P' => s.push('\u{2029}'),
                        'x' => code_length = 2,
                        'u' => code_length = 4,
                        'U' => code_length = 8,
                        _ => return Err(self.err(start, "found unknown escape character")),
                    }
                    self.skip();
                    self.skip();
                    if code_length > 0 {
                        self.cache(code_length)?;
                        let mut value: u32 = 0;
                        for k in 0..code_length {
                            match self.ch(k).to_digit(16) {
                                Some(d) => value = (value << 4) + d,
                                None => {
                                    return Err(
                                        self.err(start, "did not find expected hexdecimal number")
                                    );
                                }
                            }
                        }
                        match char::from_u32(value) {
                            Some(c) => s.push(c),
                            None => {
                                return Err(
                                    self.err(start, "found invalid Unicode character escape code")
                                );
                            }
                        }
                        for _ in 0..code_length {
                            self.skip();
                        }
                    }
                } else {
                    self.read(&mut s);
                }
                self.cache(2)?;
            }
            self.cache(1)?;
            if (single && self.is(0, '\'')) || (!single && self.is(0, '"')) {
                break;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else {
                    self.cache(2)?;
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                self.cache(1)?;
            }
            if leading_blanks {
                if leading_break.starts_with('\n') {
                    if trailing_breaks.is_empty() {
                        s.push(' ');
                    } else {
                        s.push_str(&trailing_breaks);
                    }
                } else {
                    s.push_str(&leading_break);
                    s.push_str(&trailing_breaks);
                }
                trailing_breaks.clear();
                leading_break.clear();
            } else {
                s.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        Ok(Token {
            tok: Tok::Scalar(s, Style::Quoted),
            start,
        })
    }

    fn scan_plain_scalar(&mut self) -> Res<Token> {
        let mut s = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut whitespaces = String::new();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start = self.mark;
        loop {
            self.cache(4)?;
            if self.mark.column == 0
                && ((self.is(0, '-') && self.is(1, '-') && self.is(2, '-'))
                    || (self.is(0, '.') && self.is(1, '.') && self.is(2, '.')))
                && self.is_blankz(3)
            {
                break;
            }
            if self.is(0, '#') {
                break;
            }
            while !self.is_blankz(0) {
                let c = self.ch(0);
                if (c == ':' && self.is_blankz(1))
                    || (self.flow_level > 0 && matches!(c, ',' | '?' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        if leading_break.starts_with('\n') {
                            if trailing_breaks.is_empty() {
                                s.push(' ');
                            } else {
                                s.push_str(&trailing_breaks);
                            }
                        } else {
                            s.push_str(&leading_break);
                            s.push_str(&trailing_breaks);
                        }
                        trailing_breaks.clear();
                        leading_break.clear();
                        leading_blanks = false;
                    } else {
                        s.push_str(&whitespaces);
                        whitespaces.clear();
                    }
                }
                self.read(&mut s);
                self.cache(2)?;
            }
            if !(self.is_blank(0) || self.is_break(0)) {
                break;
            }
            self.cache(1)?;
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    if leading_blanks && (self.mark.column as isize) < indent && self.is(0, '\t') {
                        return Err(
                            self.err(start, "found a tab character that violates indentation")
                        );
                    }
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                    } else {
                        self.skip();
                    }
                } else {
                    self.cache(2)?;
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                self.cache(1)?;
            }
            if self.flow_level == 0 && (self.mark.column as isize) < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(Token {
            tok: Tok::Scalar(s, Style::Plain),
            start,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Event parser
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    StreamStart,
    ImplicitDocumentStart,
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    BlockNode,
    BlockSequenceFirstEntry,
    BlockSequenceEntry,
    IndentlessSequenceEntry,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingValue,
    FlowSequenceFirstEntry,
    FlowSequenceEntry,
    FlowSequenceEntryMappingKey,
    FlowSequenceEntryMappingValue,
    FlowSequenceEntryMappingEnd,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingValue,
    FlowMappingEmptyValue,
    End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum EventKind {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias,
    Scalar,
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
}

#[derive(Clone, Debug)]
struct Event {
    kind: EventKind,
    anchor: Option<String>,
    tag: Vec<u8>,
    value: String,
    implicit: bool,
}

impl Event {
    fn simple(kind: EventKind) -> Event {
        Event {
            kind,
            anchor: None,
            tag: Vec::new(),
            value: String::new(),
            implicit: false,
        }
    }
}

struct Parser {
    scanner: Scanner,
    state: State,
    states: Vec<State>,
    marks: Vec<Mark>,
    tag_directives: Vec<(Vec<u8>, Vec<u8>)>,
}

fn parser_error(problem: &str, problem_mark: Mark) -> String {
    syntax_error(ErrKind::Parser, problem, problem_mark, Mark::default())
}

fn parser_error_context(context_mark: Mark, problem: &str, problem_mark: Mark) -> String {
    syntax_error(ErrKind::Parser, problem, problem_mark, context_mark)
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            scanner: Scanner::new(text),
            state: State::StreamStart,
            states: Vec::new(),
            marks: Vec::new(),
            tag_directives: Vec::new(),
        }
    }

    fn peek(&mut self) -> Res<&Token> {
        if !self.scanner.token_available {
            self.scanner.fetch_more_tokens()?;
        }
        self.scanner
            .tokens
            .front()
            .ok_or_else(|| "yaml: internal error: no token".to_string())
    }

    fn peek_clone(&mut self) -> Res<Token> {
        self.peek().cloned()
    }

    fn skip_token(&mut self) {
        self.scanner.token_available = false;
        self.scanner.tokens_parsed += 1;
        if let Some(t) = self.scanner.tokens.pop_front() {
            self.scanner.stream_end_produced = matches!(t.tok, Tok::StreamEnd);
        }
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    #[inline(never)]
    fn parse(&mut self) -> Res<Event> {
        match self.state {
            State::StreamStart => self.parse_stream_start(),
            State::ImplicitDocumentStart => self.parse_document_start(true),
            State::DocumentStart => self.parse_document_start(false),
            State::DocumentContent => self.parse_document_content(),
            State::DocumentEnd => self.parse_document_end(),
            State::BlockNode => self.parse_node(true, false),
            State::BlockSequenceFirstEntry => self.parse_block_sequence_entry(true),
            State::BlockSequenceEntry => self.parse_block_sequence_entry(false),
            State::IndentlessSequenceEntry => self.parse_indentless_sequence_entry(),
            State::BlockMappingFirstKey => self.parse_block_mapping_key(true),
            State::BlockMappingKey => self.parse_block_mapping_key(false),
            State::BlockMappingValue => self.parse_block_mapping_value(),
            State::FlowSequenceFirstEntry => self.parse_flow_sequence_entry(true),
            State::FlowSequenceEntry => self.parse_flow_sequence_entry(false),
            State::FlowSequenceEntryMappingKey => self.parse_flow_sequence_entry_mapping_key(),
            State::FlowSequenceEntryMappingValue => self.parse_flow_sequence_entry_mapping_value(),
            State::FlowSequenceEntryMappingEnd => self.parse_flow_sequence_entry_mapping_end(),
            State::FlowMappingFirstKey => self.parse_flow_mapping_key(true),
            State::FlowMappingKey => self.parse_flow_mapping_key(false),
            State::FlowMappingValue => self.parse_flow_mapping_value(false),
            State::FlowMappingEmptyValue => self.parse_flow_mapping_value(true),
            State::End => Ok(Event::simple(EventKind::StreamEnd)),
        }
    }

    fn parse_stream_start(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if !matches!(t.tok, Tok::StreamStart) {
            return Err(parser_error(
                "did not find expected <stream-start>",
                t.start,
            ));
        }
        self.state = State::ImplicitDocumentStart;
        self.skip_token();
        Ok(Event::simple(EventKind::StreamStart))
    }

    fn parse_document_start(&mut self, implicit: bool) -> Res<Event> {
        let mut t = self.peek_clone()?;
        if !implicit {
            while matches!(t.tok, Tok::DocumentEnd) {
                self.skip_token();
                t = self.peek_clone()?;
            }
        }
        let is_directive = matches!(t.tok, Tok::VersionDirective(..) | Tok::TagDirective(..));
        if implicit && !is_directive && !matches!(t.tok, Tok::DocumentStart | Tok::StreamEnd) {
            self.process_directives()?;
            self.states.push(State::DocumentEnd);
            self.state = State::BlockNode;
            Ok(Event::simple(EventKind::DocumentStart))
        } else if !matches!(t.tok, Tok::StreamEnd) {
            self.process_directives()?;
            let t = self.peek_clone()?;
            if !matches!(t.tok, Tok::DocumentStart) {
                return Err(parser_error(
                    "did not find expected <document start>",
                    t.start,
                ));
            }
            self.states.push(State::DocumentEnd);
            self.state = State::DocumentContent;
            self.skip_token();
            Ok(Event::simple(EventKind::DocumentStart))
        } else {
            self.state = State::End;
            self.skip_token();
            Ok(Event::simple(EventKind::StreamEnd))
        }
    }

    fn parse_document_content(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if matches!(
            t.tok,
            Tok::VersionDirective(..)
                | Tok::TagDirective(..)
                | Tok::DocumentStart
                | Tok::DocumentEnd
                | Tok::StreamEnd
        ) {
            self.pop_state();
            return Ok(empty_scalar());
        }
        self.parse_node(true, false)
    }

    fn parse_document_end(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if matches!(t.tok, Tok::DocumentEnd) {
            self.skip_token();
        }
        self.tag_directives.clear();
        self.state = State::DocumentStart;
        Ok(Event::simple(EventKind::DocumentEnd))
    }

    fn parse_node(&mut self, block: bool, indentless_sequence: bool) -> Res<Event> {
        let mut t = self.peek_clone()?;
        if let Tok::Alias(name) = &t.tok {
            self.pop_state();
            let mut ev = Event::simple(EventKind::Alias);
            ev.anchor = Some(name.clone());
            self.skip_token();
            return Ok(ev);
        }
        let start_mark = t.start;
        let mut anchor = None;
        let mut tag_parts: Option<(Vec<u8>, Vec<u8>)> = None;
        let mut tag_mark = Mark::default();
        if let Tok::Anchor(name) = &t.tok {
            anchor = Some(name.clone());
            self.skip_token();
            t = self.peek_clone()?;
            if let Tok::Tag(h, s) = &t.tok {
                tag_parts = Some((h.clone(), s.clone()));
                tag_mark = t.start;
                self.skip_token();
                t = self.peek_clone()?;
            }
        } else if let Tok::Tag(h, s) = &t.tok {
            tag_parts = Some((h.clone(), s.clone()));
            tag_mark = t.start;
            self.skip_token();
            t = self.peek_clone()?;
            if let Tok::Anchor(name) = &t.tok {
                anchor = Some(name.clone());
                self.skip_token();
                t = self.peek_clone()?;
            }
        }
        let mut tag: Vec<u8> = Vec::new();
        if let Some((handle, suffix)) = tag_parts {
            if handle.is_empty() {
                tag = suffix;
            } else {
                if let Some((_, prefix)) = self.tag_directives.iter().find(|(h, _)| *h == handle) {
                    tag = prefix.clone();
                    tag.extend_from_slice(&suffix);
                }
                if tag.is_empty() {
                    return Err(parser_error_context(
                        start_mark,
                        "found undefined tag handle",
                        tag_mark,
                    ));
                }
            }
        }
        let implicit = tag.is_empty();
        let collection = |kind: EventKind, anchor: Option<String>, tag: Vec<u8>| Event {
            kind,
            anchor,
            tag,
            value: String::new(),
            implicit,
        };
        if indentless_sequence && matches!(t.tok, Tok::BlockEntry) {
            self.state = State::IndentlessSequenceEntry;
            return Ok(collection(EventKind::SequenceStart, anchor, tag));
        }
        match &t.tok {
            Tok::Scalar(value, style) => {
                let plain_implicit = (tag.is_empty() && *style == Style::Plain)
                    || (tag.len() == 1 && tag[0] == b'!');
                self.pop_state();
                let ev = Event {
                    kind: EventKind::Scalar,
                    anchor,
                    tag,
                    value: value.clone(),
                    implicit: plain_implicit,
                };
                self.skip_token();
                return Ok(ev);
            }
            Tok::FlowSequenceStart => {
                self.state = State::FlowSequenceFirstEntry;
                return Ok(collection(EventKind::SequenceStart, anchor, tag));
            }
            Tok::FlowMappingStart => {
                self.state = State::FlowMappingFirstKey;
                return Ok(collection(EventKind::MappingStart, anchor, tag));
            }
            Tok::BlockSequenceStart if block => {
                self.state = State::BlockSequenceFirstEntry;
                return Ok(collection(EventKind::SequenceStart, anchor, tag));
            }
            Tok::BlockMappingStart if block => {
                self.state = State::BlockMappingFirstKey;
                return Ok(collection(EventKind::MappingStart, anchor, tag));
            }
            _ => {}
        }
        if anchor.is_some() || !tag.is_empty() {
            self.pop_state();
            return Ok(Event {
                kind: EventKind::Scalar,
                anchor,
                tag,
                value: String::new(),
                implicit,
            });
        }
        Err(parser_error_context(
            start_mark,
            "did not find expected node content",
            t.start,
        ))
    }

    fn parse_block_sequence_entry(&mut self, first: bool) -> Res<Event> {
        if first {
            let t = self.peek_clone()?;
            self.marks.push(t.start);
            self.skip_token();
        }
        let t = self.peek_clone()?;
        match t.tok {
            Tok::BlockEntry => {
                self.skip_token();
                let t = self.peek_clone()?;
                if !matches!(t.tok, Tok::BlockEntry | Tok::BlockEnd) {
                    self.states.push(State::BlockSequenceEntry);
                    return self.parse_node(true, false);
                }
                self.state = State::BlockSequenceEntry;
                Ok(empty_scalar())
            }
            Tok::BlockEnd => {
                self.pop_state();
                self.marks.pop();
                self.skip_token();
                Ok(Event::simple(EventKind::SequenceEnd))
            }
            _ => {
                let ctx = self.marks.pop().unwrap_or_default();
                Err(parser_error_context(
                    ctx,
                    "did not find expected '-' indicator",
                    t.start,
                ))
            }
        }
    }

    fn parse_indentless_sequence_entry(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if matches!(t.tok, Tok::BlockEntry) {
            self.skip_token();
            let t = self.peek_clone()?;
            if !matches!(
                t.tok,
                Tok::BlockEntry | Tok::Key | Tok::Value | Tok::BlockEnd
            ) {
                self.states.push(State::IndentlessSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::IndentlessSequenceEntry;
            return Ok(empty_scalar());
        }
        self.pop_state();
        Ok(Event::simple(EventKind::SequenceEnd))
    }

    fn parse_block_mapping_key(&mut self, first: bool) -> Res<Event> {
        if first {
            let t = self.peek_clone()?;
            self.marks.push(t.start);
            self.skip_token();
        }
        let t = self.peek_clone()?;
        match t.tok {
            Tok::Key => {
                self.skip_token();
                let t = self.peek_clone()?;
                if !matches!(t.tok, Tok::Key | Tok::Value | Tok::BlockEnd) {
                    self.states.push(State::BlockMappingValue);
                    return self.parse_node(true, true);
                }
                self.state = State::BlockMappingValue;
                Ok(empty_scalar())
            }
            Tok::BlockEnd => {
                self.pop_state();
                self.marks.pop();
                self.skip_token();
                Ok(Event::simple(EventKind::MappingEnd))
            }
            _ => {
                let ctx = self.marks.pop().unwrap_or_default();
                Err(parser_error_context(
                    ctx,
                    "did not find expected key",
                    t.start,
                ))
            }
        }
    }

    fn parse_block_mapping_value(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if matches!(t.tok, Tok::Value) {
            self.skip_token();
            let t = self.peek_clone()?;
            if !matches!(t.tok, Tok::Key | Tok::Value | Tok::BlockEnd) {
                self.states.push(State::BlockMappingKey);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingKey;
            return Ok(empty_scalar());
        }
        self.state = State::BlockMappingKey;
        Ok(empty_scalar())
    }

    fn parse_flow_sequence_entry(&mut self, first: bool) -> Res<Event> {
        if first {
            let t = self.peek_clone()?;
            self.marks.push(t.start);
            self.skip_token();
        }
        let mut t = self.peek_clone()?;
        if !matches!(t.tok, Tok::FlowSequenceEnd) {
            if !first {
                if matches!(t.tok, Tok::FlowEntry) {
                    self.skip_token();
                    t = self.peek_clone()?;
                } else {
                    let ctx = self.marks.pop().unwrap_or_default();
                    return Err(parser_error_context(
                        ctx,
                        "did not find expected ',' or ']'",
                        t.start,
                    ));
                }
            }
            if matches!(t.tok, Tok::Key) {
                self.state = State::FlowSequenceEntryMappingKey;
                self.skip_token();
                let mut ev = Event::simple(EventKind::MappingStart);
                ev.implicit = true;
                return Ok(ev);
            } else if !matches!(t.tok, Tok::FlowSequenceEnd) {
                self.states.push(State::FlowSequenceEntry);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip_token();
        Ok(Event::simple(EventKind::SequenceEnd))
    }

    fn parse_flow_sequence_entry_mapping_key(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if !matches!(t.tok, Tok::Value | Tok::FlowEntry | Tok::FlowSequenceEnd) {
            self.states.push(State::FlowSequenceEntryMappingValue);
            return self.parse_node(false, false);
        }
        // libyaml consumes the token that ends an empty key here (even a ',' or ']').
        self.skip_token();
        self.state = State::FlowSequenceEntryMappingValue;
        Ok(empty_scalar())
    }

    fn parse_flow_sequence_entry_mapping_value(&mut self) -> Res<Event> {
        let t = self.peek_clone()?;
        if matches!(t.tok, Tok::Value) {
            self.skip_token();
            let t = self.peek_clone()?;
            if !matches!(t.tok, Tok::FlowEntry | Tok::FlowSequenceEnd) {
                self.states.push(State::FlowSequenceEntryMappingEnd);
                return self.parse_node(false, false);
            }
        }
        self.state = State::FlowSequenceEntryMappingEnd;
        Ok(empty_scalar())
    }

    fn parse_flow_sequence_entry_mapping_end(&mut self) -> Res<Event> {
        self.peek_clone()?;
        self.state = State::FlowSequenceEntry;
        Ok(Event::simple(EventKind::MappingEnd))
    }

    fn parse_flow_mapping_key(&mut self, first: bool) -> Res<Event> {
        if first {
            let t = self.peek_clone()?;
            self.marks.push(t.start);
            self.skip_token();
        }
        let mut t = self.peek_clone()?;
        if !matches!(t.tok, Tok::FlowMappingEnd) {
            if !first {
                if matches!(t.tok, Tok::FlowEntry) {
                    self.skip_token();
                    t = self.peek_clone()?;
                } else {
                    let ctx = self.marks.pop().unwrap_or_default();
                    return Err(parser_error_context(
                        ctx,
                        "did not find expected ',' or '}'",
                        t.start,
                    ));
                }
            }
            if matches!(t.tok, Tok::Key) {
                self.skip_token();
                let t = self.peek_clone()?;
                if !matches!(t.tok, Tok::Value | Tok::FlowEntry | Tok::FlowMappingEnd) {
                    self.states.push(State::FlowMappingValue);
                    return self.parse_node(false, false);
                }
                self.state = State::FlowMappingValue;
                return Ok(empty_scalar());
            } else if !matches!(t.tok, Tok::FlowMappingEnd) {
                self.states.push(State::FlowMappingEmptyValue);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.skip_token();
        Ok(Event::simple(EventKind::MappingEnd))
    }

    fn parse_flow_mapping_value(&mut self, empty: bool) -> Res<Event> {
        let t = self.peek_clone()?;
        if empty {
            self.state = State::FlowMappingKey;
            return Ok(empty_scalar());
        }
        if matches!(t.tok, Tok::Value) {
            self.skip_token();
            let t = self.peek_clone()?;
            if !matches!(t.tok, Tok::FlowEntry | Tok::FlowMappingEnd) {
                self.states.push(State::FlowMappingKey);
                return self.parse_node(false, false);
            }
        }
        self.state = State::FlowMappingKey;
        Ok(empty_scalar())
    }

    fn process_directives(&mut self) -> Res<()> {
        let mut seen_version = false;
        let mut t = self.peek_clone()?;
        loop {
            match &t.tok {
                Tok::VersionDirective(major, minor) => {
                    if seen_version {
                        return Err(parser_error("found duplicate %YAML directive", t.start));
                    }
                    if *major != 1 || *minor != 1 {
                        return Err(parser_error("found incompatible YAML document", t.start));
                    }
                    seen_version = true;
                }
                Tok::TagDirective(handle, prefix) => {
                    if self.tag_directives.iter().any(|(h, _)| h == handle) {
                        return Err(parser_error("found duplicate %TAG directive", t.start));
                    }
                    self.tag_directives.push((handle.clone(), prefix.clone()));
                }
                _ => break,
            }
            self.skip_token();
            t = self.peek_clone()?;
        }
        for (h, p) in [
            (&b"!"[..], &b"!"[..]),
            (&b"!!"[..], &b"tag:yaml.org,2002:"[..]),
        ] {
            if !self.tag_directives.iter().any(|(th, _)| th == h) {
                self.tag_directives.push((h.to_vec(), p.to_vec()));
            }
        }
        Ok(())
    }
}

fn empty_scalar() -> Event {
    Event {
        kind: EventKind::Scalar,
        anchor: None,
        tag: Vec::new(),
        value: String::new(),
        implicit: true,
    }
}

// ---------------------------------------------------------------------------------------------
// Composer: yaml.v2's node tree for the first document only
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NodeKind {
    Document,
    Scalar,
    Sequence,
    Mapping,
    Alias,
}

struct Node {
    kind: NodeKind,
    value: String,
    tag: String,
    implicit: bool,
    children: Vec<usize>,
    alias: usize,
}

struct Composer {
    parser: Parser,
    event: Option<Event>,
    nodes: Vec<Node>,
    anchors: HashMap<String, usize>,
}

impl Composer {
    #[inline(never)]
    fn peek(&mut self) -> Res<&Event> {
        if self.event.is_none() {
            self.event = Some(self.parser.parse()?);
        }
        self.event
            .as_ref()
            .ok_or_else(|| "yaml: internal error: no event".to_string())
    }

    #[inline(never)]
    fn expect(&mut self, kind: EventKind) -> Res<Event> {
        let ev = match self.event.take() {
            Some(ev) => ev,
            None => self.parser.parse()?,
        };
        if ev.kind == EventKind::StreamEnd {
            return Err(
                "yaml: attempted to go past the end of stream; corrupted value?".to_string(),
            );
        }
        if ev.kind != kind {
            return Err(format!(
                "yaml: expected {kind:?} event but got {:?}",
                ev.kind
            ));
        }
        Ok(ev)
    }

    fn new_node(&mut self, kind: NodeKind) -> usize {
        self.nodes.push(Node {
            kind,
            value: String::new(),
            tag: String::new(),
            implicit: false,
            children: Vec::new(),
            alias: 0,
        });
        self.nodes.len() - 1
    }

    fn anchor(&mut self, n: usize, anchor: &Option<String>) {
        if let Some(a) = anchor {
            self.anchors.insert(a.clone(), n);
        }
    }

    /// yaml.v2 `parser.parse` from the stream start: the first document, or `None` at the end
    /// of the stream. yaml.v2 recurses; this keeps the open collections on a heap stack so
    /// that deep nesting (up to yaml.v2's limit of 10000 levels) cannot overflow the stack.
    fn parse(&mut self) -> Res<Option<usize>> {
        let mut open: Vec<(usize, EventKind)> = Vec::new();
        loop {
            let kind = self.peek()?.kind.clone();
            let node = match kind {
                EventKind::StreamEnd if open.is_empty() => return Ok(None),
                EventKind::Scalar => {
                    let ev = self.peek()?.clone();
                    let n = self.new_node(NodeKind::Scalar);
                    self.nodes[n].value = ev.value;
                    self.nodes[n].tag = String::from_utf8_lossy(&ev.tag).into_owned();
                    self.nodes[n].implicit = ev.implicit;
                    self.anchor(n, &ev.anchor);
                    self.expect(EventKind::Scalar)?;
                    n
                }
                EventKind::Alias => {
                    let name = self.peek()?.anchor.clone().unwrap_or_default();
                    let n = self.new_node(NodeKind::Alias);
                    let Some(&target) = self.anchors.get(&name) else {
                        return Err(format!("yaml: unknown anchor '{name}' referenced"));
                    };
                    self.nodes[n].value = name;
                    self.nodes[n].alias = target;
                    self.expect(EventKind::Alias)?;
                    n
                }
                EventKind::MappingStart | EventKind::SequenceStart => {
                    let mapping = kind == EventKind::MappingStart;
                    let anchor = self.peek()?.anchor.clone();
                    let n = self.new_node(if mapping {
                        NodeKind::Mapping
                    } else {
                        NodeKind::Sequence
                    });
                    self.anchor(n, &anchor);
                    self.expect(kind)?;
                    if let Some(&(parent, _)) = open.last() {
                        self.nodes[parent].children.push(n);
                    }
                    let end = if mapping {
                        EventKind::MappingEnd
                    } else {
                        EventKind::SequenceEnd
                    };
                    open.push((n, end));
                    continue;
                }
                EventKind::DocumentStart => {
                    let n = self.new_node(NodeKind::Document);
                    self.anchors.clear();
                    self.expect(EventKind::DocumentStart)?;
                    open.push((n, EventKind::DocumentEnd));
                    continue;
                }
                EventKind::MappingEnd | EventKind::SequenceEnd | EventKind::DocumentEnd
                    if open.last().is_some_and(|(_, end)| *end == kind) =>
                {
                    self.expect(kind.clone())?;
                    let Some((n, _)) = open.pop() else { continue };
                    if kind == EventKind::DocumentEnd {
                        return Ok(Some(n));
                    }
                    n
                }
                other => return Err(format!("yaml: attempted to parse unknown event: {other:?}")),
            };
            // A finished node that is not a collection just opened: attach it to its parent.
            match open.last() {
                Some(&(parent, _)) => {
                    if self.nodes[node].kind == NodeKind::Scalar
                        || self.nodes[node].kind == NodeKind::Alias
                    {
                        self.nodes[parent].children.push(node);
                    }
                }
                None => return Ok(Some(node)),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoder: yaml.v2 unmarshalling into interface{}
// ---------------------------------------------------------------------------------------------

/// A decoded Go value as yaml.v2 produces it for an `interface{}` target.
#[derive(Clone, Debug)]
enum GoVal {
    Nil,
    Bool(bool),
    /// Go `int` (64-bit).
    Int(i64),
    /// Go `uint64`, only for integers above `i64::MAX`.
    Uint(u64),
    Float(f64),
    /// Go strings are bytes; `!!binary` can make them invalid UTF-8.
    Str(Vec<u8>),
    Seq(Vec<GoVal>),
    Map(GoMap),
}

/// Dropping a deeply nested value recursively could overflow the stack; children are moved
/// to a heap stack first.
impl Drop for GoVal {
    fn drop(&mut self) {
        fn take_children(v: &mut GoVal, stack: &mut Vec<GoVal>) {
            match v {
                GoVal::Seq(items) => stack.append(items),
                GoVal::Map(m) => {
                    m.index.clear();
                    for (k, val) in m.entries.drain(..) {
                        stack.push(k);
                        stack.push(val);
                    }
                }
                _ => {}
            }
        }
        let mut stack = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut v) = stack.pop() {
            take_children(&mut v, &mut stack);
        }
    }
}

/// Key identity of a Go `map[interface{}]interface{}`: dynamic type plus `==`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum KeyRepr {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(Vec<u8>),
}

#[derive(Clone, Debug, Default)]
struct GoMap {
    entries: Vec<(GoVal, GoVal)>,
    index: HashMap<KeyRepr, usize>,
}

impl GoMap {
    fn set(&mut self, k: GoVal, v: GoVal) {
        let repr = match &k {
            GoVal::Nil => Some(KeyRepr::Nil),
            GoVal::Bool(b) => Some(KeyRepr::Bool(*b)),
            GoVal::Int(i) => Some(KeyRepr::Int(*i)),
            GoVal::Uint(u) => Some(KeyRepr::Uint(*u)),
            // NaN never equals itself, so every NaN key is a new entry; +0 and -0 are equal.
            GoVal::Float(f) if f.is_nan() => None,
            GoVal::Float(f) => Some(KeyRepr::Float(if *f == 0.0 { 0 } else { f.to_bits() })),
            GoVal::Str(s) => Some(KeyRepr::Str(s.clone())),
            GoVal::Seq(_) | GoVal::Map(_) => None,
        };
        match repr.as_ref().and_then(|r| self.index.get(r)) {
            Some(&i) => self.entries[i] = (k, v),
            None => {
                if let Some(r) = repr {
                    self.index.insert(r, self.entries.len());
                }
                self.entries.push((k, v));
            }
        }
    }
}

const STR_TAG: &str = "tag:yaml.org,2002:str";
const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
const INT_TAG: &str = "tag:yaml.org,2002:int";
const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
const NULL_TAG: &str = "tag:yaml.org,2002:null";
const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

struct Decoder<'a> {
    nodes: &'a [Node],
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    aliases: HashSet<usize>,
}

/// The decoder's next move: decode a node (into a fresh value, or into the map in the given
/// frame slot for merges), or hand a finished value back to the frame below.
enum Step {
    Call(usize, Option<usize>),
    Return(Option<GoVal>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MapStage {
    Start,
    Key,
    Value,
    Merge,
}

/// One suspended yaml.v2 decoding call.
enum Frame {
    Seq {
        node: usize,
        items: Vec<GoVal>,
    },
    /// A mapping decoded into its own map (`owner: None`) or, for merges, into the map of the
    /// frame in slot `owner`.
    Map {
        node: usize,
        pair: usize,
        stage: MapStage,
        key: Option<GoVal>,
        owner: Option<usize>,
        map: GoMap,
    },
    /// A merge list, walked from its last entry down.
    MergeSeq {
        node: usize,
        remaining: usize,
        owner: usize,
    },
    Alias {
        node: usize,
    },
}

fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

impl Decoder<'_> {
    fn count(&mut self) -> Res<()> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err("yaml: document contains excessive aliasing".to_string());
        }
        Ok(())
    }

    /// yaml.v2's recursive `d.unmarshal(root, &iface)`, run on a heap stack of frames so deep
    /// documents cannot overflow the thread stack. Calls happen in yaml.v2's order, so the
    /// alias-ratio check fires at the same node.
    fn run(&mut self, root: usize) -> Res<GoVal> {
        let mut frames: Vec<Frame> = Vec::new();
        let mut step = Step::Call(root, None);
        loop {
            step = match step {
                Step::Call(n, into) => self.call(n, into, &mut frames)?,
                Step::Return(value) => {
                    let Some(top) = frames.len().checked_sub(1) else {
                        return Ok(value.unwrap_or(GoVal::Nil));
                    };
                    self.resume(top, value, &mut frames)?
                }
            };
        }
    }

    /// `d.unmarshal(n, out)`: `into` is the stack slot of the map a merge writes into.
    fn call(&mut self, n: usize, into: Option<usize>, frames: &mut Vec<Frame>) -> Res<Step> {
        self.count()?;
        let node = &self.nodes[n];
        match node.kind {
            NodeKind::Scalar if into.is_none() => Ok(Step::Return(Some(self.scalar(n)?))),
            NodeKind::Mapping => {
                frames.push(Frame::Map {
                    node: n,
                    pair: 0,
                    stage: MapStage::Start,
                    key: None,
                    owner: into,
                    map: GoMap::default(),
                });
                self.advance(frames.len() - 1, frames)
            }
            NodeKind::Sequence if into.is_none() => {
                frames.push(Frame::Seq {
                    node: n,
                    items: Vec::with_capacity(node.children.len()),
                });
                self.advance(frames.len() - 1, frames)
            }
            NodeKind::Document => match node.children.first() {
                Some(&c) if node.children.len() == 1 => Ok(Step::Call(c, into)),
                _ => Ok(Step::Return(Some(GoVal::Nil))),
            },
            NodeKind::Alias => {
                if !self.aliases.insert(n) {
                    return Err(format!(
                        "yaml: anchor '{}' value contains itself",
                        node.value
                    ));
                }
                self.alias_depth += 1;
                frames.push(Frame::Alias { node: n });
                Ok(Step::Call(node.alias, into))
            }
            // merge() only hands over mappings and aliases of mappings.
            _ => Err(merge_error()),
        }
    }

    /// A call made by frame `top` has returned `value`.
    fn resume(&mut self, top: usize, value: Option<GoVal>, frames: &mut Vec<Frame>) -> Res<Step> {
        match &mut frames[top] {
            Frame::Alias { node } => {
                let node = *node;
                self.alias_depth -= 1;
                self.aliases.remove(&node);
                frames.pop();
                Ok(Step::Return(value))
            }
            Frame::Seq { items, .. } => {
                items.push(value.unwrap_or(GoVal::Nil));
                self.advance(top, frames)
            }
            Frame::MergeSeq { .. } => self.advance(top, frames),
            Frame::Map {
                node,
                pair,
                stage,
                key,
                owner,
                ..
            } => match *stage {
                MapStage::Key => {
                    let k = value.unwrap_or(GoVal::Nil);
                    if matches!(k, GoVal::Map(_) | GoVal::Seq(_)) {
                        return Err(format!("yaml: invalid map key: {}", go_sharp_v(&k, false)));
                    }
                    *key = Some(k);
                    *stage = MapStage::Value;
                    let v = self.nodes[*node].children[*pair * 2 + 1];
                    Ok(Step::Call(v, None))
                }
                MapStage::Value => {
                    let k = key.take().unwrap_or(GoVal::Nil);
                    let target = owner.unwrap_or(top);
                    *pair += 1;
                    *stage = MapStage::Start;
                    if let Frame::Map { map, .. } = &mut frames[target] {
                        map.set(k, value.unwrap_or(GoVal::Nil));
                    }
                    self.advance(top, frames)
                }
                MapStage::Merge | MapStage::Start => {
                    *pair += 1;
                    *stage = MapStage::Start;
                    self.advance(top, frames)
                }
            },
        }
    }

    /// Start the next piece of work of frame `top`, or finish it.
    fn advance(&mut self, top: usize, frames: &mut Vec<Frame>) -> Res<Step> {
        let nodes = self.nodes;
        match &mut frames[top] {
            Frame::Seq { node, items } => {
                let children = &nodes[*node].children;
                if items.len() < children.len() {
                    return Ok(Step::Call(children[items.len()], None));
                }
                let items = std::mem::take(items);
                frames.pop();
                Ok(Step::Return(Some(GoVal::Seq(items))))
            }
            Frame::MergeSeq {
                node,
                remaining,
                owner,
            } => {
                // Earlier maps in a merge list win, so they are merged last.
                if *remaining == 0 {
                    frames.pop();
                    return Ok(Step::Return(None));
                }
                *remaining -= 1;
                let child = nodes[*node].children[*remaining];
                let owner = *owner;
                let ok = match nodes[child].kind {
                    NodeKind::Alias => nodes[nodes[child].alias].kind == NodeKind::Mapping,
                    NodeKind::Mapping => true,
                    _ => false,
                };
                if !ok {
                    return Err(merge_error());
                }
                Ok(Step::Call(child, Some(owner)))
            }
            Frame::Map {
                node,
                pair,
                stage,
                owner,
                map,
                ..
            } => {
                let children = &nodes[*node].children;
                if *pair * 2 + 1 >= children.len() {
                    let map = std::mem::take(map);
                    let owned = owner.is_none();
                    frames.pop();
                    return Ok(Step::Return(if owned {
                        Some(GoVal::Map(map))
                    } else {
                        None
                    }));
                }
                let (k, v) = (children[*pair * 2], children[*pair * 2 + 1]);
                let kn = &nodes[k];
                let is_merge = kn.kind == NodeKind::Scalar
                    && kn.value == "<<"
                    && (kn.implicit || kn.tag == MERGE_TAG);
                if !is_merge {
                    *stage = MapStage::Key;
                    return Ok(Step::Call(k, None));
                }
                *stage = MapStage::Merge;
                let target = owner.unwrap_or(top);
                let vn = &nodes[v];
                match vn.kind {
                    NodeKind::Mapping => Ok(Step::Call(v, Some(target))),
                    NodeKind::Alias if nodes[vn.alias].kind == NodeKind::Mapping => {
                        Ok(Step::Call(v, Some(target)))
                    }
                    NodeKind::Sequence => {
                        let remaining = vn.children.len();
                        frames.push(Frame::MergeSeq {
                            node: v,
                            remaining,
                            owner: target,
                        });
                        self.advance(frames.len() - 1, frames)
                    }
                    _ => Err(merge_error()),
                }
            }
            Frame::Alias { .. } => Err("yaml: internal error: alias frame advanced".to_string()),
        }
    }

    #[inline(never)]
    fn scalar(&mut self, n: usize) -> Res<GoVal> {
        let node = &self.nodes[n];
        if node.tag.is_empty() && !node.implicit {
            return Ok(GoVal::Str(node.value.as_bytes().to_vec()));
        }
        let (rtag, resolved) = resolve(&node.tag, &node.value)?;
        if rtag == BINARY_TAG {
            let GoVal::Str(text) = &resolved else {
                return Ok(resolved);
            };
            return match base64_decode(text) {
                Some(bytes) => Ok(GoVal::Str(bytes)),
                None => Err("yaml: !!binary value contains invalid base64 data".to_string()),
            };
        }
        if rtag == TIMESTAMP_TAG {
            // yaml.v2 keeps timestamps as their text when the target is interface{}.
            return Ok(GoVal::Str(node.value.as_bytes().to_vec()));
        }
        Ok(resolved)
    }
}

fn merge_error() -> String {
    "yaml: map merge requires map or sequence of maps as the value".to_string()
}

/// yaml.v2 `resolve(tag, in)`: the resolved tag and value, or the `cannot decode` failure.
fn resolve(tag: &str, input: &str) -> Res<(String, GoVal)> {
    let resolvable = matches!(
        tag,
        "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG
    );
    let text = || GoVal::Str(input.as_bytes().to_vec());
    if !resolvable {
        return Ok((tag.to_string(), text()));
    }
    let (rtag, out) = resolve_plain(tag, input);
    if tag.is_empty() || tag == rtag || tag == STR_TAG || tag == BINARY_TAG {
        return Ok((rtag.to_string(), out));
    }
    if tag == FLOAT_TAG
        && rtag == INT_TAG
        && let GoVal::Int(i) = out
    {
        return Ok((FLOAT_TAG.to_string(), GoVal::Float(i as f64)));
    }
    Err(format!(
        "yaml: cannot decode {} `{}` as a {}",
        short_tag(rtag),
        input,
        short_tag(tag)
    ))
}

fn resolve_plain(tag: &str, input: &str) -> (&'static str, GoVal) {
    let text = || GoVal::Str(input.as_bytes().to_vec());
    let hint = match input.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 || tag == STR_TAG || tag == BINARY_TAG {
        return (STR_TAG, text());
    }
    match input {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return (BOOL_TAG, GoVal::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return (BOOL_TAG, GoVal::Bool(false));
        }
        "" | "~" | "null" | "Null" | "NULL" => return (NULL_TAG, GoVal::Nil),
        ".nan" | ".NaN" | ".NAN" => return (FLOAT_TAG, GoVal::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return (FLOAT_TAG, GoVal::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return (FLOAT_TAG, GoVal::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    match hint {
        b'.' => {
            if let Some(f) = go_parse_float(input) {
                return (FLOAT_TAG, GoVal::Float(f));
            }
        }
        b'D' | b'S' => {
            if (tag.is_empty() || tag == TIMESTAMP_TAG) && parse_timestamp(input) {
                return (TIMESTAMP_TAG, text());
            }
            let plain: String = input.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return (INT_TAG, GoVal::Int(i));
            }
            if let Some(u) = go_parse_uint(&plain) {
                return (INT_TAG, GoVal::Uint(u));
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return (FLOAT_TAG, GoVal::Float(f));
            }
        }
        _ => {}
    }
    (STR_TAG, text())
}

/// `strconv.ParseUint(s, 0, 64)` once underscores are gone.
fn go_parse_uint(s: &str) -> Option<u64> {
    let (base, digits) = if let Some(rest) = s.strip_prefix('0') {
        let lower = rest.as_bytes().first().map(|b| b.to_ascii_lowercase());
        match lower {
            Some(b'b') if s.len() >= 3 => (2, &rest[1..]),
            Some(b'o') if s.len() >= 3 => (8, &rest[1..]),
            Some(b'x') if s.len() >= 3 => (16, &rest[1..]),
            _ => (8, rest),
        }
    } else {
        (10, s)
    };
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// `strconv.ParseInt(s, 0, 64)` once underscores are gone.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(body)?;
    if neg {
        if u <= 1u64 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` for decimal syntax (all this resolver can hand it): `None` on a
/// syntax error or overflow.
fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut mantissa_digits = 0;
    let mut seen_dot = false;
    let mut underscores = false;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => mantissa_digits += 1,
            b'_' => underscores = true,
            b'.' if !seen_dot => seen_dot = true,
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if underscores && !go_underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let f: f64 = clean.parse().ok()?;
    if f.is_infinite() { None } else { Some(f) }
}

/// strconv's `underscoreOK` for a decimal literal: each `_` sits between two digits.
fn go_underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let start = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    for &c in &b[start..] {
        if c.is_ascii_digit() {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// yaml.v2 `parseTimestamp`: `time.Parse` with its four layouts, reduced to "does it parse".
fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_len != 4 || year_len == b.len() || b[4] != b'-' {
        return false;
    }
    let mut p = TsParser { b, i: 5 };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let Some(month) = p.num(2) else { return false };
    if !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.num(2) else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if p.i == b.len() {
        return true;
    }
    let sep = b[p.i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    p.i += 1;
    let Some(hour) = p.num(2) else { return false };
    if !p.eat(b':') {
        return false;
    }
    let Some(min) = p.num(2) else { return false };
    if !p.eat(b':') {
        return false;
    }
    let Some(sec) = p.num(2) else { return false };
    if hour >= 24 || min >= 60 || sec >= 60 {
        return false;
    }
    if p.i < b.len() && b[p.i] == b'.' {
        let start = p.i + 1;
        let mut j = start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == start {
            return false;
        }
        p.i = j;
    }
    if sep == b' ' {
        return p.i == b.len();
    }
    if p.i < b.len() && b[p.i] == b'Z' {
        return p.i + 1 == b.len();
    }
    if p.i < b.len() && (b[p.i] == b'+' || b[p.i] == b'-') {
        let rest = &b[p.i + 1..];
        return rest.len() == 5
            && rest[0].is_ascii_digit()
            && rest[1].is_ascii_digit()
            && rest[2] == b':'
            && rest[3].is_ascii_digit()
            && rest[4].is_ascii_digit()
            && (rest[0] - b'0') * 10 + (rest[1] - b'0') < 24
            && (rest[3] - b'0') * 10 + (rest[4] - b'0') < 60;
    }
    false
}

struct TsParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl TsParser<'_> {
    /// One or two digits, as Go's non-padded layout elements accept.
    fn num(&mut self, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// `base64.StdEncoding.DecodeString`: padded standard alphabet, `\r` and `\n` ignored.
fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = input
        .iter()
        .copied()
        .filter(|&c| c != b'\r' && c != b'\n')
        .collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let quads = clean.chunks(4).collect::<Vec<_>>();
    for (qi, q) in quads.iter().enumerate() {
        let last = qi + 1 == quads.len();
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &q[..4 - pad] {
            acc = (acc << 6) | val(c)?;
        }
        match pad {
            0 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            1 => {
                acc <<= 6;
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8]);
            }
            _ => {
                acc <<= 12;
                out.push((acc >> 16) as u8);
            }
        }
    }
    Some(out)
}

/// yaml.Unmarshal into interface{}: the Go value, or the `yaml: ...` error.
fn unmarshal_yaml(text: &str) -> Res<GoVal> {
    let mut composer = Composer {
        parser: Parser::new(text),
        event: None,
        nodes: Vec::new(),
        anchors: HashMap::new(),
    };
    composer.expect(EventKind::StreamStart)?;
    let Some(root) = composer.parse()? else {
        return Ok(GoVal::Nil);
    };
    let mut decoder = Decoder {
        nodes: &composer.nodes,
        decode_count: 0,
        alias_count: 0,
        alias_depth: 0,
        aliases: HashSet::new(),
    };
    decoder.run(root)
}

// ---------------------------------------------------------------------------------------------
// Conversion to JSON (sigs.k8s.io/yaml convertToJSONableObject + encoding/json)
// ---------------------------------------------------------------------------------------------

/// sigs.k8s.io's `convertToJSONableObject`: map keys become strings (ints in decimal, floats as
/// float32 `%g`, bools as words); null and uint64 keys are errors. Runs on a heap stack so deep
/// values cannot overflow the thread stack.
fn to_jsonable(root: &GoVal) -> Res<(Value, bool)> {
    enum JFrame<'a> {
        Seq(std::slice::Iter<'a, GoVal>, Vec<Value>),
        Map(
            std::slice::Iter<'a, (GoVal, GoVal)>,
            Map<String, Value>,
            String,
        ),
    }
    let mut nonfinite = false;
    let mut stack: Vec<JFrame> = Vec::new();
    let mut next = Some(root);
    loop {
        let mut done = match next.take() {
            Some(GoVal::Seq(items)) => {
                stack.push(JFrame::Seq(items.iter(), Vec::with_capacity(items.len())));
                None
            }
            Some(GoVal::Map(m)) => {
                stack.push(JFrame::Map(m.entries.iter(), Map::new(), String::new()));
                None
            }
            Some(scalar) => {
                nonfinite |= matches!(scalar, GoVal::Float(f) if !f.is_finite());
                Some(scalar_json(scalar))
            }
            None => None,
        };
        // Hand finished values down and find the next child to convert.
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok((done.unwrap_or(Value::Null), nonfinite));
            };
            match top {
                JFrame::Seq(rest, out) => {
                    if let Some(v) = done.take() {
                        out.push(v);
                    }
                    if let Some(child) = rest.next() {
                        next = Some(child);
                        break;
                    }
                    let out = std::mem::take(out);
                    stack.pop();
                    done = Some(Value::Array(out));
                }
                JFrame::Map(rest, out, key) => {
                    if let Some(v) = done.take() {
                        out.insert(std::mem::take(key), v);
                    }
                    if let Some((k, v)) = rest.next() {
                        *key = json_key(k, v)?;
                        next = Some(v);
                        break;
                    }
                    let out = std::mem::take(out);
                    stack.pop();
                    done = Some(Value::Object(out));
                }
            }
        }
    }
}

/// The first NaN or infinity `json.Marshal` meets: it walks maps in sorted key order, and of
/// keys that convert to the same string only the last one survived the conversion.
fn first_nonfinite(root: &GoVal) -> Option<f64> {
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        match v {
            GoVal::Float(f) if !f.is_finite() => return Some(*f),
            GoVal::Seq(items) => stack.extend(items.iter().rev()),
            GoVal::Map(m) => {
                let mut sorted = std::collections::BTreeMap::new();
                for (k, val) in &m.entries {
                    if let Ok(key) = json_key(k, val) {
                        sorted.insert(key, val);
                    }
                }
                stack.extend(sorted.into_values().rev());
            }
            _ => {}
        }
    }
    None
}

fn scalar_json(v: &GoVal) -> Value {
    match v {
        GoVal::Bool(b) => Value::Bool(*b),
        GoVal::Int(i) => json_number(*i as f64),
        GoVal::Uint(u) => json_number(*u as f64),
        GoVal::Float(f) => json_number(*f),
        GoVal::Str(s) => Value::String(go_string_lossy(s)),
        _ => Value::Null,
    }
}

fn json_key(k: &GoVal, v: &GoVal) -> Res<String> {
    Ok(match k {
        GoVal::Str(s) => go_string_lossy(s),
        GoVal::Int(i) => i.to_string(),
        GoVal::Float(f) => match go_format_float32(*f).as_str() {
            "+Inf" => ".inf".to_string(),
            "-Inf" => "-.inf".to_string(),
            "NaN" => ".nan".to_string(),
            s => s.to_string(),
        },
        GoVal::Bool(b) => b.to_string(),
        other => {
            let ty = if matches!(other, GoVal::Uint(_)) {
                "uint64"
            } else {
                "%!s(<nil>)"
            };
            return Err(format!(
                "unsupported map key of type: {ty}, key: {}, value: {}",
                go_sharp_v(other, false),
                go_sharp_v(v, false)
            ));
        }
    })
}

fn json_number(f: f64) -> Value {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Go's JSON encoder turns each invalid UTF-8 byte into U+FFFD.
fn go_string_lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::new();
            let mut i = 0;
            while i < b.len() {
                let w = utf8_width(b[i]);
                let ok = w > 0 && i + w <= b.len() && std::str::from_utf8(&b[i..i + w]).is_ok();
                if ok {
                    out.push_str(std::str::from_utf8(&b[i..i + w]).unwrap_or(""));
                    i += w;
                } else {
                    out.push('\u{fffd}');
                    i += 1;
                }
            }
            out
        }
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`.
pub fn go_format_float32(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    let x = f as f32;
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        };
    }
    go_format_g(&format!("{x:e}"))
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`.
fn go_format_float64(f: f64) -> String {
    crate::engine::value::format_float(f)
}

/// The text sigs.k8s.io/yaml gives a YAML number decoded into a Go string field (`version: 1.0`
/// in `Chart.yaml`, a number in a manifest's `kind`): integers in decimal, floats as
/// `strconv.FormatFloat(f, 'g', -1, 32)`. Numbers arrive as float64, so an integral value is
/// taken for a YAML integer.
pub fn number_for_string_field(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f == 0.0 && f.is_sign_negative() {
        // only a YAML float can be negative zero
        return "-0".to_string();
    }
    if f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18 {
        return (f as i64).to_string();
    }
    go_format_float32(f)
}

/// Go's shortest `%g` (`strconv.FormatFloat(x, 'g', -1, n)`) from Rust's shortest `{:e}` text
/// such as `-1.2345e6`: exponent form when the exponent is below -4 or at least 6.
fn go_format_g(e: &str) -> String {
    let (neg, e) = match e.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, e),
    };
    let (mant, exp) = e.split_once('e').unwrap_or((e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = if digits.trim_end_matches('0').is_empty() {
        "0".to_string()
    } else {
        digits.trim_end_matches('0').to_string()
    };
    let nd = digits.len() as i32;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let eprec = 6;
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let dp = (exp + 1) as usize;
        if digits.len() <= dp {
            out.push_str(&digits);
            for _ in digits.len()..dp {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
    out
}

/// Go's `%#v` of a decoded value (used in two error messages). Values nested inside an
/// `[]interface{}` or map print a nil as `interface {}(nil)`; the top level prints `<nil>`.
fn go_sharp_v(root: &GoVal, nested: bool) -> String {
    enum Emit<'a> {
        Val(&'a GoVal, bool),
        Text(&'static str),
    }
    let mut out = String::new();
    let mut stack = vec![Emit::Val(root, nested)];
    while let Some(item) = stack.pop() {
        let (v, nested) = match item {
            Emit::Text(t) => {
                out.push_str(t);
                continue;
            }
            Emit::Val(v, nested) => (v, nested),
        };
        match v {
            GoVal::Nil if nested => out.push_str("interface {}(nil)"),
            GoVal::Nil => out.push_str("<nil>"),
            GoVal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            GoVal::Int(i) => out.push_str(&i.to_string()),
            GoVal::Uint(u) => out.push_str(&format!("0x{u:x}")),
            GoVal::Float(f) => out.push_str(&go_format_float64(*f)),
            GoVal::Str(s) => out.push_str(&go_quote(s)),
            GoVal::Seq(items) => {
                out.push_str("[]interface {}{");
                stack.push(Emit::Text("}"));
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push(Emit::Val(item, true));
                    if i > 0 {
                        stack.push(Emit::Text(", "));
                    }
                }
            }
            GoVal::Map(m) => {
                let mut entries: Vec<&(GoVal, GoVal)> = m.entries.iter().collect();
                entries.sort_by(|a, b| {
                    key_order(&a.0)
                        .partial_cmp(&key_order(&b.0))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                out.push_str("map[interface {}]interface {}{");
                stack.push(Emit::Text("}"));
                for (i, (k, val)) in entries.iter().enumerate().rev() {
                    stack.push(Emit::Val(val, true));
                    stack.push(Emit::Text(":"));
                    stack.push(Emit::Val(k, true));
                    if i > 0 {
                        stack.push(Emit::Text(", "));
                    }
                }
            }
        }
    }
    out
}

/// fmt sorts interface keys by type, then value. The type order comes from type addresses in
/// Helm's binary; this is the order it showed: nil, string, uint64, int, float64 (NaN first),
/// bool.
fn key_order(k: &GoVal) -> (u8, f64, Vec<u8>) {
    match k {
        GoVal::Nil => (0, 0.0, Vec::new()),
        GoVal::Str(s) => (1, 0.0, s.clone()),
        GoVal::Uint(u) => (2, *u as f64, Vec::new()),
        GoVal::Int(i) => (3, *i as f64, Vec::new()),
        GoVal::Float(f) if f.is_nan() => (4, f64::NEG_INFINITY, Vec::new()),
        GoVal::Float(f) => (4, *f, vec![1]),
        GoVal::Bool(b) => (5, f64::from(u8::from(*b)), Vec::new()),
        _ => (6, 0.0, Vec::new()),
    }
}

// Every expected value below is what Helm v4.2.3 printed for `{{ toJson (fromYaml .Values.s) }}`
// (map target), `{{ toJson (fromYamlArray .Values.s) }}` (list target) or for a chart whose
// values.yaml held the text (`{{ toJson .Values }}`, or the chart load error).
#[cfg(test)]
mod tests {
    use super::*;

    /// Go's encoding/json decodes every number to float64; compare the same way.
    fn norm(v: Value) -> Value {
        match v {
            Value::Number(n) => json_number(n.as_f64().unwrap_or(f64::NAN)),
            Value::Array(a) => Value::Array(a.into_iter().map(norm).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, norm(v))).collect()),
            other => other,
        }
    }

    fn expected(helm_json: &str) -> Value {
        norm(serde_json::from_str(helm_json).expect("Helm's output is JSON"))
    }

    fn map_ok(yaml: &str, helm_json: &str) {
        let got = yaml_to_json_map(yaml).unwrap_or_else(|e| panic!("{yaml:?} failed: {e}"));
        assert_eq!(
            norm(Value::Object(got)),
            expected(helm_json),
            "input {yaml:?}"
        );
    }

    fn map_err(yaml: &str, helm_error: &str) {
        assert_eq!(
            yaml_to_json_map(yaml).err().as_deref(),
            Some(helm_error),
            "input {yaml:?}"
        );
    }

    fn arr_ok(yaml: &str, helm_json: &str) {
        let got = yaml_to_json_array(yaml).unwrap_or_else(|e| panic!("{yaml:?} failed: {e}"));
        assert_eq!(
            norm(Value::Array(got)),
            expected(helm_json),
            "input {yaml:?}"
        );
    }

    fn arr_err(yaml: &str, helm_error: &str) {
        assert_eq!(
            yaml_to_json_array(yaml).err().as_deref(),
            Some(helm_error),
            "input {yaml:?}"
        );
    }

    fn val_ok(yaml: &str, helm_json: &str) {
        let got = load_values(yaml).unwrap_or_else(|e| panic!("{yaml:?} failed: {e}"));
        assert_eq!(
            norm(Value::Object(got)),
            expected(helm_json),
            "input {yaml:?}"
        );
    }

    /// Helm's chart loader puts `cannot load values.yaml: ` in front.
    fn val_err(yaml: &str, helm_error: &str) {
        let got = load_values(yaml)
            .err()
            .map(|e| format!("cannot load values.yaml: {e}"));
        assert_eq!(got.as_deref(), Some(helm_error), "input {yaml:?}");
    }

    #[test]
    fn the_generic_entry_point_keeps_null_and_scalars_at_the_top() {
        // yaml_to_json is the interface{} target: these are the JSON texts yaml.v2 + sigs.k8s.io
        // produce before any Go type is applied (fromYaml shows them as type errors below).
        assert_eq!(yaml_to_json("~"), Ok(Value::Null));
        assert_eq!(yaml_to_json(""), Ok(Value::Null));
        assert_eq!(yaml_to_json("x"), Ok(Value::String("x".into())));
        assert_eq!(norm(yaml_to_json("- 1\n- 2").unwrap()), expected("[1,2]"));
    }

    #[test]
    fn documents_nested_ten_thousand_deep_do_not_overflow_the_stack() {
        let text = format!("{}1{}", "{a: ".repeat(9999), "}".repeat(9999));
        let mut v = yaml_to_json(&text).expect("yaml.v2 accepts 9999 levels");
        let mut depth = 0;
        while let Value::Object(mut m) = v {
            v = m.remove("a").unwrap_or(Value::Null);
            depth += 1;
        }
        assert_eq!(depth, 9999);
    }

    #[test]
    fn yaml_1_1_booleans_and_their_look_alikes_resolve_like_yaml_v2() {
        map_ok("a: yes", "{\"a\":true}");
        map_ok("a: Yes", "{\"a\":true}");
        map_ok("a: yEs", "{\"a\":\"yEs\"}");
        map_ok("a: off", "{\"a\":false}");
        map_ok("a: ON", "{\"a\":true}");
        map_ok("a: y", "{\"a\":true}");
        map_ok("a: n", "{\"a\":false}");
        map_ok("a: tRue", "{\"a\":\"tRue\"}");
    }

    #[test]
    fn null_forms_resolve_to_null_but_odd_capitalisation_stays_a_string() {
        map_ok("a: ~", "{\"a\":null}");
        map_ok("a: Null", "{\"a\":null}");
        map_ok("a: nULL", "{\"a\":\"nULL\"}");
        map_ok("a: ", "{\"a\":null}");
    }

    #[test]
    fn integers_follow_go_parse_int_with_base_prefixes_and_underscores() {
        map_ok("a: 012", "{\"a\":10}");
        map_ok("a: 08", "{\"a\":8}");
        map_ok("a: 0o17", "{\"a\":15}");
        map_ok("a: 0x1F", "{\"a\":31}");
        map_ok("a: -0b101", "{\"a\":-5}");
        map_ok("a: 1_000", "{\"a\":1000}");
        map_ok("a: +12", "{\"a\":12}");
        map_ok("a: 1:20", "{\"a\":\"1:20\"}");
        map_ok("a: 0x", "{\"a\":\"0x\"}");
    }

    #[test]
    fn integers_beyond_int64_become_uint64_or_float_and_lose_precision_as_float64() {
        map_ok("a: 9223372036854775808", "{\"a\":9223372036854776000}");
        map_ok("a: 18446744073709551616", "{\"a\":18446744073709552000}");
        map_ok("a: 12345678901234567890", "{\"a\":12345678901234567000}");
        map_ok("a: 123456789012345678", "{\"a\":123456789012345680}");
    }

    #[test]
    fn floats_need_the_yaml_float_shape_and_overflow_stays_a_string() {
        map_ok("a: .5", "{\"a\":0.5}");
        map_ok("a: 1e3", "{\"a\":1000}");
        map_ok("a: 1_000.5", "{\"a\":1000.5}");
        map_ok("a: 1e400", "{\"a\":\"1e400\"}");
        map_ok("a: -0.0", "{\"a\":-0}");
        map_ok("a: .iNf", "{\"a\":\".iNf\"}");
        map_ok("a: 1.2.3", "{\"a\":\"1.2.3\"}");
        map_ok("a: .5_0", "{\"a\":0.5}");
    }

    #[test]
    fn quoted_scalars_and_str_tags_are_always_strings() {
        map_ok("a: '12'", "{\"a\":\"12\"}");
        map_ok("a: \"yes\"", "{\"a\":\"yes\"}");
        map_ok("a: !!str yes", "{\"a\":\"yes\"}");
        map_ok("a: !foo 12", "{\"a\":\"12\"}");
        map_ok("a: ! 12", "{\"a\":\"12\"}");
        map_ok("a: !<tag:yaml.org,2002:int> 12", "{\"a\":12}");
    }

    #[test]
    fn explicit_tags_convert_or_fail_with_cannot_decode() {
        map_ok("a: !!int '12'", "{\"a\":12}");
        map_ok("a: !!float 1", "{\"a\":1}");
        map_err(
            "a: !!int abc",
            "error converting YAML to JSON: yaml: cannot decode !!str `abc` as a !!int",
        );
        map_err(
            "a: !!int 1.5",
            "error converting YAML to JSON: yaml: cannot decode !!float `1.5` as a !!int",
        );
        map_err(
            "a: !!null x",
            "error converting YAML to JSON: yaml: cannot decode !!str `x` as a !!null",
        );
        map_err(
            "a: !!bool 1",
            "error converting YAML to JSON: yaml: cannot decode !!int `1` as a !!bool",
        );
        map_err(
            "f: !!float 18446744073709551615",
            "error converting YAML to JSON: yaml: cannot decode !!int `18446744073709551615` as a !!float",
        );
        map_err(
            "a: !!int",
            "error converting YAML to JSON: yaml: cannot decode !!null `` as a !!int",
        );
    }

    #[test]
    fn timestamps_stay_text_unless_an_explicit_tag_rejects_them() {
        map_ok("a: 2001-12-14", "{\"a\":\"2001-12-14\"}");
        map_ok(
            "t: !!timestamp 2001-12-14T21:59:43.10-05:00",
            "{\"t\":\"2001-12-14T21:59:43.10-05:00\"}",
        );
        map_err(
            "t: !!timestamp 2001-13-01",
            "error converting YAML to JSON: yaml: cannot decode !!str `2001-13-01` as a !!timestamp",
        );
        map_err(
            "t: !!timestamp 2001-02-29",
            "error converting YAML to JSON: yaml: cannot decode !!str `2001-02-29` as a !!timestamp",
        );
        map_err(
            "t: !!timestamp 123",
            "error converting YAML to JSON: yaml: cannot decode !!int `123` as a !!timestamp",
        );
    }

    #[test]
    fn binary_tags_decode_standard_padded_base64() {
        map_ok("a: !!binary aGVsbG8=", "{\"a\":\"hello\"}");
        map_err(
            "a: !!binary aGVsbG8",
            "error converting YAML to JSON: yaml: !!binary value contains invalid base64 data",
        );
        map_ok("a: !!binary |\n  aGVs\n  bG8=", "{\"a\":\"hello\"}");
        map_ok("b: !!binary gA==", "{\"b\":\"�\"}");
    }

    #[test]
    fn non_string_keys_become_strings_the_sigs_k8s_io_way() {
        map_ok("1.5: v", "{\"1.5\":\"v\"}");
        map_ok("1000000.0: v", "{\"1e+06\":\"v\"}");
        map_ok("123456789.0: v", "{\"1.2345679e+08\":\"v\"}");
        map_ok("true: v", "{\"true\":\"v\"}");
        map_ok("yes: v", "{\"true\":\"v\"}");
        map_ok("0x10: v", "{\"16\":\"v\"}");
        map_ok(".inf: v", "{\".inf\":\"v\"}");
        map_ok("1: a\n1.0: b", "{\"1\":\"b\"}");
    }

    #[test]
    fn null_uint64_and_collection_keys_are_rejected_with_go_formatted_values() {
        map_err(
            "~: v",
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"v\"",
        );
        map_err(
            "18446744073709551615: x",
            "error converting YAML to JSON: unsupported map key of type: uint64, key: 0xffffffffffffffff, value: \"x\"",
        );
        map_err(
            "? [1, 2]\n: x",
            "error converting YAML to JSON: yaml: invalid map key: []interface {}{1, 2}",
        );
        map_err(
            "~: [1, 'a', null]",
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: []interface {}{1, \"a\", interface {}(nil)}",
        );
        map_err(
            "~: !!binary /w==",
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"\\xff\"",
        );
        map_err(
            "? {~: 1, true: 1, 1: 1, 1.5: 1, 'a': 1, 18446744073709551615: 1, false: 2, 0: 3, -1: 4, 'B': 5, .nan: 6, -.inf: 7}\n: x",
            "error converting YAML to JSON: yaml: invalid map key: map[interface {}]interface {}{interface {}(nil):1, \"B\":5, \"a\":1, 0xffffffffffffffff:1, -1:4, 0:3, 1:1, NaN:6, -Inf:7, 1.5:1, false:2, true:1}",
        );
    }

    #[test]
    fn duplicate_keys_are_not_an_error_and_the_last_one_wins() {
        map_ok("a: 1\nb: 2\na: 3", "{\"a\":3,\"b\":2}");
        map_ok("{a: 1, a: 2}", "{\"a\":2}");
        map_ok("1: a\n'1': b", "{\"1\":\"b\"}");
    }

    #[test]
    fn merge_keys_apply_in_document_order_and_lists_give_earlier_maps_priority() {
        map_ok(
            "b: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3",
            "{\"b\":{\"true\":2,\"x\":1},\"c\":{\"true\":3,\"x\":1}}",
        );
        map_ok(
            "b: &b {x: 1, y: 2}\nc:\n  y: 3\n  <<: *b",
            "{\"b\":{\"true\":2,\"x\":1},\"c\":{\"true\":2,\"x\":1}}",
        );
        map_ok(
            "b: &b {x: 1}\nd: &d {x: 2, z: 3}\nc:\n  <<: [*b, *d]",
            "{\"b\":{\"x\":1},\"c\":{\"x\":1,\"z\":3},\"d\":{\"x\":2,\"z\":3}}",
        );
        map_ok("'<<': {b: 1}", "{\"\\u003c\\u003c\":{\"b\":1}}");
    }

    #[test]
    fn merge_keys_require_maps() {
        map_err(
            "c:\n  <<: 1",
            "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value",
        );
        map_err(
            "c:\n  <<: [[1]]",
            "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value",
        );
        map_err(
            "b: &b [1]\nc:\n  <<: *b",
            "error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value",
        );
    }

    #[test]
    fn anchors_and_aliases_resolve_in_order_and_must_exist() {
        map_ok("a: &x 1\nb: *x", "{\"a\":1,\"b\":1}");
        map_err(
            "a: *x\nb: &x 1",
            "error converting YAML to JSON: yaml: unknown anchor 'x' referenced",
        );
        map_ok("a: &x 1\na2: &x 2\nb: *x", "{\"a\":1,\"a2\":2,\"b\":2}");
        map_err(
            "a: &a [*a]",
            "error converting YAML to JSON: yaml: anchor 'a' value contains itself",
        );
        map_err(
            "a: & x",
            "error converting YAML to JSON: yaml: did not find expected alphabetic or numeric character",
        );
    }

    #[test]
    fn alias_expansion_is_limited_like_yaml_v2() {
        map_err(
            "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
            "error converting YAML to JSON: yaml: document contains excessive aliasing",
        );
        map_ok(
            &format!("a: &a {{x: 1}}\nb: [{}]\n", vec!["*a"; 600].join(",")),
            &format!(
                "{{\"a\":{{\"x\":1}},\"b\":[{}]}}",
                vec!["{\"x\":1}"; 600].join(",")
            ),
        );
    }

    #[test]
    fn block_scalars_honour_chomping_and_indentation_indicators() {
        map_ok("a: |\n  line1\n  line2\n", "{\"a\":\"line1\\nline2\\n\"}");
        map_ok("a: |-\n  line1\n  line2\n", "{\"a\":\"line1\\nline2\"}");
        map_ok(
            "a: |+\n  line1\n  line2\n\n\n",
            "{\"a\":\"line1\\nline2\\n\\n\\n\"}",
        );
        map_ok(
            "a: >\n  line1\n  line2\n\n  line3\n",
            "{\"a\":\"line1 line2\\nline3\\n\"}",
        );
        map_ok("a: |2\n    x\n   y\n", "{\"a\":\"  x\\n y\\n\"}");
        map_ok("a: >\n  a\n    b\n  c\n", "{\"a\":\"a\\n  b\\nc\\n\"}");
        map_ok("a: |\n", "{\"a\":\"\"}");
    }

    #[test]
    fn block_scalar_header_errors() {
        map_err(
            "a: |0\n  x\n",
            "error converting YAML to JSON: yaml: found an indentation indicator equal to 0",
        );
        map_err(
            "a: | x\n  y\n",
            "error converting YAML to JSON: yaml: did not find expected comment or line break",
        );
        map_err(
            "a: |\n\tx\n",
            "error converting YAML to JSON: yaml: line 2: found a tab character where an indentation space is expected",
        );
    }

    #[test]
    fn flow_collections_parse_like_libyaml() {
        map_ok("a: [1, 2, 3,]", "{\"a\":[1,2,3]}");
        map_ok("a: {b:1}", "{\"a\":{\"b:1\":null}}");
        map_ok("a: [a: 1, b: 2]", "{\"a\":[{\"a\":1},{\"b\":2}]}");
        map_ok("a: {b, c}", "{\"a\":{\"b\":null,\"c\":null}}");
        map_err(
            "a: [a?b]",
            "error converting YAML to JSON: yaml: did not find expected ',' or ']'",
        );
        map_err(
            "a: [? : x]",
            "error converting YAML to JSON: yaml: did not find expected ',' or ']'",
        );
    }

    #[test]
    fn flow_collection_errors() {
        map_err(
            "a: [1, 2",
            "error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'",
        );
        map_err(
            "a: {b: 1",
            "error converting YAML to JSON: yaml: line 1: did not find expected ',' or '}'",
        );
        map_err(
            "a: [,]",
            "error converting YAML to JSON: yaml: did not find expected node content",
        );
        map_err(
            "a: [1]]",
            "error converting YAML to JSON: yaml: did not find expected key",
        );
        map_err(
            "{a: [}",
            "error converting YAML to JSON: yaml: did not find expected node content",
        );
    }

    #[test]
    fn multi_line_scalars_fold_and_escapes_decode() {
        map_ok("a: b\n  c\n  d", "{\"a\":\"b c d\"}");
        map_ok("a: 'b\n\n  c'", "{\"a\":\"b\\nc\"}");
        map_ok("a: \"b\\\n  c\"", "{\"a\":\"bc\"}");
        map_ok("a: \"\\x41\\u00e9\\U0001F600\"", "{\"a\":\"Aé😀\"}");
        map_ok(
            "a: \"\\0\\a\\b\\v\\f\\e\\ \\N\\_\\L\\P\"",
            "{\"a\":\"\\u0000\\u0007\\b\\u000b\\f\\u001b \u{85} \\u2028\\u2029\"}",
        );
    }

    #[test]
    fn double_quoted_escape_errors() {
        map_err(
            "a: \"\\q\"",
            "error converting YAML to JSON: yaml: found unknown escape character",
        );
        map_err(
            "a: \"\\uD800\"",
            "error converting YAML to JSON: yaml: found invalid Unicode character escape code",
        );
        map_err(
            "a: \"\\xZZ\"",
            "error converting YAML to JSON: yaml: did not find expected hexdecimal number",
        );
        map_err(
            "a: 'unterminated",
            "error converting YAML to JSON: yaml: found unexpected end of stream",
        );
        map_err(
            "a: 'x\n---\ny'",
            "error converting YAML to JSON: yaml: line 2: found unexpected document indicator",
        );
    }

    #[test]
    fn only_the_first_document_is_read() {
        map_ok("a: 1\n---\na: 2", "{\"a\":1}");
        map_ok("a: 1\n...\nb: 2", "{\"a\":1}");
        map_ok("---\n---\na: 1", "{}");
        map_ok("\n\n\n", "{}");
        map_ok("# only comment", "{}");
    }

    #[test]
    fn directives_and_document_markers() {
        map_ok("%YAML 1.1\n---\na: 1", "{\"a\":1}");
        map_err(
            "%YAML 1.2\n---\na: 1",
            "error converting YAML to JSON: yaml: found incompatible YAML document",
        );
        map_err(
            "%YAML 1.123\n---\na: 1",
            "error converting YAML to JSON: yaml: found extremely long version number",
        );
        map_err(
            "%FOO bar\n---\na: 1",
            "error converting YAML to JSON: yaml: found unknown directive name",
        );
        map_err(
            "...\na: 1",
            "error converting YAML to JSON: yaml: did not find expected node content",
        );
        map_err(
            "--- a: 1",
            "error converting YAML to JSON: yaml: mapping values are not allowed in this context",
        );
        map_ok(
            "%TAG !e! tag:example.com,2000:\n---\na: !e!foo 12",
            "{\"a\":\"12\"}",
        );
        map_err(
            "a: !e!foo 12",
            "error converting YAML to JSON: yaml: found undefined tag handle",
        );
    }

    #[test]
    fn byte_order_marks_and_line_breaks() {
        map_ok("\u{feff}a: 1", "{\"a\":1}");
        map_ok("a: 1\n\u{feff}b: 2", "{\"a\":1,\"\u{feff}b\":2}");
        map_err(
            "\u{feff}\u{feff}a: 1\nb: 2",
            "error converting YAML to JSON: yaml: line 1: did not find expected key",
        );
        map_ok("a: 1\r\nb: 2\r\n", "{\"a\":1,\"b\":2}");
        map_ok("a: 1\u{2028}b: 2", "{\"a\":1,\"b\":2}");
        map_ok("a: x\u{85}  y", "{\"a\":\"x y\"}");
    }

    #[test]
    fn indentation_errors_carry_yaml_v2_line_numbers() {
        map_err(
            "a:\n  b: 1\n c: 2",
            "error converting YAML to JSON: yaml: line 2: did not find expected key",
        );
        map_err(
            "a: 1\n b: 2",
            "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
        );
        map_err(
            "a:\n  b: c: d",
            "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
        );
        map_err(
            "a: 1\n- b",
            "error converting YAML to JSON: yaml: line 1: did not find expected key",
        );
        map_err(
            "- a\nb: 1",
            "error converting YAML to JSON: yaml: line 1: did not find expected '-' indicator",
        );
        map_err(
            "key without colon\nother: 1",
            "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
        );
        map_err(
            "a: b\n c: d",
            "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
        );
    }

    #[test]
    fn tabs_are_only_allowed_where_yaml_v2_allows_them() {
        map_err(
            "\ta: 1",
            "error converting YAML to JSON: yaml: found character that cannot start any token",
        );
        map_err(
            "a:\n\tb: 1",
            "error converting YAML to JSON: yaml: line 2: found character that cannot start any token",
        );
        map_ok("a:\t1", "{\"a\":1}");
        map_err(
            "a: 1\n\tb: 2",
            "error converting YAML to JSON: yaml: line 2: found a tab character that violates indentation",
        );
        map_err(
            "a:\n  b\n\tc",
            "error converting YAML to JSON: yaml: line 3: found a tab character that violates indentation",
        );
    }

    #[test]
    fn simple_key_lookahead_follows_yaml_v2_quirks() {
        map_err(
            "- [,]\n-x\n",
            "error converting YAML to JSON: yaml: did not find expected node content",
        );
        map_err(
            "- [a]\n-x\n",
            "error converting YAML to JSON: yaml: line 3: could not find expected ':'",
        );
        map_err(
            "- {,}\n-x\n  y",
            "error converting YAML to JSON: yaml: did not find expected node content",
        );
        map_err(
            &format!("{}: v", "k".repeat(1025)),
            "error converting YAML to JSON: yaml: mapping values are not allowed in this context",
        );
        map_ok(
            &format!("a:\n  {}: v", "k".repeat(1024)),
            &format!("{{\"a\":{{\"{}\":\"v\"}}}}", "k".repeat(1024)),
        );
    }

    #[test]
    fn control_characters_fail_when_their_512_byte_chunk_is_read() {
        map_err(
            "a: \u{1}",
            "error converting YAML to JSON: yaml: control characters are not allowed",
        );
        map_err(
            &format!("a: b: c\n{}\u{1}", "x: y\n".repeat(200)),
            "error converting YAML to JSON: yaml: mapping values are not allowed in this context",
        );
        map_err(
            &format!("{}\u{1}b: c: d\n", "a: 1\n".repeat(120)),
            "error converting YAML to JSON: yaml: control characters are not allowed",
        );
    }

    #[test]
    fn nesting_is_limited_to_ten_thousand_levels() {
        map_err(
            &format!("{}{}", "[".repeat(10001), "]".repeat(10001)),
            "error converting YAML to JSON: yaml: exceeded max depth of 10000",
        );
        map_err(
            &format!("a: {}", "[".repeat(10000)),
            "error converting YAML to JSON: yaml: line 1: did not find expected node content",
        );
    }

    #[test]
    fn values_json_cannot_hold_are_rejected_in_sorted_key_order() {
        map_err(
            "a: .inf",
            "error converting YAML to JSON: json: unsupported value: +Inf",
        );
        map_err(
            "b: .inf\na: -.inf",
            "error converting YAML to JSON: json: unsupported value: -Inf",
        );
        map_err(
            "a: [1, {b: .inf}]\nb: .nan",
            "error converting YAML to JSON: json: unsupported value: +Inf",
        );
    }

    #[test]
    fn a_map_target_rejects_other_top_level_values() {
        map_err(
            "- 1\n- 2",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
        );
        map_err(
            "x",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type map[string]interface {}",
        );
        map_err(
            "12",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go value of type map[string]interface {}",
        );
        map_err(
            "\"\"",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type map[string]interface {}",
        );
        map_ok("~", "{}");
        map_ok("", "{}");
    }

    #[test]
    fn an_array_target_reads_lists_and_rejects_maps() {
        arr_ok("- 1\n- 2", "[1,2]");
        arr_err(
            "a: b",
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}",
        );
        arr_ok("", "[]");
        arr_ok("~", "[]");
        arr_err(
            "x: [1,2",
            "error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'",
        );
        arr_ok("[1, 2]", "[1,2]");
    }

    #[test]
    fn values_files_merge_their_documents() {
        val_ok("a: 1\n---\nb: 2", "{\"a\":1,\"b\":2}");
        val_ok(
            "a: {x: 1, y: 2}\n---\na: {x: 3}\n",
            "{\"a\":{\"true\":2,\"x\":3}}",
        );
        val_ok("a: {x: 1}\n---\na: 5\n", "{\"a\":5}");
        val_err(
            "a: 1\n---x\nb: 2",
            "cannot load values.yaml: error reading yaml document: invalid Yaml document separator: x",
        );
        val_err(
            "--- # x\nh: b: c\nb: {d: 3}\na:\n  x: 1\na: 1\nb: {d: 3}\n",
            "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
        );
        val_err(
            "a: 1\n---\nb: [",
            "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected node content",
        );
        val_ok("a: 1\r\n---\r\nb: 2\r\n", "{\"a\":1,\"b\":2}");
        val_err(
            "- 1",
            "cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
        );
    }
}
