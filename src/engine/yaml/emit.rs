//! Helm's two YAML writers, byte for byte. `toYaml` is sigs.k8s.io/yaml's `Marshal`: Go's
//! `json.Marshal`, then `JSONToYAML`, which reads that JSON back with go-yaml v2
//! (go.yaml.in/yaml/v2 v2.4.3) and writes it with v2's emitter ([`json_to_yaml`], [`emit_v2`]).
//! `toYamlPretty` writes the Go value directly with go-yaml v3 (go.yaml.in/yaml/v3 v3.0.4)
//! after `SetIndent(2)` ([`emit_v3`]). This module owns every decision those emitters make:
//! map-key order, scalar style (plain, single-quoted, double-quoted, literal block), escapes,
//! line folding, indentation, complex `?` keys, and the implicit-type resolution that decides
//! when a string has to be quoted (`"true"`, `"1.0"`, `"2001-02-03"`, `"1:20"`).

use std::collections::HashMap;

/// A Go value as the YAML encoders see it (map keys are strings: Go `map[string]interface{}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `nil`.
    Null,
    /// `bool`.
    Bool(bool),
    /// `int`/`int64`.
    Int(i64),
    /// `uint64` (v2 reads JSON integers above `int64` as these).
    Uint(u64),
    /// `float64`.
    Float(f64),
    /// `string`.
    Str(String),
    /// `[]interface{}`.
    Seq(Vec<Node>),
    /// `map[string]interface{}`; the emitters sort the keys as go-yaml does, so the order given
    /// here does not matter. Keys should be unique, as in a Go map.
    Map(Vec<(String, Node)>),
}

/// sigs.k8s.io/yaml `JSONToYAML`: parses JSON text as go-yaml v2 does (a number resolves to an
/// int, a uint64 or a float by its text, as YAML resolution does), then marshals it with go-yaml
/// v2 ([`emit_v2`]). The error (which Helm's `toYaml` swallows into `""`) describes what v2's
/// parser rejected; its wording is not Helm's.
pub fn json_to_yaml(json: &str) -> Result<String, String> {
    let node = JsonReader::new(json).document()?;
    Ok(emit_v2(&node))
}

/// go-yaml v2 `Marshal` of a value: best width 80, indent 2, sequences in mappings not indented.
pub fn emit_v2(node: &Node) -> String {
    Emitter::new(Flavor::V2, 2).document(node)
}

/// go-yaml v3 `NewEncoder` + `SetIndent(indent)` + `Encode` (Helm's `toYamlPretty` uses 2),
/// without `Close`, so nothing follows the document. Lines are never folded (v3's default width
/// is unlimited).
pub fn emit_v3(node: &Node, indent: usize) -> String {
    // The encoder turns 0 into 4; the emitter then falls back to 2 outside 2..=9.
    let indent = if indent == 0 { 4 } else { indent };
    let best = if (2..=9).contains(&indent) { indent } else { 2 };
    Emitter::new(Flavor::V3, best as i64).document(node)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    V2,
    V3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What `yaml_emitter_analyze_scalar` concludes about a scalar. Scalars are only ever written in
/// block context here (flow style is used for nothing but `[]` and `{}`), so the flow-plain
/// verdict is not kept.
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_allowed: bool,
    block_allowed: bool,
}

/// The emitter state of libyaml's port that the output depends on. The event stream is implicit:
/// the tree is walked recursively, and `parent_seq_item` stands for "the state on top of the
/// stack is BLOCK-SEQUENCE-ITEM", which v3's indentation rule looks at.
struct Emitter {
    flavor: Flavor,
    out: String,
    best_indent: i64,
    best_width: i64,
    indent: i64,
    indents: Vec<i64>,
    column: i64,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn new(flavor: Flavor, best_indent: i64) -> Self {
        let best_width = match flavor {
            // v2 leaves the width unset (0), which stream start turns into 80.
            Flavor::V2 => 80,
            // v3 initialises it to -1, which stream start turns into "unlimited".
            Flavor::V3 => i64::from(i32::MAX),
        };
        Emitter {
            flavor,
            out: String::new(),
            best_indent,
            best_width,
            indent: -1,
            indents: Vec::new(),
            column: 0,
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn document(mut self, node: &Node) -> String {
        self.emit_node(node, false, false, false);
        // DOCUMENT-END (implicit): end the last line unless a block scalar already did.
        self.write_indent();
        self.out
    }

    // ---- low-level writers (put, put_break, write, write_break, write_indicator, write_indent)

    fn put(&mut self, b: char) {
        self.out.push(b);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        if self.flavor == Flavor::V3 {
            self.indention = true;
        }
    }

    /// Copies the character at byte `*i` of `s` and advances past it.
    fn write_char(&mut self, s: &str, i: &mut usize) {
        let w = width(s.as_bytes()[*i]).max(1);
        self.out.push_str(&s[*i..*i + w]);
        self.column += 1;
        *i += w;
    }

    fn write_break(&mut self, s: &str, i: &mut usize) {
        if s.as_bytes()[*i] == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write_char(s, i);
            self.column = 0;
            if self.flavor == Flavor::V3 {
                self.indention = true;
            }
        }
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        let mut i = 0;
        while i < indicator.len() {
            self.write_char(indicator, &mut i);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool, parent_seq_item: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent = match self.flavor {
                Flavor::V2 => self.indent + self.best_indent,
                // v3: the first level inside a sequence item only skips the "- "; everything else
                // aligns to the next multiple of the indent.
                Flavor::V3 if parent_seq_item => self.indent + 2,
                Flavor::V3 => {
                    self.best_indent * ((self.indent + self.best_indent) / self.best_indent)
                }
            };
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    // ---- nodes

    fn emit_node(&mut self, node: &Node, mapping: bool, simple_key: bool, parent_seq_item: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match node {
            Node::Seq(items) if items.is_empty() => self.emit_empty_flow("[", "]"),
            Node::Map(entries) if entries.is_empty() => self.emit_empty_flow("{", "}"),
            Node::Seq(items) => self.emit_block_sequence(items, parent_seq_item),
            Node::Map(entries) => self.emit_block_mapping(entries, parent_seq_item),
            Node::Null => self.emit_scalar("null", Style::Plain, parent_seq_item),
            Node::Bool(b) => self.emit_scalar(
                if *b { "true" } else { "false" },
                Style::Plain,
                parent_seq_item,
            ),
            Node::Int(i) => self.emit_scalar(&i.to_string(), Style::Plain, parent_seq_item),
            Node::Uint(u) => self.emit_scalar(&u.to_string(), Style::Plain, parent_seq_item),
            Node::Float(f) => self.emit_scalar(&yaml_float(*f), Style::Plain, parent_seq_item),
            Node::Str(s) => self.emit_scalar(s, string_style(s, self.flavor), parent_seq_item),
        }
    }

    /// An empty sequence or mapping is written in flow style: `[]`, `{}`.
    fn emit_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Node], parent_seq_item: bool) {
        // v2 keeps a sequence that is a mapping value at the key's indentation ("k:\n- 1");
        // v3 indents it ("k:\n  - 1").
        let indentless = self.flavor == Flavor::V2 && self.mapping_context && !self.indention;
        self.increase_indent(false, indentless, parent_seq_item);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, false, false, true);
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, entries: &[(String, Node)], parent_seq_item: bool) {
        self.increase_indent(false, false, parent_seq_item);
        for (key, value) in sort_keys(entries, self.flavor) {
            self.write_indent();
            if self.is_simple_key(key) {
                self.emit_node_key(key, true);
                self.write_indicator(":", false, false, false);
            } else {
                // A multi-line or long key becomes a complex key: "? key\n: value".
                self.write_indicator("?", true, false, true);
                self.emit_node_key(key, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, true, false, false);
        }
        self.pop_indent();
    }

    fn emit_node_key(&mut self, key: &str, simple: bool) {
        self.mapping_context = true;
        self.simple_key_context = simple;
        self.emit_scalar(key, string_style(key, self.flavor), false);
    }

    /// `yaml_emitter_check_simple_key` for a string key.
    fn is_simple_key(&self, key: &str) -> bool {
        if analyze(key.as_bytes(), self.flavor).multiline {
            return false;
        }
        // Both versions allow at most 128 bytes.
        key.len() <= 128
    }

    fn emit_scalar(&mut self, value: &str, requested: Style, parent_seq_item: bool) {
        let analysis = analyze(value.as_bytes(), self.flavor);
        let style = self.select_style(value, requested, &analysis);
        self.increase_indent(true, false, parent_seq_item);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single_quoted(value, allow_breaks),
            Style::Double => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    /// `yaml_emitter_select_scalar_style` (block context, implicit tags).
    fn select_style(&self, value: &str, requested: Style, a: &Analysis) -> Style {
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain
            && (!a.plain_allowed || (value.is_empty() && self.simple_key_context))
        {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.simple_key_context) {
            style = Style::Double;
        }
        style
    }

    // ---- scalar writers

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        let v = value.as_bytes();
        if !v.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            if is_space(v, i) {
                if allow_breaks && !spaces && self.column > self.best_width && !is_space(v, i + 1) {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write_char(value, &mut i);
                }
                spaces = true;
            } else if is_break(v, i) {
                if !breaks && v[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if !v.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        let v = value.as_bytes();
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            if is_space(v, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i < v.len() - 1
                    && !is_space(v, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write_char(value, &mut i);
                }
                spaces = true;
            } else if is_break(v, i) {
                if !breaks && v[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if v[i] == b'\'' {
                    self.put('\'');
                }
                self.write_char(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        let v = value.as_bytes();
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        let mut i = 0;
        while i < v.len() {
            if !is_printable(v, i)
                || starts_with_bom(v)
                || is_break(v, i)
                || v[i] == b'"'
                || v[i] == b'\\'
            {
                let c = value[i..].chars().next().unwrap_or('\u{FFFD}');
                i += c.len_utf8();
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{07}' => self.put('a'),
                    '\u{08}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{0B}' => self.put('v'),
                    '\u{0C}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1B}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let code = u32::from(c);
                        let (letter, digits) = match code {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            let digit = (code >> (4 * k)) & 0xF;
                            self.put(
                                char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()),
                            );
                        }
                    }
                }
                spaces = false;
            } else if is_space(v, i) {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i < v.len() - 1
                {
                    self.write_indent();
                    if is_space(v, i + 1) {
                        self.put('\\');
                    }
                    i += 1;
                } else {
                    self.write_char(value, &mut i);
                }
                spaces = true;
            } else {
                self.write_char(value, &mut i);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        let v = value.as_bytes();
        self.write_indicator("|", true, false, false);
        self.write_block_scalar_hints(v);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < v.len() {
            if is_break(v, i) {
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(value, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// The indentation indicator (when the text starts with a space or a line break) and the
    /// chomping indicator: `-` without a final line break, `+` with more than one.
    fn write_block_scalar_hints(&mut self, v: &[u8]) {
        if is_space(v, 0) || is_break(v, 0) {
            let hint = char::from_digit(self.best_indent as u32, 10)
                .unwrap_or('2')
                .to_string();
            self.write_indicator(&hint, false, false, false);
        }
        let mut chomp = None;
        if v.is_empty() {
            chomp = Some("-");
        } else {
            let mut i = v.len() - 1;
            while i > 0 && v[i] & 0xC0 == 0x80 {
                i -= 1;
            }
            if !is_break(v, i) {
                chomp = Some("-");
            } else if i == 0 {
                chomp = Some("+");
            } else {
                i -= 1;
                while i > 0 && v[i] & 0xC0 == 0x80 {
                    i -= 1;
                }
                if is_break(v, i) {
                    chomp = Some("+");
                }
            }
        }
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
    }
}

/// `yaml_emitter_analyze_scalar`. v2 counts a tab as a special character (so a text with a tab is
/// always double-quoted); v3 still allows a literal block for it.
fn analyze(v: &[u8], flavor: Flavor) -> Analysis {
    if v.is_empty() {
        return Analysis {
            multiline: false,
            plain_allowed: true,
            single_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut tab_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    if v.starts_with(b"---") || v.starts_with(b"...") {
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < v.len() {
        let w = width(v[i]).max(1);
        let followed_by_whitespace = i + w >= v.len() || is_blank(v, i + w);
        if i == 0 {
            match v[i] {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => block_indicators = true,
                b'?' | b':' | b'-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match v[i] {
                b':' if followed_by_whitespace => block_indicators = true,
                b'#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if v[i] == b'\t' && flavor == Flavor::V3 {
            tab_characters = true;
        } else if !is_printable(v, i) {
            special_characters = true;
        }
        if is_space(v, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == v.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(v, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == v.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(v, i);
        i += w;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        plain_allowed: true,
        single_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.plain_allowed = false;
        a.single_allowed = false;
    }
    if space_break || tab_characters || special_characters {
        a.plain_allowed = false;
        a.single_allowed = false;
    }
    if space_break || special_characters {
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.plain_allowed = false;
    }
    a
}

/// The style the encoders ask for (`encoder.stringv`): a literal block for text with a line feed,
/// plain when the text would read back as the same string, double quotes otherwise. The emitter
/// may still overrule plain and literal (see [`Emitter::select_style`]). v3 additionally quotes
/// YAML 1.1 booleans (`yes`, `off`, ...), which v2's resolver already treats as booleans, so one
/// resolver serves both.
fn string_style(s: &str, flavor: Flavor) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if matches!(resolve(s, flavor), Resolved::Str) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

// ---- byte classes of the emitter (yamlprivateh.go); `i` may be at or past the end

fn at(v: &[u8], i: usize) -> u8 {
    v.get(i).copied().unwrap_or(0)
}

fn width(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        _ if b & 0xE0 == 0xC0 => 2,
        _ if b & 0xF0 == 0xE0 => 3,
        _ if b & 0xF8 == 0xF0 => 4,
        _ => 0,
    }
}

fn is_space(v: &[u8], i: usize) -> bool {
    at(v, i) == b' '
}

fn is_blank(v: &[u8], i: usize) -> bool {
    matches!(at(v, i), b' ' | b'\t')
}

fn is_break(v: &[u8], i: usize) -> bool {
    match at(v, i) {
        b'\r' | b'\n' => true,
        0xC2 => at(v, i + 1) == 0x85,
        0xE2 => at(v, i + 1) == 0x80 && matches!(at(v, i + 2), 0xA8 | 0xA9),
        _ => false,
    }
}

fn is_blankz(v: &[u8], i: usize) -> bool {
    is_blank(v, i) || is_break(v, i) || at(v, i) == 0
}

/// go-yaml's `is_bom` ignores its index and looks at the start of the scalar, so a text that
/// starts with U+FEFF is double-quoted with every character escaped (`"\uFEFF\x61"`).
fn starts_with_bom(v: &[u8]) -> bool {
    v.starts_with(&[0xEF, 0xBB, 0xBF])
}

/// go-yaml's `is_printable`: note that it rejects every 4-byte character (emoji and the like),
/// which therefore forces double quotes and a `\U` escape.
fn is_printable(v: &[u8], i: usize) -> bool {
    let b = at(v, i);
    let b1 = at(v, i + 1);
    let b2 = at(v, i + 2);
    b == 0x0A
        || (0x20..=0x7E).contains(&b)
        || (b == 0xC2 && b1 >= 0xA0)
        || (b > 0xC2 && b < 0xED)
        || (b == 0xED && b1 < 0xA0)
        || b == 0xEE
        || (b == 0xEF && !(b1 == 0xBB && b2 == 0xBF) && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)))
}

// ---- numbers

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` with YAML's names for the infinities and NaN.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    go_format_g(f)
}

/// Go's shortest `%g`: exponent form when the decimal exponent is below -4 or at least 6 (for the
/// shortest form Go decides with precision 6), so `1e+06` but `100000`.
fn go_format_g(f: f64) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0");
    }
    let (digits, exp) = shortest_decimal(f.abs());
    let mut out = String::from(sign);
    if !(-4..6).contains(&exp) {
        out.push(char::from(digits[0]));
        if digits.len() > 1 {
            out.push('.');
            out.extend(digits[1..].iter().map(|&d| char::from(d)));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else {
        // Fixed notation with exactly the significant digits.
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push('0');
        } else {
            for k in 0..point as usize {
                out.push(digits.get(k).map_or('0', |&d| char::from(d)));
            }
        }
        let n = digits.len() as i32;
        if n > point {
            out.push('.');
            for k in point..n {
                out.push(if k < 0 {
                    '0'
                } else {
                    char::from(digits[k as usize])
                });
            }
        }
    }
    out
}

use crate::engine::value::shortest_decimal;

// ---- implicit-type resolution (resolve.go)

/// What a plain scalar reads back as.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A timestamp: not a string, but never produced from JSON. (The merge key `<<` is not
    /// looked up at all: '<' is not in the resolver's table of first characters.)
    Other,
    Str,
}

/// go-yaml's `resolve("", s)` for a plain scalar (v2's boolean table; see [`string_style`]).
fn resolve(s: &str, flavor: Flavor) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Resolved::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes()[0] {
        b'.' => {
            // Go's ParseFloat on a text starting with '.': digits (underscores allowed between
            // them), then an optional exponent.
            let plain = s.replace('_', "");
            if underscores_ok(s)
                && is_yaml_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return Resolved::Float(f);
            }
            Resolved::Str
        }
        b'+' | b'-' | b'0'..=b'9' => {
            if parse_timestamp(s) {
                return Resolved::Other;
            }
            let plain = s.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain) {
                return Resolved::Uint(u);
            }
            if is_yaml_float(&plain)
                && let Some(f) = go_parse_float(&plain)
            {
                return Resolved::Float(f);
            }
            // Then the binary (and in v3 octal) prefixes once more, now with the digits parsed
            // by ParseInt(x, base), which takes a sign: "0b-1" and (v3) "0o+5" are numbers.
            let mut prefixes = vec![("0b", "-0b", 2)];
            if flavor == Flavor::V3 {
                prefixes.push(("0o", "-0o", 8));
            }
            for (prefix, negative, base) in prefixes {
                if let Some(digits) = plain.strip_prefix(prefix) {
                    if let Some(i) = parse_int_radix(digits, base) {
                        return Resolved::Int(i);
                    }
                    if let Some(u) = parse_uint_radix(digits, base) {
                        return Resolved::Uint(u);
                    }
                } else if let Some(digits) = plain.strip_prefix(negative)
                    && let Some(i) = parse_int_radix(&format!("-{digits}"), base)
                {
                    return Resolved::Int(i);
                }
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(at(b, 0), b'+' | b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if at(b, i) == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if at(b, i) == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(at(b, i), b'e' | b'E') {
        i += 1;
        if matches!(at(b, i), b'+' | b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `underscoreOK` for a decimal number: every '_' sits between two digits.
fn underscores_ok(s: &str) -> bool {
    let mut saw = b'^';
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, base, 64)`: digits only.
fn parse_uint_radix(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in s.chars() {
        let d = c.to_digit(base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then digits.
fn parse_int_radix(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    int_from_magnitude(neg, parse_uint_radix(rest, base)?)
}

fn int_from_magnitude(neg: bool, u: u64) -> Option<i64> {
    if neg {
        if u <= 1 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for texts matching [`is_yaml_float`]; out of range is an error.
fn go_parse_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `strconv.ParseUint(s, 0, 64)` (no sign allowed; `0x`, `0o`, `0b` and a leading `0` for octal).
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, digits) =
        if b[0] == b'0' && b.len() >= 3 && matches!(b[1] | 0x20, b'x' | b'o' | b'b') {
            let base = match b[1] | 0x20 {
                b'x' => 16,
                b'o' => 8,
                _ => 2,
            };
            (base, &b[2..])
        } else if b[0] == b'0' {
            (8, &b[1..])
        } else {
            (10, b)
        };
    let mut n: u64 = 0;
    for &c in digits {
        let d = char::from(c).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    int_from_magnitude(neg, go_parse_uint(rest)?)
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: YAML 1.1 sexagesimal numbers, which the
/// encoders quote although they no longer read them as numbers.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(at(b, 0), b'+' | b'-') {
        i += 1;
    }
    if !at(b, i).is_ascii_digit() {
        return false;
    }
    i += 1;
    while at(b, i).is_ascii_digit() || at(b, i) == b'_' {
        i += 1;
    }
    let mut groups = 0;
    while at(b, i) == b':' {
        i += 1;
        // [0-5]?[0-9]: one or two digits, the first of two at most 5.
        if at(b, i).is_ascii_digit() && at(b, i + 1).is_ascii_digit() && at(b, i) <= b'5' {
            i += 2;
        } else if at(b, i).is_ascii_digit() {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if at(b, i) == b'.' {
        i += 1;
        while at(b, i).is_ascii_digit() || at(b, i) == b'_' {
            i += 1;
        }
    }
    i == b.len()
}

// ---- timestamps: Go's time.Parse with the four layouts go-yaml accepts

/// Whether go-yaml's `parseTimestamp` accepts `s`: four digits and a '-' first, then one of
/// "2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00",
/// "2006-1-2 15:4:5.999999999" or "2006-1-2" as Go's `time.Parse` reads them.
fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || lead == b.len() || b[lead] != b'-' {
        return false;
    }
    use Chunk::*;
    const WITH_T: &[Chunk] = &[
        Year,
        Lit(b"-"),
        Month,
        Lit(b"-"),
        Day,
        Lit(b"T"),
        Hour,
        Lit(b":"),
        Minute,
        Lit(b":"),
        Second,
        Frac,
        Zone,
    ];
    const WITH_LOWER_T: &[Chunk] = &[
        Year,
        Lit(b"-"),
        Month,
        Lit(b"-"),
        Day,
        Lit(b"t"),
        Hour,
        Lit(b":"),
        Minute,
        Lit(b":"),
        Second,
        Frac,
        Zone,
    ];
    const SPACED: &[Chunk] = &[
        Year,
        Lit(b"-"),
        Month,
        Lit(b"-"),
        Day,
        Lit(b" "),
        Hour,
        Lit(b":"),
        Minute,
        Lit(b":"),
        Second,
        Frac,
    ];
    const DATE: &[Chunk] = &[Year, Lit(b"-"), Month, Lit(b"-"), Day];
    [WITH_T, WITH_LOWER_T, SPACED, DATE]
        .iter()
        .any(|layout| go_time_parse(layout, b))
}

#[derive(Clone, Copy)]
enum Chunk {
    Lit(&'static [u8]),
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Frac,
    Zone,
}

/// Go's `getnum(s, false)`: one digit, or two when a second one follows.
fn getnum(v: &[u8]) -> Option<(u32, &[u8])> {
    let d0 = at(v, 0);
    if !d0.is_ascii_digit() {
        return None;
    }
    let d1 = at(v, 1);
    if !d1.is_ascii_digit() {
        return Some((u32::from(d0 - b'0'), &v[1..]));
    }
    Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &v[2..]))
}

fn go_time_parse(layout: &[Chunk], mut v: &[u8]) -> bool {
    let (mut year, mut month, mut day) = (0u32, 1u32, 1u32);
    for chunk in layout {
        match *chunk {
            Chunk::Lit(lit) => {
                // Go's `skip`: a space in the layout matches any run of spaces (even none at the end).
                for &c in lit {
                    if c == b' ' {
                        if !v.is_empty() && v[0] != b' ' {
                            return false;
                        }
                        while v.first() == Some(&b' ') {
                            v = &v[1..];
                        }
                    } else if v.first() == Some(&c) {
                        v = &v[1..];
                    } else {
                        return false;
                    }
                }
            }
            Chunk::Year => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return false;
                }
                year = v[..4].iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0'));
                v = &v[4..];
            }
            Chunk::Month | Chunk::Day | Chunk::Hour | Chunk::Minute | Chunk::Second => {
                let Some((n, rest)) = getnum(v) else {
                    return false;
                };
                v = rest;
                let ok = match *chunk {
                    Chunk::Month => (1..=12).contains(&n),
                    Chunk::Day => true,
                    Chunk::Hour => n < 24,
                    _ => n < 60,
                };
                if !ok {
                    return false;
                }
                match *chunk {
                    Chunk::Month => month = n,
                    Chunk::Day => day = n,
                    _ => {}
                }
            }
            Chunk::Frac => {
                // Optional: a '.' or ',' and at least one digit, then any number of digits.
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && v[1].is_ascii_digit() {
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    v = &v[n..];
                }
            }
            Chunk::Zone => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                } else {
                    if v.len() < 6 || v[3] != b':' || !matches!(v[0], b'+' | b'-') {
                        return false;
                    }
                    let two = |p: &[u8]| {
                        (p[0].is_ascii_digit() && p[1].is_ascii_digit())
                            .then(|| u32::from(p[0] - b'0') * 10 + u32::from(p[1] - b'0'))
                    };
                    let (Some(h), Some(m)) = (two(&v[1..3]), two(&v[4..6])) else {
                        return false;
                    };
                    if h > 24 || m > 60 {
                        return false;
                    }
                    v = &v[6..];
                }
            }
        }
    }
    if !v.is_empty() {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&day)
}

// ---- map-key order (sorter.go)

/// The entries in go-yaml's key order. `keyList.Less` is not transitive for every set of keys
/// (v2: `9a` < `09a` < `90a` < `9a`), which makes std's sorts panic, so this is a plain merge
/// sort that tolerates it. Go sorts the keys of a randomly ordered map there, so Helm itself has
/// no single answer for such sets; for all others any correct sort agrees with Go's.
fn sort_keys(entries: &[(String, Node)], flavor: Flavor) -> Vec<&(String, Node)> {
    // Go compares the keys as rune slices; decode each once.
    let mut items: Vec<(Vec<char>, &(String, Node))> =
        entries.iter().map(|e| (e.0.chars().collect(), e)).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut buffer = order.clone();
    merge_sort(&mut order, &mut buffer, &items, flavor);
    let mut sorted = Vec::with_capacity(items.len());
    for index in order {
        sorted.push(items[index].1);
    }
    items.clear();
    sorted
}

fn merge_sort(
    order: &mut [usize],
    buffer: &mut [usize],
    keys: &[(Vec<char>, &(String, Node))],
    flavor: Flavor,
) {
    let n = order.len();
    if n < 2 {
        return;
    }
    let mid = n / 2;
    merge_sort(&mut order[..mid], &mut buffer[..mid], keys, flavor);
    merge_sort(&mut order[mid..], &mut buffer[mid..], keys, flavor);
    let (mut i, mut j) = (0, mid);
    for slot in buffer[..n].iter_mut() {
        if j >= n || (i < mid && !key_less(&keys[order[j]].0, &keys[order[i]].0, flavor)) {
            *slot = order[i];
            i += 1;
        } else {
            *slot = order[j];
            j += 1;
        }
    }
    order.copy_from_slice(&buffer[..n]);
}

/// go-yaml's `keyList.Less` for two string keys: rune by rune; at the first difference two
/// letters compare by code point, a letter sorts after a non-letter (v3: before it when the
/// equal rune just before was a digit, so `a0b` < `a00b`), and otherwise runs of digits compare
/// by numeric value, then by length, then by the differing rune, so `a9` < `a10`.
fn key_less(ar: &[char], br: &[char], flavor: Flavor) -> bool {
    let mut after_digit = false;
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            after_digit = is_digit(ar[i]);
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if flavor == Flavor::V3 && after_digit {
                al
            } else {
                bl
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        // Go computes `int64(r - '0')` with wrapping arithmetic, also for non-ASCII digits.
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u32) - 48);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u32) - 48);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Go's `unicode.IsLetter` (general category L), Unicode 15.0 as in Go 1.21+.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_ranges(LETTER_RANGES, c)
}

/// Go's `unicode.IsDigit` (general category Nd).
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_ranges(DIGIT_RANGES, c)
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

// ---- JSON read as go-yaml v2 reads it

/// Reads JSON text the way go-yaml v2's scanner and parser read it as a flow-style YAML document:
/// strings are double-quoted scalars (YAML escapes, and raw line breaks such as U+0085 folded),
/// numbers and literals are plain scalars resolved by [`resolve`], and v2's limits apply (an
/// implicit key must fit in 1024 characters on one line, characters outside YAML's printable set
/// are refused, nesting stops at 10000).
struct JsonReader<'a> {
    text: &'a str,
    pos: usize,
}

const MAX_FLOW_DEPTH: usize = 10_000;

impl<'a> JsonReader<'a> {
    fn new(text: &'a str) -> Self {
        JsonReader { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn document(&mut self) -> Result<Node, String> {
        if let Some(c) = self.text.chars().find(|&c| !yaml_allowed_char(c)) {
            return Err(format!(
                "yaml: control characters are not allowed (U+{:04X})",
                u32::from(c)
            ));
        }
        // A leading byte-order mark is skipped by the YAML reader.
        if self.text.starts_with('\u{FEFF}') {
            self.pos = 3;
        }
        self.skip_whitespace();
        if self.pos == self.text.len() {
            return Ok(Node::Null);
        }
        let node = self.value(0)?;
        self.skip_whitespace();
        if self.pos != self.text.len() {
            return Err("yaml: did not find expected <document start>".to_string());
        }
        Ok(node)
    }

    fn skip_whitespace(&mut self) {
        while matches!(at(self.bytes(), self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        self.skip_whitespace();
        match at(self.bytes(), self.pos) {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => Ok(Node::Str(self.string()?.0)),
            0 if self.pos >= self.text.len() => Err("yaml: unexpected end of input".to_string()),
            _ => self.plain(),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_FLOW_DEPTH {
            return Err("yaml: exceeded max depth of 10000".to_string());
        }
        self.pos += 1;
        let mut entries: Vec<(String, Node)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        self.skip_whitespace();
        if at(self.bytes(), self.pos) == b'}' {
            self.pos += 1;
            return Ok(Node::Map(entries));
        }
        loop {
            self.skip_whitespace();
            if at(self.bytes(), self.pos) != b'"' {
                return Err("yaml: did not find expected key".to_string());
            }
            let start = self.pos;
            let (key, multiline) = self.string()?;
            self.skip_whitespace();
            if at(self.bytes(), self.pos) != b':' {
                return Err("yaml: did not find expected ':'".to_string());
            }
            // A simple key must end on its line within 1024 characters of its start, or the ':'
            // no longer belongs to it and the flow mapping is malformed.
            if multiline || self.text[start..self.pos].chars().count() > 1024 {
                return Err("yaml: did not find expected ',' or '}'".to_string());
            }
            self.pos += 1;
            let value = self.value(depth)?;
            // Go's map: a repeated key keeps the last value.
            match index.get(&key) {
                Some(&at) => entries[at].1 = value,
                None => {
                    index.insert(key.clone(), entries.len());
                    entries.push((key, value));
                }
            }
            self.skip_whitespace();
            match at(self.bytes(), self.pos) {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(Node::Map(entries));
                }
                _ => return Err("yaml: did not find expected ',' or '}'".to_string()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_FLOW_DEPTH {
            return Err("yaml: exceeded max depth of 10000".to_string());
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if at(self.bytes(), self.pos) == b']' {
            self.pos += 1;
            return Ok(Node::Seq(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match at(self.bytes(), self.pos) {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(Node::Seq(items));
                }
                _ => return Err("yaml: did not find expected ',' or ']'".to_string()),
            }
        }
    }

    /// A number or `true`/`false`/`null`: a plain scalar, resolved like any other.
    fn plain(&mut self) -> Result<Node, String> {
        let b = self.bytes();
        let start = self.pos;
        while self.pos < b.len()
            && !matches!(
                b[self.pos],
                b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'
            )
        {
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        if text.is_empty() {
            return Err("yaml: did not find expected node content".to_string());
        }
        Ok(match resolve(text, Flavor::V2) {
            Resolved::Null => Node::Null,
            Resolved::Bool(v) => Node::Bool(v),
            Resolved::Int(i) => Node::Int(i),
            Resolved::Uint(u) => Node::Uint(u),
            Resolved::Float(f) => Node::Float(f),
            Resolved::Other | Resolved::Str => Node::Str(text.to_string()),
        })
    }

    /// A double-quoted scalar (`yaml_parser_scan_flow_scalar`): escapes, and line folding of raw
    /// breaks. Returns the text and whether the scalar spanned more than one line.
    fn string(&mut self) -> Result<(String, bool), String> {
        let text = self.text;
        let b = self.bytes();
        self.pos += 1;
        let mut out = String::new();
        let mut whitespaces = String::new();
        let mut leading_break = String::new();
        let mut trailing_breaks = String::new();
        let mut multiline = false;
        let mut column_zero = false;
        loop {
            if column_zero
                && (b[self.pos..].starts_with(b"---") || b[self.pos..].starts_with(b"..."))
                && is_blankz(b, self.pos + 3)
            {
                return Err("yaml: found unexpected document indicator".to_string());
            }
            if self.pos >= b.len() {
                return Err("yaml: found unexpected end of stream".to_string());
            }
            let mut leading_blanks = false;
            while !is_blankz(b, self.pos) {
                if b[self.pos] == b'"' {
                    break;
                }
                if b[self.pos] == b'\\' && is_break(b, self.pos + 1) {
                    // An escaped line break: the line continues without a space.
                    self.pos += 1;
                    self.read_line(&mut String::new());
                    multiline = true;
                    column_zero = true;
                    leading_blanks = true;
                    break;
                }
                column_zero = false;
                if b[self.pos] == b'\\' {
                    self.escape(&mut out)?;
                } else {
                    let c = text[self.pos..].chars().next().unwrap_or('\u{FFFD}');
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
            if at(b, self.pos) == b'"' {
                self.pos += 1;
                return Ok((out, multiline));
            }
            if self.pos >= b.len() {
                return Err("yaml: found unexpected end of stream".to_string());
            }
            while is_blank(b, self.pos) || is_break(b, self.pos) {
                if is_blank(b, self.pos) {
                    if !leading_blanks {
                        whitespaces.push(char::from(b[self.pos]));
                    }
                    self.pos += 1;
                    column_zero = false;
                } else {
                    multiline = true;
                    if leading_blanks {
                        self.read_line(&mut trailing_breaks);
                    } else {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    }
                    column_zero = true;
                }
            }
            if leading_blanks {
                if leading_break.starts_with('\n') {
                    if trailing_breaks.is_empty() {
                        out.push(' ');
                    } else {
                        out.push_str(&trailing_breaks);
                    }
                } else {
                    out.push_str(&leading_break);
                    out.push_str(&trailing_breaks);
                }
                leading_break.clear();
                trailing_breaks.clear();
            } else {
                out.push_str(&whitespaces);
                whitespaces.clear();
            }
        }
    }

    /// `read_line`: CR LF, CR, LF and NEL become LF; LS and PS stay.
    fn read_line(&mut self, into: &mut String) {
        let b = self.bytes();
        if b[self.pos..].starts_with(b"\r\n") {
            into.push('\n');
            self.pos += 2;
        } else if matches!(b[self.pos], b'\r' | b'\n') {
            into.push('\n');
            self.pos += 1;
        } else if b[self.pos..].starts_with("\u{85}".as_bytes()) {
            into.push('\n');
            self.pos += 2;
        } else {
            into.push_str(&self.text[self.pos..self.pos + 3]);
            self.pos += 3;
        }
    }

    /// A backslash escape of a double-quoted YAML scalar (a superset of JSON's).
    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let b = self.bytes();
        let code_length = match at(b, self.pos + 1) {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            c => {
                let ch = match c {
                    b'0' => '\0',
                    b'a' => '\u{07}',
                    b'b' => '\u{08}',
                    b't' | b'\t' => '\t',
                    b'n' => '\n',
                    b'v' => '\u{0B}',
                    b'f' => '\u{0C}',
                    b'r' => '\r',
                    b'e' => '\u{1B}',
                    b' ' => ' ',
                    b'"' => '"',
                    b'/' => '/',
                    b'\'' => '\'',
                    b'\\' => '\\',
                    b'N' => '\u{85}',
                    b'_' => '\u{A0}',
                    b'L' => '\u{2028}',
                    b'P' => '\u{2029}',
                    _ => return Err("yaml: found unknown escape character".to_string()),
                };
                out.push(ch);
                self.pos += 2;
                return Ok(());
            }
        };
        let hex = b
            .get(self.pos + 2..self.pos + 2 + code_length)
            .ok_or("yaml: did not find expected hexdecimal number")?;
        let mut value: u32 = 0;
        for &h in hex {
            value = value * 16
                + char::from(h)
                    .to_digit(16)
                    .ok_or("yaml: did not find expected hexdecimal number")?;
        }
        // Surrogates (so also JSON's "\ud83d\ude00" pairs) are refused.
        let ch =
            char::from_u32(value).ok_or("yaml: found invalid Unicode character escape code")?;
        out.push(ch);
        self.pos += 2 + code_length;
        Ok(())
    }
}

/// The characters go-yaml's reader accepts in a stream.
fn yaml_allowed_char(c: char) -> bool {
    matches!(u32::from(c), 0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

// ---- Unicode 15.0 general categories L and Nd above ASCII (Go 1.21+ tables), as code point
// ranges generated from the Unicode Character Database.

#[rustfmt::skip]
const LETTER_RANGES: &[(u32, u32)] = &[
    (0xAA, 0xAA), (0xB5, 0xB5), (0xBA, 0xBA), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2C1),
    (0x2C6, 0x2D1), (0x2E0, 0x2E4), (0x2EC, 0x2EC), (0x2EE, 0x2EE), (0x370, 0x374), (0x376, 0x377),
    (0x37A, 0x37D), (0x37F, 0x37F), (0x386, 0x386), (0x388, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1),
    (0x3A3, 0x3F5), (0x3F7, 0x481), (0x48A, 0x52F), (0x531, 0x556), (0x559, 0x559), (0x560, 0x588),
    (0x5D0, 0x5EA), (0x5EF, 0x5F2), (0x620, 0x64A), (0x66E, 0x66F), (0x671, 0x6D3), (0x6D5, 0x6D5),
    (0x6E5, 0x6E6), (0x6EE, 0x6EF), (0x6FA, 0x6FC), (0x6FF, 0x6FF), (0x710, 0x710), (0x712, 0x72F),
    (0x74D, 0x7A5), (0x7B1, 0x7B1), (0x7CA, 0x7EA), (0x7F4, 0x7F5), (0x7FA, 0x7FA), (0x800, 0x815),
    (0x81A, 0x81A), (0x824, 0x824), (0x828, 0x828), (0x840, 0x858), (0x860, 0x86A), (0x870, 0x887),
    (0x889, 0x88E), (0x8A0, 0x8C9), (0x904, 0x939), (0x93D, 0x93D), (0x950, 0x950), (0x958, 0x961),
    (0x971, 0x980), (0x985, 0x98C), (0x98F, 0x990), (0x993, 0x9A8), (0x9AA, 0x9B0), (0x9B2, 0x9B2),
    (0x9B6, 0x9B9), (0x9BD, 0x9BD), (0x9CE, 0x9CE), (0x9DC, 0x9DD), (0x9DF, 0x9E1), (0x9F0, 0x9F1),
    (0x9FC, 0x9FC), (0xA05, 0xA0A), (0xA0F, 0xA10), (0xA13, 0xA28), (0xA2A, 0xA30), (0xA32, 0xA33),
    (0xA35, 0xA36), (0xA38, 0xA39), (0xA59, 0xA5C), (0xA5E, 0xA5E), (0xA72, 0xA74), (0xA85, 0xA8D),
    (0xA8F, 0xA91), (0xA93, 0xAA8), (0xAAA, 0xAB0), (0xAB2, 0xAB3), (0xAB5, 0xAB9), (0xABD, 0xABD),
    (0xAD0, 0xAD0), (0xAE0, 0xAE1), (0xAF9, 0xAF9), (0xB05, 0xB0C), (0xB0F, 0xB10), (0xB13, 0xB28),
    (0xB2A, 0xB30), (0xB32, 0xB33), (0xB35, 0xB39), (0xB3D, 0xB3D), (0xB5C, 0xB5D), (0xB5F, 0xB61),
    (0xB71, 0xB71), (0xB83, 0xB83), (0xB85, 0xB8A), (0xB8E, 0xB90), (0xB92, 0xB95), (0xB99, 0xB9A),
    (0xB9C, 0xB9C), (0xB9E, 0xB9F), (0xBA3, 0xBA4), (0xBA8, 0xBAA), (0xBAE, 0xBB9), (0xBD0, 0xBD0),
    (0xC05, 0xC0C), (0xC0E, 0xC10), (0xC12, 0xC28), (0xC2A, 0xC39), (0xC3D, 0xC3D), (0xC58, 0xC5A),
    (0xC5D, 0xC5D), (0xC60, 0xC61), (0xC80, 0xC80), (0xC85, 0xC8C), (0xC8E, 0xC90), (0xC92, 0xCA8),
    (0xCAA, 0xCB3), (0xCB5, 0xCB9), (0xCBD, 0xCBD), (0xCDD, 0xCDE), (0xCE0, 0xCE1), (0xCF1, 0xCF2),
    (0xD04, 0xD0C), (0xD0E, 0xD10), (0xD12, 0xD3A), (0xD3D, 0xD3D), (0xD4E, 0xD4E), (0xD54, 0xD56),
    (0xD5F, 0xD61), (0xD7A, 0xD7F), (0xD85, 0xD96), (0xD9A, 0xDB1), (0xDB3, 0xDBB), (0xDBD, 0xDBD),
    (0xDC0, 0xDC6), (0xE01, 0xE30), (0xE32, 0xE33), (0xE40, 0xE46), (0xE81, 0xE82), (0xE84, 0xE84),
    (0xE86, 0xE8A), (0xE8C, 0xEA3), (0xEA5, 0xEA5), (0xEA7, 0xEB0), (0xEB2, 0xEB3), (0xEBD, 0xEBD),
    (0xEC0, 0xEC4), (0xEC6, 0xEC6), (0xEDC, 0xEDF), (0xF00, 0xF00), (0xF40, 0xF47), (0xF49, 0xF6C),
    (0xF88, 0xF8C), (0x1000, 0x102A), (0x103F, 0x103F), (0x1050, 0x1055), (0x105A, 0x105D),
    (0x1061, 0x1061), (0x1065, 0x1066), (0x106E, 0x1070), (0x1075, 0x1081), (0x108E, 0x108E),
    (0x10A0, 0x10C5), (0x10C7, 0x10C7), (0x10CD, 0x10CD), (0x10D0, 0x10FA), (0x10FC, 0x1248),
    (0x124A, 0x124D), (0x1250, 0x1256), (0x1258, 0x1258), (0x125A, 0x125D), (0x1260, 0x1288),
    (0x128A, 0x128D), (0x1290, 0x12B0), (0x12B2, 0x12B5), (0x12B8, 0x12BE), (0x12C0, 0x12C0),
    (0x12C2, 0x12C5), (0x12C8, 0x12D6), (0x12D8, 0x1310), (0x1312, 0x1315), (0x1318, 0x135A),
    (0x1380, 0x138F), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1401, 0x166C), (0x166F, 0x167F),
    (0x1681, 0x169A), (0x16A0, 0x16EA), (0x16F1, 0x16F8), (0x1700, 0x1711), (0x171F, 0x1731),
    (0x1740, 0x1751), (0x1760, 0x176C), (0x176E, 0x1770), (0x1780, 0x17B3), (0x17D7, 0x17D7),
    (0x17DC, 0x17DC), (0x1820, 0x1878), (0x1880, 0x1884), (0x1887, 0x18A8), (0x18AA, 0x18AA),
    (0x18B0, 0x18F5), (0x1900, 0x191E), (0x1950, 0x196D), (0x1970, 0x1974), (0x1980, 0x19AB),
    (0x19B0, 0x19C9), (0x1A00, 0x1A16), (0x1A20, 0x1A54), (0x1AA7, 0x1AA7), (0x1B05, 0x1B33),
    (0x1B45, 0x1B4C), (0x1B83, 0x1BA0), (0x1BAE, 0x1BAF), (0x1BBA, 0x1BE5), (0x1C00, 0x1C23),
    (0x1C4D, 0x1C4F), (0x1C5A, 0x1C7D), (0x1C80, 0x1C88), (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF),
    (0x1CE9, 0x1CEC), (0x1CEE, 0x1CF3), (0x1CF5, 0x1CF6), (0x1CFA, 0x1CFA), (0x1D00, 0x1DBF),
    (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57),
    (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4),
    (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3),
    (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC), (0x2071, 0x2071),
    (0x207F, 0x207F), (0x2090, 0x209C), (0x2102, 0x2102), (0x2107, 0x2107), (0x210A, 0x2113),
    (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128),
    (0x212A, 0x212D), (0x212F, 0x2139), (0x213C, 0x213F), (0x2145, 0x2149), (0x214E, 0x214E),
    (0x2183, 0x2184), (0x2C00, 0x2CE4), (0x2CEB, 0x2CEE), (0x2CF2, 0x2CF3), (0x2D00, 0x2D25),
    (0x2D27, 0x2D27), (0x2D2D, 0x2D2D), (0x2D30, 0x2D67), (0x2D6F, 0x2D6F), (0x2D80, 0x2D96),
    (0x2DA0, 0x2DA6), (0x2DA8, 0x2DAE), (0x2DB0, 0x2DB6), (0x2DB8, 0x2DBE), (0x2DC0, 0x2DC6),
    (0x2DC8, 0x2DCE), (0x2DD0, 0x2DD6), (0x2DD8, 0x2DDE), (0x2E2F, 0x2E2F), (0x3005, 0x3006),
    (0x3031, 0x3035), (0x303B, 0x303C), (0x3041, 0x3096), (0x309D, 0x309F), (0x30A1, 0x30FA),
    (0x30FC, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E), (0x31A0, 0x31BF), (0x31F0, 0x31FF),
    (0x3400, 0x4DBF), (0x4E00, 0xA48C), (0xA4D0, 0xA4FD), (0xA500, 0xA60C), (0xA610, 0xA61F),
    (0xA62A, 0xA62B), (0xA640, 0xA66E), (0xA67F, 0xA69D), (0xA6A0, 0xA6E5), (0xA717, 0xA71F),
    (0xA722, 0xA788), (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3), (0xA7D5, 0xA7D9),
    (0xA7F2, 0xA801), (0xA803, 0xA805), (0xA807, 0xA80A), (0xA80C, 0xA822), (0xA840, 0xA873),
    (0xA882, 0xA8B3), (0xA8F2, 0xA8F7), (0xA8FB, 0xA8FB), (0xA8FD, 0xA8FE), (0xA90A, 0xA925),
    (0xA930, 0xA946), (0xA960, 0xA97C), (0xA984, 0xA9B2), (0xA9CF, 0xA9CF), (0xA9E0, 0xA9E4),
    (0xA9E6, 0xA9EF), (0xA9FA, 0xA9FE), (0xAA00, 0xAA28), (0xAA40, 0xAA42), (0xAA44, 0xAA4B),
    (0xAA60, 0xAA76), (0xAA7A, 0xAA7A), (0xAA7E, 0xAAAF), (0xAAB1, 0xAAB1), (0xAAB5, 0xAAB6),
    (0xAAB9, 0xAABD), (0xAAC0, 0xAAC0), (0xAAC2, 0xAAC2), (0xAADB, 0xAADD), (0xAAE0, 0xAAEA),
    (0xAAF2, 0xAAF4), (0xAB01, 0xAB06), (0xAB09, 0xAB0E), (0xAB11, 0xAB16), (0xAB20, 0xAB26),
    (0xAB28, 0xAB2E), (0xAB30, 0xAB5A), (0xAB5C, 0xAB69), (0xAB70, 0xABE2), (0xAC00, 0xD7A3),
    (0xD7B0, 0xD7C6), (0xD7CB, 0xD7FB), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0xFB00, 0xFB06),
    (0xFB13, 0xFB17), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28), (0xFB2A, 0xFB36), (0xFB38, 0xFB3C),
    (0xFB3E, 0xFB3E), (0xFB40, 0xFB41), (0xFB43, 0xFB44), (0xFB46, 0xFBB1), (0xFBD3, 0xFD3D),
    (0xFD50, 0xFD8F), (0xFD92, 0xFDC7), (0xFDF0, 0xFDFB), (0xFE70, 0xFE74), (0xFE76, 0xFEFC),
    (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0xFF66, 0xFFBE), (0xFFC2, 0xFFC7), (0xFFCA, 0xFFCF),
    (0xFFD2, 0xFFD7), (0xFFDA, 0xFFDC), (0x10000, 0x1000B), (0x1000D, 0x10026), (0x10028, 0x1003A),
    (0x1003C, 0x1003D), (0x1003F, 0x1004D), (0x10050, 0x1005D), (0x10080, 0x100FA),
    (0x10280, 0x1029C), (0x102A0, 0x102D0), (0x10300, 0x1031F), (0x1032D, 0x10340),
    (0x10342, 0x10349), (0x10350, 0x10375), (0x10380, 0x1039D), (0x103A0, 0x103C3),
    (0x103C8, 0x103CF), (0x10400, 0x1049D), (0x104B0, 0x104D3), (0x104D8, 0x104FB),
    (0x10500, 0x10527), (0x10530, 0x10563), (0x10570, 0x1057A), (0x1057C, 0x1058A),
    (0x1058C, 0x10592), (0x10594, 0x10595), (0x10597, 0x105A1), (0x105A3, 0x105B1),
    (0x105B3, 0x105B9), (0x105BB, 0x105BC), (0x10600, 0x10736), (0x10740, 0x10755),
    (0x10760, 0x10767), (0x10780, 0x10785), (0x10787, 0x107B0), (0x107B2, 0x107BA),
    (0x10800, 0x10805), (0x10808, 0x10808), (0x1080A, 0x10835), (0x10837, 0x10838),
    (0x1083C, 0x1083C), (0x1083F, 0x10855), (0x10860, 0x10876), (0x10880, 0x1089E),
    (0x108E0, 0x108F2), (0x108F4, 0x108F5), (0x10900, 0x10915), (0x10920, 0x10939),
    (0x10980, 0x109B7), (0x109BE, 0x109BF), (0x10A00, 0x10A00), (0x10A10, 0x10A13),
    (0x10A15, 0x10A17), (0x10A19, 0x10A35), (0x10A60, 0x10A7C), (0x10A80, 0x10A9C),
    (0x10AC0, 0x10AC7), (0x10AC9, 0x10AE4), (0x10B00, 0x10B35), (0x10B40, 0x10B55),
    (0x10B60, 0x10B72), (0x10B80, 0x10B91), (0x10C00, 0x10C48), (0x10C80, 0x10CB2),
    (0x10CC0, 0x10CF2), (0x10D00, 0x10D23), (0x10E80, 0x10EA9), (0x10EB0, 0x10EB1),
    (0x10F00, 0x10F1C), (0x10F27, 0x10F27), (0x10F30, 0x10F45), (0x10F70, 0x10F81),
    (0x10FB0, 0x10FC4), (0x10FE0, 0x10FF6), (0x11003, 0x11037), (0x11071, 0x11072),
    (0x11075, 0x11075), (0x11083, 0x110AF), (0x110D0, 0x110E8), (0x11103, 0x11126),
    (0x11144, 0x11144), (0x11147, 0x11147), (0x11150, 0x11172), (0x11176, 0x11176),
    (0x11183, 0x111B2), (0x111C1, 0x111C4), (0x111DA, 0x111DA), (0x111DC, 0x111DC),
    (0x11200, 0x11211), (0x11213, 0x1122B), (0x1123F, 0x11240), (0x11280, 0x11286),
    (0x11288, 0x11288), (0x1128A, 0x1128D), (0x1128F, 0x1129D), (0x1129F, 0x112A8),
    (0x112B0, 0x112DE), (0x11305, 0x1130C), (0x1130F, 0x11310), (0x11313, 0x11328),
    (0x1132A, 0x11330), (0x11332, 0x11333), (0x11335, 0x11339), (0x1133D, 0x1133D),
    (0x11350, 0x11350), (0x1135D, 0x11361), (0x11400, 0x11434), (0x11447, 0x1144A),
    (0x1145F, 0x11461), (0x11480, 0x114AF), (0x114C4, 0x114C5), (0x114C7, 0x114C7),
    (0x11580, 0x115AE), (0x115D8, 0x115DB), (0x11600, 0x1162F), (0x11644, 0x11644),
    (0x11680, 0x116AA), (0x116B8, 0x116B8), (0x11700, 0x1171A), (0x11740, 0x11746),
    (0x11800, 0x1182B), (0x118A0, 0x118DF), (0x118FF, 0x11906), (0x11909, 0x11909),
    (0x1190C, 0x11913), (0x11915, 0x11916), (0x11918, 0x1192F), (0x1193F, 0x1193F),
    (0x11941, 0x11941), (0x119A0, 0x119A7), (0x119AA, 0x119D0), (0x119E1, 0x119E1),
    (0x119E3, 0x119E3), (0x11A00, 0x11A00), (0x11A0B, 0x11A32), (0x11A3A, 0x11A3A),
    (0x11A50, 0x11A50), (0x11A5C, 0x11A89), (0x11A9D, 0x11A9D), (0x11AB0, 0x11AF8),
    (0x11C00, 0x11C08), (0x11C0A, 0x11C2E), (0x11C40, 0x11C40), (0x11C72, 0x11C8F),
    (0x11D00, 0x11D06), (0x11D08, 0x11D09), (0x11D0B, 0x11D30), (0x11D46, 0x11D46),
    (0x11D60, 0x11D65), (0x11D67, 0x11D68), (0x11D6A, 0x11D89), (0x11D98, 0x11D98),
    (0x11EE0, 0x11EF2), (0x11F02, 0x11F02), (0x11F04, 0x11F10), (0x11F12, 0x11F33),
    (0x11FB0, 0x11FB0), (0x12000, 0x12399), (0x12480, 0x12543), (0x12F90, 0x12FF0),
    (0x13000, 0x1342E), (0x13441, 0x13446), (0x14400, 0x14646), (0x16800, 0x16A38),
    (0x16A40, 0x16A5E), (0x16A70, 0x16ABE), (0x16AD0, 0x16AED), (0x16B00, 0x16B2F),
    (0x16B40, 0x16B43), (0x16B63, 0x16B77), (0x16B7D, 0x16B8F), (0x16E40, 0x16E7F),
    (0x16F00, 0x16F4A), (0x16F50, 0x16F50), (0x16F93, 0x16F9F), (0x16FE0, 0x16FE1),
    (0x16FE3, 0x16FE3), (0x17000, 0x187F7), (0x18800, 0x18CD5), (0x18D00, 0x18D08),
    (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE), (0x1B000, 0x1B122),
    (0x1B150, 0x1B152), (0x1B164, 0x1B167), (0x1B170, 0x1B2FB), (0x1BC00, 0x1BC6A),
    (0x1BC70, 0x1BC7C), (0x1BC80, 0x1BC88), (0x1BC90, 0x1BC99), (0x1D400, 0x1D454),
    (0x1D456, 0x1D49C), (0x1D49E, 0x1D49F), (0x1D4A2, 0x1D4A2), (0x1D4A5, 0x1D4A6),
    (0x1D4A9, 0x1D4AC), (0x1D4AE, 0x1D4B9), (0x1D4BB, 0x1D4BB), (0x1D4BD, 0x1D4C3),
    (0x1D4C5, 0x1D505), (0x1D507, 0x1D50A), (0x1D50D, 0x1D514), (0x1D516, 0x1D51C),
    (0x1D51E, 0x1D539), (0x1D53B, 0x1D53E), (0x1D540, 0x1D544), (0x1D546, 0x1D546),
    (0x1D54A, 0x1D550), (0x1D552, 0x1D6A5), (0x1D6A8, 0x1D6C0), (0x1D6C2, 0x1D6DA),
    (0x1D6DC, 0x1D6FA), (0x1D6FC, 0x1D714), (0x1D716, 0x1D734), (0x1D736, 0x1D74E),
    (0x1D750, 0x1D76E), (0x1D770, 0x1D788), (0x1D78A, 0x1D7A8), (0x1D7AA, 0x1D7C2),
    (0x1D7C4, 0x1D7CB), (0x1DF00, 0x1DF1E), (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D),
    (0x1E100, 0x1E12C), (0x1E137, 0x1E13D), (0x1E14E, 0x1E14E), (0x1E290, 0x1E2AD),
    (0x1E2C0, 0x1E2EB), (0x1E4D0, 0x1E4EB), (0x1E7E0, 0x1E7E6), (0x1E7E8, 0x1E7EB),
    (0x1E7ED, 0x1E7EE), (0x1E7F0, 0x1E7FE), (0x1E800, 0x1E8C4), (0x1E900, 0x1E943),
    (0x1E94B, 0x1E94B), (0x1EE00, 0x1EE03), (0x1EE05, 0x1EE1F), (0x1EE21, 0x1EE22),
    (0x1EE24, 0x1EE24), (0x1EE27, 0x1EE27), (0x1EE29, 0x1EE32), (0x1EE34, 0x1EE37),
    (0x1EE39, 0x1EE39), (0x1EE3B, 0x1EE3B), (0x1EE42, 0x1EE42), (0x1EE47, 0x1EE47),
    (0x1EE49, 0x1EE49), (0x1EE4B, 0x1EE4B), (0x1EE4D, 0x1EE4F), (0x1EE51, 0x1EE52),
    (0x1EE54, 0x1EE54), (0x1EE57, 0x1EE57), (0x1EE59, 0x1EE59), (0x1EE5B, 0x1EE5B),
    (0x1EE5D, 0x1EE5D), (0x1EE5F, 0x1EE5F), (0x1EE61, 0x1EE62), (0x1EE64, 0x1EE64),
    (0x1EE67, 0x1EE6A), (0x1EE6C, 0x1EE72), (0x1EE74, 0x1EE77), (0x1EE79, 0x1EE7C),
    (0x1EE7E, 0x1EE7E), (0x1EE80, 0x1EE89), (0x1EE8B, 0x1EE9B), (0x1EEA1, 0x1EEA3),
    (0x1EEA5, 0x1EEA9), (0x1EEAB, 0x1EEBB), (0x20000, 0x2A6DF), (0x2A700, 0x2B738),
    (0x2B740, 0x2B81D), (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D),
    (0x30000, 0x3134A), (0x31350, 0x323AF),
];

#[rustfmt::skip]
const DIGIT_RANGES: &[(u32, u32)] = &[
    (0x660, 0x669), (0x6F0, 0x6F9), (0x7C0, 0x7C9), (0x966, 0x96F), (0x9E6, 0x9EF), (0xA66, 0xA6F),
    (0xAE6, 0xAEF), (0xB66, 0xB6F), (0xBE6, 0xBEF), (0xC66, 0xC6F), (0xCE6, 0xCEF), (0xD66, 0xD6F),
    (0xDE6, 0xDEF), (0xE50, 0xE59), (0xED0, 0xED9), (0xF20, 0xF29), (0x1040, 0x1049),
    (0x1090, 0x1099), (0x17E0, 0x17E9), (0x1810, 0x1819), (0x1946, 0x194F), (0x19D0, 0x19D9),
    (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59), (0x1BB0, 0x1BB9), (0x1C40, 0x1C49),
    (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9), (0xA900, 0xA909), (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9), (0xFF10, 0xFF19), (0x104A0, 0x104A9),
    (0x10D30, 0x10D39), (0x11066, 0x1106F), (0x110F0, 0x110F9), (0x11136, 0x1113F),
    (0x111D0, 0x111D9), (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9),
    (0x11650, 0x11659), (0x116C0, 0x116C9), (0x11730, 0x11739), (0x118E0, 0x118E9),
    (0x11950, 0x11959), (0x11C50, 0x11C59), (0x11D50, 0x11D59), (0x11DA0, 0x11DA9),
    (0x11F50, 0x11F59), (0x16A60, 0x16A69), (0x16AC0, 0x16AC9), (0x16B50, 0x16B59),
    (0x1D7CE, 0x1D7FF), (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9), (0x1E4F0, 0x1E4F9),
    (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
];

#[cfg(test)]
mod tests {
    //! Every expected text below is what Helm v4.2.3 rendered for `{{ toYaml $v }}` and
    //! `{{ toYamlPretty $v }}` with `$v` built in a template from the same value.

    use super::*;

    fn s(v: &str) -> Node {
        Node::Str(v.to_string())
    }

    fn i(v: i64) -> Node {
        Node::Int(v)
    }

    fn f(v: f64) -> Node {
        Node::Float(v)
    }

    fn l(items: Vec<Node>) -> Node {
        Node::Seq(items)
    }

    fn m(entries: Vec<(&str, Node)>) -> Node {
        Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// Go's `json.Marshal` of a test value (HTML characters escaped, floats in Go's JSON form);
    /// NaN and infinities are errors, as in Go.
    fn go_json(node: &Node, out: &mut String) -> Result<(), ()> {
        match node {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Int(v) => out.push_str(&v.to_string()),
            Node::Uint(v) => out.push_str(&v.to_string()),
            Node::Float(v) => out.push_str(&go_json_float(*v)?),
            Node::Str(v) => go_json_string(v, out),
            Node::Seq(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    go_json(item, out)?;
                }
                out.push(']');
            }
            Node::Map(entries) => {
                let mut sorted: Vec<&(String, Node)> = entries.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                out.push('{');
                for (n, (key, value)) in sorted.into_iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    go_json_string(key, out);
                    out.push(':');
                    go_json(value, out)?;
                }
                out.push('}');
            }
        }
        Ok(())
    }

    fn go_json_float(v: f64) -> Result<String, ()> {
        if !v.is_finite() {
            return Err(());
        }
        let sign = if v.is_sign_negative() { "-" } else { "" };
        let a = v.abs();
        if a == 0.0 {
            return Ok(format!("{sign}0"));
        }
        let (digits, exp) = shortest_decimal(a);
        let digits = String::from_utf8(digits).map_err(|_| ())?;
        if !(1e-6..1e21).contains(&a) {
            let mantissa = if digits.len() > 1 {
                format!("{}.{}", &digits[..1], &digits[1..])
            } else {
                digits
            };
            return Ok(format!(
                "{sign}{mantissa}e{}{}",
                if exp < 0 { '-' } else { '+' },
                exp.unsigned_abs()
            ));
        }
        let point = exp + 1;
        let mut text = String::from(sign);
        if point <= 0 {
            text.push('0');
        } else {
            for k in 0..point as usize {
                text.push(digits.as_bytes().get(k).map_or('0', |&d| char::from(d)));
            }
        }
        let n = digits.len() as i32;
        if n > point {
            text.push('.');
            for k in point..n {
                text.push(if k < 0 {
                    '0'
                } else {
                    char::from(digits.as_bytes()[k as usize])
                });
            }
        }
        Ok(text)
    }

    fn go_json_string(v: &str, out: &mut String) {
        out.push('"');
        for c in v.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{08}' => out.push_str("\\b"),
                '\u{0C}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1F}' => {
                    out.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    fn trim(text: String) -> String {
        text.strip_suffix('\n').map(str::to_string).unwrap_or(text)
    }

    /// Helm's `toYaml`: `json.Marshal`, `JSONToYAML`, one trailing newline trimmed, "" on error.
    fn to_yaml(node: &Node) -> String {
        let mut json = String::new();
        if go_json(node, &mut json).is_err() {
            return String::new();
        }
        json_to_yaml(&json).map(trim).unwrap_or_default()
    }

    /// Helm's `toYamlPretty`.
    fn to_yaml_pretty(node: &Node) -> String {
        trim(emit_v3(node, 2))
    }

    fn check(node: Node, to_yaml_text: &str, to_yaml_pretty_text: &str) {
        assert_eq!(to_yaml(&node), to_yaml_text, "toYaml of {node:?}");
        assert_eq!(
            to_yaml_pretty(&node),
            to_yaml_pretty_text,
            "toYamlPretty of {node:?}"
        );
    }

    fn check_both(node: Node, text: &str) {
        check(node, text, text);
    }

    #[test]
    fn json_numbers_resolve_by_their_text() {
        // Go's json.Marshal of the float64s 1, -0, 1e19, 1e20, 1e21 and 1.5e-7.
        let json = "[1,-0,10000000000000000000,100000000000000000000,1e+21,1.5e-7]";
        let helm = "- 1\n- 0\n- 10000000000000000000\n- 1e+20\n- 1e+21\n- 1.5e-07";
        assert_eq!(json_to_yaml(json).map(trim).as_deref(), Ok(helm));
    }

    #[test]
    fn go_json_escapes_are_read() {
        let json = r#"{"a":"\u003c\u0026\u2028/\b"}"#;
        assert_eq!(
            json_to_yaml(json).map(trim).as_deref(),
            Ok("a: \"<&\\L/\\b\"")
        );
    }

    #[test]
    fn a_top_level_scalar_ends_with_a_newline() {
        assert_eq!(json_to_yaml("null").as_deref(), Ok("null\n"));
        assert_eq!(emit_v3(&Node::Null, 2), "null\n");
        assert_eq!(emit_v2(&s("a\n")), "|\n  a\n");
    }

    #[test]
    fn keys_sort_the_same_whatever_the_given_order() {
        let helm = "a9: 2\na10: 1\nb: 3\n";
        let forward = m(vec![("a10", i(1)), ("a9", i(2)), ("b", i(3))]);
        let backward = m(vec![("b", i(3)), ("a9", i(2)), ("a10", i(1))]);
        for node in [forward, backward] {
            assert_eq!(emit_v2(&node), helm);
            assert_eq!(emit_v3(&node, 2), helm);
        }
    }

    #[test]
    fn plain_strings_stay_plain() {
        check_both(m(vec![("k", s("a"))]), "k: a");
    }

    #[test]
    fn an_empty_string_is_double_quoted() {
        check_both(m(vec![("k", s(""))]), "k: \"\"");
    }

    #[test]
    fn a_lone_space_is_single_quoted() {
        check_both(m(vec![("k", s(" "))]), "k: ' '");
    }

    #[test]
    fn booleans_of_yaml_1_1_are_quoted() {
        check_both(m(vec![("k", s("yes"))]), "k: \"yes\"");
    }

    #[test]
    fn a_single_letter_boolean_is_quoted() {
        check_both(m(vec![("k", s("y"))]), "k: \"y\"");
    }

    #[test]
    fn true_is_quoted() {
        check_both(m(vec![("k", s("True"))]), "k: \"True\"");
    }

    #[test]
    fn a_tilde_is_quoted_as_null() {
        check_both(m(vec![("k", s("~"))]), "k: \"~\"");
    }

    #[test]
    fn null_is_quoted() {
        check_both(m(vec![("k", s("null"))]), "k: \"null\"");
    }

    #[test]
    fn integer_text_is_quoted() {
        check_both(m(vec![("k", s("-1"))]), "k: \"-1\"");
    }

    #[test]
    fn a_float_text_is_quoted() {
        check_both(m(vec![("k", s("1.0"))]), "k: \"1.0\"");
    }

    #[test]
    fn a_trailing_dot_float_is_quoted() {
        check_both(m(vec![("k", s("5."))]), "k: \"5.\"");
    }

    #[test]
    fn exponent_text_is_quoted() {
        check_both(m(vec![("k", s("1e3"))]), "k: \"1e3\"");
    }

    #[test]
    fn hex_text_is_quoted() {
        check_both(m(vec![("k", s("0x1F"))]), "k: \"0x1F\"");
    }

    #[test]
    fn octal_0o_text_is_quoted() {
        check_both(m(vec![("k", s("0o17"))]), "k: \"0o17\"");
    }

    #[test]
    fn a_leading_zero_octal_is_quoted() {
        check_both(m(vec![("k", s("0777"))]), "k: \"0777\"");
    }

    #[test]
    fn an_invalid_octal_reads_as_a_float_and_is_quoted() {
        check_both(m(vec![("k", s("08"))]), "k: \"08\"");
    }

    #[test]
    fn underscored_digits_are_quoted() {
        check_both(m(vec![("k", s("1_000"))]), "k: \"1_000\"");
    }

    #[test]
    fn a_leading_underscore_stays_plain() {
        check_both(m(vec![("k", s("_1"))]), "k: _1");
    }

    #[test]
    fn dot_inf_is_quoted() {
        check_both(m(vec![("k", s(".inf"))]), "k: \".inf\"");
    }

    #[test]
    fn plain_inf_and_nan_words_stay_plain() {
        check_both(m(vec![("k", s("inf"))]), "k: inf");
    }

    #[test]
    fn a_lone_dash_is_single_quoted() {
        check_both(m(vec![("k", s("-"))]), "k: '-'");
    }

    #[test]
    fn a_lone_plus_stays_plain() {
        check_both(m(vec![("k", s("+"))]), "k: +");
    }

    #[test]
    fn three_dots_are_single_quoted() {
        check_both(m(vec![("k", s("..."))]), "k: '...'");
    }

    #[test]
    fn a_document_marker_is_single_quoted() {
        check_both(m(vec![("k", s("---"))]), "k: '---'");
    }

    #[test]
    fn dash_space_is_single_quoted() {
        check_both(m(vec![("k", s("- a"))]), "k: '- a'");
    }

    #[test]
    fn a_dash_before_a_letter_stays_plain() {
        check_both(m(vec![("k", s("-a"))]), "k: -a");
    }

    #[test]
    fn question_mark_space_is_single_quoted() {
        check_both(m(vec![("k", s("? a"))]), "k: '? a'");
    }

    #[test]
    fn colon_space_inside_is_single_quoted() {
        check_both(m(vec![("k", s("a: b"))]), "k: 'a: b'");
    }

    #[test]
    fn colon_without_space_stays_plain() {
        check_both(m(vec![("k", s("a:b"))]), "k: a:b");
    }

    #[test]
    fn a_trailing_colon_is_single_quoted() {
        check_both(m(vec![("k", s("a:"))]), "k: 'a:'");
    }

    #[test]
    fn space_hash_is_single_quoted() {
        check_both(m(vec![("k", s("a #b"))]), "k: 'a #b'");
    }

    #[test]
    fn hash_without_space_stays_plain() {
        check_both(m(vec![("k", s("a#b"))]), "k: a#b");
    }

    #[test]
    fn a_leading_indicator_is_single_quoted() {
        check_both(m(vec![("k", s("*a"))]), "k: '*a'");
    }

    #[test]
    fn a_leading_percent_is_single_quoted() {
        check_both(m(vec![("k", s("%a"))]), "k: '%a'");
    }

    #[test]
    fn a_leading_backtick_is_single_quoted() {
        check_both(m(vec![("k", s("`a"))]), "k: '`a'");
    }

    #[test]
    fn a_leading_quote_is_doubled_in_single_quotes() {
        check_both(m(vec![("k", s("'a"))]), "k: '''a'");
    }

    #[test]
    fn an_inner_quote_stays_plain() {
        check_both(m(vec![("k", s("a'b"))]), "k: a'b");
    }

    #[test]
    fn a_leading_bracket_is_single_quoted() {
        check_both(m(vec![("k", s("[a]"))]), "k: '[a]'");
    }

    #[test]
    fn inner_flow_indicators_stay_plain() {
        check_both(m(vec![("k", s("a,b"))]), "k: a,b");
    }

    #[test]
    fn leading_and_trailing_spaces_are_single_quoted() {
        check_both(m(vec![("k", s(" a "))]), "k: ' a '");
    }

    #[test]
    fn a_tab_forces_double_quotes() {
        check_both(m(vec![("k", s("a\tb"))]), "k: \"a\\tb\"");
    }

    #[test]
    fn sexagesimal_numbers_are_quoted() {
        check_both(m(vec![("k", s("1:20"))]), "k: \"1:20\"");
    }

    #[test]
    fn a_sexagesimal_lookalike_with_60_stays_plain() {
        check_both(m(vec![("k", s("1:60"))]), "k: 1:60");
    }

    #[test]
    fn dates_are_quoted() {
        check_both(m(vec![("k", s("2001-12-14"))]), "k: \"2001-12-14\"");
    }

    #[test]
    fn timestamps_with_zones_are_quoted() {
        check_both(
            m(vec![("k", s("2001-12-14t21:59:43.10-05:00"))]),
            "k: \"2001-12-14t21:59:43.10-05:00\"",
        );
    }

    #[test]
    fn a_space_separated_timestamp_is_quoted() {
        check_both(
            m(vec![("k", s("2001-12-14 21:59:43"))]),
            "k: \"2001-12-14 21:59:43\"",
        );
    }

    #[test]
    fn an_impossible_date_stays_plain() {
        check_both(m(vec![("k", s("2001-02-30"))]), "k: 2001-02-30");
    }

    #[test]
    fn a_leap_day_is_a_date() {
        check_both(m(vec![("k", s("2000-02-29"))]), "k: \"2000-02-29\"");
    }

    #[test]
    fn a_compact_zone_offset_is_not_a_timestamp() {
        check_both(
            m(vec![("k", s("2001-12-14T21:59:43+0500"))]),
            "k: 2001-12-14T21:59:43+0500",
        );
    }

    #[test]
    fn the_merge_key_stays_plain() {
        check_both(m(vec![("k", s("<<"))]), "k: <<");
    }

    #[test]
    fn a_line_separator_is_single_quoted_and_breaks_the_line() {
        check_both(m(vec![("k", s("a\u{2028}b"))]), "k: 'a\u{2028}  b'");
    }

    #[test]
    fn a_next_line_character_is_folded_by_v2_and_escaped_by_v3() {
        check(m(vec![("k", s("a\u{85}b"))]), "k: a b", "k: \"a\\Nb\"");
    }

    #[test]
    fn a_no_break_space_stays_plain() {
        check_both(m(vec![("k", s("a\u{a0}b"))]), "k: a\u{a0}b");
    }

    #[test]
    fn a_byte_order_mark_is_escaped() {
        check_both(m(vec![("k", s("a\u{feff}b"))]), "k: \"a\\uFEFFb\"");
    }

    #[test]
    fn a_leading_byte_order_mark_escapes_every_character() {
        check_both(
            m(vec![("\u{feff}-z\"\u{1}", s(".nan"))]),
            "\"\\uFEFF\\x2D\\x7A\\\"\\x01\": \".nan\"",
        );
    }

    #[test]
    fn delete_makes_to_yaml_fail_and_is_escaped_by_v3() {
        check(m(vec![("k", s("a\u{7f}b"))]), "", "k: \"a\\x7Fb\"");
    }

    #[test]
    fn control_characters_use_named_escapes() {
        check_both(
            m(vec![("k", s("\u{8}\u{c}\u{b}\u{7}"))]),
            "k: \"\\b\\f\\v\\a\"",
        );
    }

    #[test]
    fn other_control_characters_use_hex_escapes() {
        check_both(m(vec![("k", s("a\u{1}b"))]), "k: \"a\\x01b\"");
    }

    #[test]
    fn non_ascii_letters_stay_plain() {
        check_both(m(vec![("k", s("日本語"))]), "k: 日本語");
    }

    #[test]
    fn four_byte_characters_are_escaped() {
        check_both(m(vec![("k", s("😀"))]), "k: \"\\U0001F600\"");
    }

    #[test]
    fn text_with_a_newline_is_a_literal_block() {
        check_both(m(vec![("k", s("a\nb"))]), "k: |-\n  a\n  b");
    }

    #[test]
    fn one_trailing_newline_clips() {
        check_both(m(vec![("k", s("a\n"))]), "k: |\n  a");
    }

    #[test]
    fn two_trailing_newlines_keep() {
        check_both(m(vec![("k", s("a\n\n"))]), "k: |+\n  a\n");
    }

    #[test]
    fn a_lone_newline_keeps_with_an_indentation_indicator() {
        check_both(m(vec![("k", s("\n"))]), "k: |2+\n");
    }

    #[test]
    fn a_leading_newline_needs_an_indentation_indicator() {
        check_both(m(vec![("k", s("\na"))]), "k: |2-\n\n  a");
    }

    #[test]
    fn a_leading_space_needs_an_indentation_indicator() {
        check_both(m(vec![("k", s(" a\nb"))]), "k: |2-\n   a\n  b");
    }

    #[test]
    fn a_space_before_a_newline_forces_double_quotes() {
        check_both(m(vec![("k", s("a \nb"))]), "k: \"a \\nb\"");
    }

    #[test]
    fn a_trailing_space_forces_double_quotes() {
        check_both(m(vec![("k", s("a\nb "))]), "k: \"a\\nb \"");
    }

    #[test]
    fn a_tab_in_a_multiline_text_is_quoted_by_v2_only() {
        check(
            m(vec![("k", s("a\n\tb"))]),
            "k: \"a\\n\\tb\"",
            "k: |-\n  a\n  \tb",
        );
    }

    #[test]
    fn a_carriage_return_is_escaped() {
        check_both(m(vec![("k", s("a\r\nb"))]), "k: \"a\\r\\nb\"");
    }

    #[test]
    fn long_plain_text_folds_at_80_columns_in_v2_only() {
        check(
            m(vec![(
                "k",
                s(
                    "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word",
                ),
            )]),
            "k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word",
            "k: word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word",
        );
    }

    #[test]
    fn a_long_word_is_never_split() {
        check(
            m(vec![(
                "k",
                s(
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b",
                ),
            )]),
            "k: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  b",
            "k: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b",
        );
    }

    #[test]
    fn long_single_quoted_text_folds() {
        check(
            m(vec![(
                "k",
                s(
                    "word word word word word word word word word word word word word word word word word word word word: x",
                ),
            )]),
            "k: 'word word word word word word word word word word word word word word word word\n  word word word word: x'",
            "k: 'word word word word word word word word word word word word word word word word word word word word: x'",
        );
    }

    #[test]
    fn long_double_quoted_text_folds_with_escaped_spaces() {
        check(
            m(vec![(
                "k",
                s(
                    "w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w\t w",
                ),
            )]),
            "k: \"w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t\n  w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\"",
            "k: \"w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\\t w\"",
        );
    }

    #[test]
    fn folding_follows_the_indentation() {
        check(
            m(vec![(
                "a",
                m(vec![(
                    "b",
                    l(vec![
                        s(
                            "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word",
                        ),
                        l(vec![s(
                            "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word",
                        )]),
                    ]),
                )]),
            )]),
            "a:\n  b:\n  - word word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word\n  - - word word word word word word word word word word word word word word word word\n      word word word word word word word word word word word word word word",
            "a:\n  b:\n    - word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word\n    - - word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word",
        );
    }

    #[test]
    fn a_space_at_column_80_does_not_fold() {
        check(
            m(vec![(
                "k",
                s(
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y z",
                ),
            )]),
            "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y\n  z",
            "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y z",
        );
    }

    #[test]
    fn a_space_past_column_80_folds() {
        check(
            m(vec![(
                "k",
                s(
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y z",
                ),
            )]),
            "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n  y z",
            "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y z",
        );
    }

    #[test]
    fn single_quoted_text_folds_past_column_80() {
        check(
            m(vec![(
                "k",
                s(
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: y z",
                ),
            )]),
            "k: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:\n  y z'",
            "k: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: y z'",
        );
    }

    #[test]
    fn single_quoted_text_keeps_a_space_at_column_80() {
        check(
            m(vec![(
                "k",
                s(
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: y z",
                ),
            )]),
            "k: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: y\n  z'",
            "k: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: y z'",
        );
    }

    #[test]
    fn double_quoted_text_folds_past_column_80() {
        check(
            m(vec![(
                "k",
                s(
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\t y z",
                ),
            )]),
            "k: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\t\n  y z\"",
            "k: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\t y z\"",
        );
    }

    #[test]
    fn a_top_level_string() {
        check_both(s("a"), "a");
    }

    #[test]
    fn a_top_level_literal_block() {
        check_both(s("a\nb"), "|-\n  a\n  b");
    }

    #[test]
    fn a_key_that_needs_quotes() {
        check_both(m(vec![("true", i(1))]), "\"true\": 1");
    }

    #[test]
    fn strings_in_lists_and_maps() {
        check(
            l(vec![
                s("a: b"),
                m(vec![("a", s("a: b")), ("b", l(vec![s("a: b")]))]),
            ]),
            "- 'a: b'\n- a: 'a: b'\n  b:\n  - 'a: b'",
            "- 'a: b'\n- a: 'a: b'\n  b:\n    - 'a: b'",
        );
    }

    #[test]
    fn ints() {
        check_both(l(vec![i(i64::MIN)]), "- -9223372036854775808");
    }

    #[test]
    fn negative_zero_is_zero_in_v2() {
        check(f(-0.0), "0", "-0");
    }

    #[test]
    fn a_million_is_an_integer_in_v2_and_an_exponent_in_v3() {
        check(f(1000000.0), "1000000", "1e+06");
    }

    #[test]
    fn a_hundred_thousand_stays_fixed() {
        check_both(f(100000.0), "100000");
    }

    #[test]
    fn large_floats_use_exponents() {
        check_both(f(1e+21), "1e+21");
    }

    #[test]
    fn small_floats_use_exponents() {
        check_both(f(1e-05), "1e-05");
    }

    #[test]
    fn the_smallest_fixed_float() {
        check_both(f(0.0001), "0.0001");
    }

    #[test]
    fn floats_above_int64_become_uint64_in_v2() {
        check(f(1e+19), "10000000000000000000", "1e+19");
    }

    #[test]
    fn floats_above_uint64_stay_floats_in_v2() {
        check_both(f(1.8446744073709552e+19), "1.8446744073709552e+19");
    }

    #[test]
    fn infinity_makes_to_yaml_fail() {
        check(f(f64::INFINITY), "", ".inf");
    }

    #[test]
    fn nan_makes_to_yaml_fail() {
        check(f(f64::NAN), "", ".nan");
    }

    #[test]
    fn halfway_floats_round_to_the_even_digit() {
        check_both(
            m(vec![("n", f(612887938274806.2))]),
            "\"n\": 6.128879382748062e+14",
        );
    }

    #[test]
    fn empty_collections_are_flow_style() {
        check(
            m(vec![
                ("a", m(vec![])),
                ("b", l(vec![])),
                ("c", l(vec![l(vec![]), m(vec![])])),
            ]),
            "a: {}\nb: []\nc:\n- []\n- {}",
            "a: {}\nb: []\nc:\n  - []\n  - {}",
        );
    }

    #[test]
    fn nested_lists() {
        check_both(
            l(vec![l(vec![i(1), i(2)]), l(vec![l(vec![i(3)])]), l(vec![])]),
            "- - 1\n  - 2\n- - - 3\n- []",
        );
    }

    #[test]
    fn maps_in_lists() {
        check(
            l(vec![
                m(vec![("a", i(1)), ("b", i(2))]),
                m(vec![("c", l(vec![i(1), m(vec![("d", i(2))])]))]),
            ]),
            "- a: 1\n  b: 2\n- c:\n  - 1\n  - d: 2",
            "- a: 1\n  b: 2\n- c:\n    - 1\n    - d: 2",
        );
    }

    #[test]
    fn sequences_in_mappings_are_indented_by_v3_only() {
        check(
            m(vec![(
                "k",
                l(vec![m(vec![
                    ("a", l(vec![i(1), i(2)])),
                    ("b", m(vec![("c", l(vec![l(vec![i(1)])]))])),
                ])]),
            )]),
            "k:\n- a:\n  - 1\n  - 2\n  b:\n    c:\n    - - 1",
            "k:\n  - a:\n      - 1\n      - 2\n    b:\n      c:\n        - - 1",
        );
    }

    #[test]
    fn deep_nesting() {
        check(
            m(vec![(
                "a",
                l(vec![l(vec![l(vec![m(vec![(
                    "b",
                    l(vec![s("x"), s("y")]),
                )])])])]),
            )]),
            "a:\n- - - b:\n      - x\n      - \"y\"",
            "a:\n  - - - b:\n          - x\n          - \"y\"",
        );
    }

    #[test]
    fn nulls_and_booleans() {
        check(
            m(vec![
                ("n", Node::Null),
                ("l", l(vec![Node::Null, Node::Null])),
            ]),
            "l:\n- null\n- null\n\"n\": null",
            "l:\n  - null\n  - null\n\"n\": null",
        );
    }

    #[test]
    fn keys_sort_naturally() {
        check_both(
            m(vec![
                ("a10", i(1)),
                ("a9", i(1)),
                ("a1", i(1)),
                ("a01", i(1)),
                ("a001", i(1)),
                ("b", i(1)),
                ("B", i(1)),
                ("_a", i(1)),
                ("1", i(1)),
                ("10", i(1)),
                ("2", i(1)),
                ("a", i(1)),
                ("aa", i(1)),
                ("a_", i(1)),
                ("a-b", i(1)),
                ("a.b", i(1)),
                ("z", i(1)),
                ("Z", i(1)),
                ("é", i(1)),
                ("a0", i(1)),
                ("a00", i(1)),
                ("0", i(1)),
                ("00", i(1)),
                ("-1", i(1)),
                ("", i(1)),
                ("~", i(1)),
                ("v1.2.10", i(1)),
                ("v1.2.9", i(1)),
                ("v1.10.0", i(1)),
                ("item100", i(1)),
                ("item20", i(1)),
                ("item3", i(1)),
                ("x-1", i(1)),
                ("x_1", i(1)),
                ("x.1", i(1)),
            ]),
            "\"\": 1\n\"-1\": 1\n_a: 1\n\"~\": 1\n\"0\": 1\n\"00\": 1\n\"1\": 1\n\"2\": 1\n\"10\": 1\nB: 1\nZ: 1\na: 1\na-b: 1\na.b: 1\na_: 1\na0: 1\na00: 1\na1: 1\na01: 1\na001: 1\na9: 1\na10: 1\naa: 1\nb: 1\nitem3: 1\nitem20: 1\nitem100: 1\nv1.2.9: 1\nv1.2.10: 1\nv1.10.0: 1\nx-1: 1\nx.1: 1\nx_1: 1\nz: 1\né: 1",
        );
    }

    #[test]
    fn v3_sorts_a_letter_first_after_equal_digits() {
        assert_eq!(
            to_yaml_pretty(&m(vec![
                ("v1.2.10", i(1)),
                ("v1.2.9", i(1)),
                ("v1.10.0", i(1)),
                ("v1.9.0", i(1)),
                ("item100", i(1)),
                ("item20", i(1)),
                ("item3", i(1)),
                ("a0b", i(1)),
                ("a00b", i(1)),
                ("a0c", i(1)),
                ("a1b", i(1)),
                ("a01b", i(1)),
                ("9a", i(1)),
                ("09a", i(1)),
                ("90a", i(1))
            ])),
            "9a: 1\n09a: 1\n90a: 1\na0b: 1\na0c: 1\na00b: 1\na1b: 1\na01b: 1\nitem3: 1\nitem20: 1\nitem100: 1\nv1.2.9: 1\nv1.2.10: 1\nv1.9.0: 1\nv1.10.0: 1"
        );
    }

    #[test]
    fn unicode_letters_sort_after_other_characters() {
        check_both(
            m(vec![
                ("a٣", i(1)),
                ("a3", i(1)),
                ("aé", i(1)),
                ("a_", i(1)),
                ("á", i(1)),
                ("aⅠ", i(1)),
                ("aⒶ", i(1)),
                ("aा", i(1)),
                ("a\u{e0001}", i(1)),
                ("a\u{31350}", i(1)),
                ("a\u{2ebf0}", i(1)),
                ("a\u{16d40}", i(1)),
                ("a\u{1e4d0}", i(1)),
                ("a\u{11f04}", i(1)),
            ]),
            "a_: 1\ná: 1\naा: 1\naⅠ: 1\naⒶ: 1\n\"a\\U00016D40\": 1\n\"a\\U0002EBF0\": 1\n\"a\\U000E0001\": 1\na3: 1\na٣: 1\naé: 1\n\"a\\U00011F04\": 1\n\"a\\U0001E4D0\": 1\n\"a\\U00031350\": 1",
        );
    }

    #[test]
    fn a_key_of_128_bytes_is_simple() {
        check_both(
            m(vec![(
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                i(1),
            )]),
            "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1",
        );
    }

    #[test]
    fn a_key_of_129_bytes_is_complex() {
        check_both(
            m(vec![(
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                i(1),
            )]),
            "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 1",
        );
    }

    #[test]
    fn the_key_limit_counts_bytes() {
        check_both(
            m(vec![(
                "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééék",
                i(1),
            )]),
            "? éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééék\n: 1",
        );
    }

    #[test]
    fn a_multiline_key_is_a_complex_literal_key() {
        check_both(
            m(vec![("a\nb", i(1)), ("c", s("x"))]),
            "? |-\n  a\n  b\n: 1\nc: x",
        );
    }

    #[test]
    fn a_complex_key_with_a_list_value() {
        check_both(
            m(vec![("a\nb", l(vec![i(1), i(2)]))]),
            "? |-\n  a\n  b\n: - 1\n  - 2",
        );
    }

    #[test]
    fn a_long_key_with_a_map_value() {
        check(
            m(vec![(
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                m(vec![("a", i(1)), ("b", l(vec![i(2)]))]),
            )]),
            "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: a: 1\n  b:\n  - 2",
            "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: a: 1\n  b:\n    - 2",
        );
    }

    #[test]
    fn an_implicit_json_key_over_1022_characters_makes_to_yaml_fail() {
        check(
            m(vec![(
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                i(1),
            )]),
            "",
            "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 1",
        );
    }

    #[test]
    fn an_implicit_json_key_of_1022_characters_is_read() {
        check_both(
            m(vec![(
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                i(1),
            )]),
            "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 1",
        );
    }

    #[test]
    fn html_escapes_count_toward_the_json_key_limit() {
        check(
            m(vec![(
                "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                i(1),
            )]),
            "",
            "? <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: 1",
        );
    }

    #[test]
    fn a_raw_next_line_in_a_key_makes_to_yaml_fail() {
        check(m(vec![("a\u{85}b", i(1))]), "", "? \"a\\Nb\"\n: 1");
    }

    #[test]
    fn next_line_characters_fold_like_line_breaks() {
        check(
            m(vec![("k", s("a\u{85}\u{85}b"))]),
            "k: |-\n  a\n  b",
            "k: \"a\\N\\Nb\"",
        );
    }

    #[test]
    fn a_document_marker_after_a_next_line_makes_to_yaml_fail() {
        check(m(vec![("k", s("a\u{85}--- b"))]), "", "k: \"a\\N--- b\"");
    }

    #[test]
    fn literal_blocks_in_lists() {
        check_both(
            l(vec![
                s("a\nb"),
                l(vec![s("c\nd\n")]),
                m(vec![("k", s("e\n\nf"))]),
            ]),
            "- |-\n  a\n  b\n- - |\n    c\n    d\n- k: |-\n    e\n\n    f",
        );
    }

    #[test]
    fn a_kept_literal_block_deep_in_a_list() {
        check(
            m(vec![(
                "a",
                m(vec![("b", l(vec![m(vec![("c", s(" x\ny\n\n"))])]))]),
            )]),
            "a:\n  b:\n  - c: |2+\n       x\n      y\n",
            "a:\n  b:\n    - c: |2+\n         x\n        y\n",
        );
    }

    #[test]
    fn binary_prefix_with_a_sign_is_a_number() {
        check_both(m(vec![("0b-0", s("0b-0"))]), "\"0b-0\": \"0b-0\"");
    }

    #[test]
    fn octal_prefix_with_a_sign_is_a_number_in_v3_only() {
        check(
            m(vec![("0o-5", s("0o-5"))]),
            "0o-5: 0o-5",
            "\"0o-5\": \"0o-5\"",
        );
    }

    #[test]
    fn underscores_in_a_leading_dot_float_are_accepted() {
        check_both(m(vec![(".1_0", s(".1_0"))]), "\".1_0\": \".1_0\"");
    }

    #[test]
    fn out_of_range_numbers_stay_plain() {
        check_both(m(vec![("1e5000", s("1e5000"))]), "1e5000: 1e5000");
    }

    #[test]
    fn a_random_nested_value() {
        check(
            l(vec![
                s("nullx?"),
                i(-416535),
                s("- (b' ß́"),
                m(vec![
                    (
                        "-0",
                        m(vec![
                            (" a", s("y\n/^BB")),
                            ("NaN", m(vec![("Z", s("b~.y\u{a0}("))])),
                            ("-", Node::Bool(false)),
                            (
                                "1_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_000",
                                l(vec![s("0%Z0\u{feff}a"), i(i64::MIN), s("0.")]),
                            ),
                        ]),
                    ),
                    ("b", s("\"c-01:*_")),
                    ("b9_", s("B>B")),
                    ("ad-z.0", s("\t")),
                    ("bc", f(0.0)),
                ]),
            ]),
            "- nullx?\n- -416535\n- '- (b'' ß́'\n- \"-0\":\n    ' a': |-\n      y\n      /^BB\n    '-': false\n    \"1_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_000\":\n    - \"0%Z0\\uFEFFa\"\n    - -9223372036854775808\n    - \"0.\"\n    NaN:\n      Z: b~.y\u{a0}(\n  ad-z.0: \"\\t\"\n  b: '\"c-01:*_'\n  b9_: B>B\n  bc: 0",
            "- nullx?\n- -416535\n- '- (b'' ß́'\n- \"-0\":\n    ' a': |-\n      y\n      /^BB\n    '-': false\n    \"1_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_0001_000\":\n      - \"0%Z0\\uFEFFa\"\n      - -9223372036854775808\n      - \"0.\"\n    NaN:\n      Z: b~.y\u{a0}(\n  ad-z.0: \"\\t\"\n  b: '\"c-01:*_'\n  b9_: B>B\n  bc: 0",
        );
    }

    #[test]
    fn another_random_nested_value() {
        check(
            m(vec![
                ("-__", Node::Null),
                (
                    "+.5",
                    m(vec![
                        ("zdz", s("*-$ a+-b{c,>")),
                        (
                            "9-0aa",
                            l(vec![
                                m(vec![]),
                                m(vec![
                                    ("1\n!\u{1}", s("1.0")),
                                    (
                                        "fad \ncc \n\"bga \ng#'-hdbf \n:e'fad\"d' \n\"h:\"::-a \nh:fcf-bf \ne \n'hff\"ba \nec-'beheh \nb'eeafge \n:fcd \nd'fb:aa' \n\"ge:\"#g# \nefh#:\"a \ng'bc\"dcff \nde \n'-geff#da \na\"hbf\":eg \nc\" \nfb \nc\"- \n'd:h \ned:'f\"ef",
                                        s("a\n"),
                                    ),
                                    ("2001-12-14t21:59:43.10-05:00", i(i64::MIN)),
                                ]),
                                s(">Null"),
                                s("\t~>-z%-yΩay"),
                                s("2001-12-14 21:59:43"),
                            ]),
                        ),
                    ]),
                ),
                ("Z]9", s("-\t0?-0")),
            ]),
            "\"+.5\":\n  9-0aa:\n  - {}\n  - ? \"1\\n!\\x01\"\n    : \"1.0\"\n    \"2001-12-14t21:59:43.10-05:00\": -9223372036854775808\n    ? \"fad \\ncc \\n\\\"bga \\ng#'-hdbf \\n:e'fad\\\"d' \\n\\\"h:\\\"::-a \\nh:fcf-bf \\ne \\n'hff\\\"ba\n      \\nec-'beheh \\nb'eeafge \\n:fcd \\nd'fb:aa' \\n\\\"ge:\\\"#g# \\nefh#:\\\"a \\ng'bc\\\"dcff\n      \\nde \\n'-geff#da \\na\\\"hbf\\\":eg \\nc\\\" \\nfb \\nc\\\"- \\n'd:h \\ned:'f\\\"ef\"\n    : |\n      a\n  - '>Null'\n  - \"\\t~>-z%-yΩay\"\n  - \"2001-12-14 21:59:43\"\n  zdz: '*-$ a+-b{c,>'\n-__: null\nZ]9: \"-\\t0?-0\"",
            "\"+.5\":\n  9-0aa:\n    - {}\n    - ? \"1\\n!\\x01\"\n      : \"1.0\"\n      \"2001-12-14t21:59:43.10-05:00\": -9223372036854775808\n      ? \"fad \\ncc \\n\\\"bga \\ng#'-hdbf \\n:e'fad\\\"d' \\n\\\"h:\\\"::-a \\nh:fcf-bf \\ne \\n'hff\\\"ba \\nec-'beheh \\nb'eeafge \\n:fcd \\nd'fb:aa' \\n\\\"ge:\\\"#g# \\nefh#:\\\"a \\ng'bc\\\"dcff \\nde \\n'-geff#da \\na\\\"hbf\\\":eg \\nc\\\" \\nfb \\nc\\\"- \\n'd:h \\ned:'f\\\"ef\"\n      : |\n        a\n    - '>Null'\n    - \"\\t~>-z%-yΩay\"\n    - \"2001-12-14 21:59:43\"\n  zdz: '*-$ a+-b{c,>'\n-__: null\nZ]9: \"-\\t0?-0\"",
        );
    }

    #[test]
    fn a_random_folded_value() {
        check(
            s(
                "# afkj e \njnlokkej b oojmkcel#ghkgjpoaongnfoadbodlchimaipibpiml-lmlo   efagbepam eik agl \u{1} aadafifagdbjfbf eobeilolp'kfhnfbkjimhjkicflfcplgeffggnoafnfdd-cenioppik\tmkeafdmjedmam\tmfof maf'deblkejlahbjpcfaeghhhjneefede p'p mdaghmbc gaagigmamnjglfmbe mloifomgnbeegdmg 'pkebp   opmhldmhiggcca  bhanelbl",
            ),
            "\"# afkj e \\njnlokkej b oojmkcel#ghkgjpoaongnfoadbodlchimaipibpiml-lmlo   efagbepam\n  eik agl \\x01 aadafifagdbjfbf eobeilolp'kfhnfbkjimhjkicflfcplgeffggnoafnfdd-cenioppik\\tmkeafdmjedmam\\tmfof\n  maf'deblkejlahbjpcfaeghhhjneefede p'p mdaghmbc gaagigmamnjglfmbe mloifomgnbeegdmg\n  'pkebp   opmhldmhiggcca  bhanelbl\"",
            "\"# afkj e \\njnlokkej b oojmkcel#ghkgjpoaongnfoadbodlchimaipibpiml-lmlo   efagbepam eik agl \\x01 aadafifagdbjfbf eobeilolp'kfhnfbkjimhjkicflfcplgeffggnoafnfdd-cenioppik\\tmkeafdmjedmam\\tmfof maf'deblkejlahbjpcfaeghhhjneefede p'p mdaghmbc gaagigmamnjglfmbe mloifomgnbeegdmg 'pkebp   opmhldmhiggcca  bhanelbl\"",
        );
    }
}
