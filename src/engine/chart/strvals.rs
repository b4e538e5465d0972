//! Helm's `--set` family (Helm v4.2.3 `pkg/strvals`): `--set`, `--set-string`, `--set-json`,
//! `--set-file` and `--set-literal` expressions, each merged into the values being built the way
//! Helm merges them, with Helm's error messages word for word.
//!
//! Numbers keep Go's types in the `serde_json` values: `--set a=1` gives an integer `Number`
//! (Go's `int64`), while `--set-json a=1` gives a float `Number` (Go's `float64`, as
//! `encoding/json` decodes it). Rendering depends on the difference (`1e+06` against `1000000`),
//! so whoever turns these values into template values must keep integers as `int64`.
//!
//! On error the target map may hold part of the expression, as Helm's does; Helm then gives up
//! on the command, and so should the caller. One bound is ours, not Helm's: key paths nested more
//! than 1000 levels are refused.
//!
//! Pure: `--set-file` reads its files through a callback.

use crate::engine::gostr::{quote, quote_rune};
use serde_json::{Map, Number, Value};

type Object = Map<String, Value>;

/// `--set-file`'s reader: a path in, the file's contents or Go's error message out.
type ReadFile<'a> = &'a mut dyn FnMut(&str) -> Result<String, String>;

/// Helm's `strvals.MaxIndex`: the largest list index an expression may set.
const MAX_INDEX: i64 = 65_536;
/// Helm's `strvals.MaxNestedNameLevel`: how many dotted name parts may nest.
const MAX_NESTED_NAME_LEVEL: usize = 30;
/// `encoding/json`'s scanner refuses documents nested deeper than this.
const MAX_JSON_DEPTH: usize = 10_000;
/// Our own bound, which Helm does not have: Go grows its stack for `a[0][0]…[0]=1` paths of any
/// length, but the values built are later walked recursively (dropped, converted, rendered), and a
/// path this deep can only be an accident or an attack on the operator.
const MAX_PATH_DEPTH: usize = 1_000;

/// `--set` (Helm's `strvals.ParseInto`): `true` and `false` in any case become booleans, `null`
/// becomes null, base-10 integers without a leading zero become `int64` numbers, anything else
/// stays a string; `{a,b}` makes a list.
pub fn parse_set(expr: &str, into: &mut Object) -> Result<(), String> {
    Parser::new(expr, Mode::Typed).run(into)
}

/// `--set-string` (`strvals.ParseIntoString`): like `--set`, every value a string.
pub fn parse_set_string(expr: &str, into: &mut Object) -> Result<(), String> {
    Parser::new(expr, Mode::Strings).run(into)
}

/// `--set-json` (`strvals.ParseJSON`): each value is a JSON document as Go's `encoding/json`
/// decodes it (numbers as `float64`); an empty value is null.
pub fn parse_set_json(expr: &str, into: &mut Object) -> Result<(), String> {
    Parser::new(expr, Mode::Json).run(into)
}

/// `--set-literal` (`strvals.ParseLiteralInto`): one key, whose value is the rest of the
/// expression taken verbatim (commas, braces and backslashes included).
pub fn parse_set_literal(expr: &str, into: &mut Object) -> Result<(), String> {
    Parser::new(expr, Mode::Literal).run(into)
}

/// `--set-file` (`strvals.ParseIntoFile`): like `--set-string`, but each value (and each item
/// of a `{a,b}` list) is a path whose contents `read` returns; `read`'s error is Helm's error.
pub fn parse_set_file(
    expr: &str,
    into: &mut Object,
    read: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<(), String> {
    let mut parser = Parser::new(expr, Mode::File);
    parser.read_file = Some(read);
    parser.run(into)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Typed,
    Strings,
    Json,
    File,
    Literal,
}

/// A Go `error` as the parser sees it: `eof` is `errors.Is(err, io.EOF)`, which ends a parse
/// successfully even when the EOF is wrapped (`a[1` sets nothing and is no error in Helm).
#[derive(Debug)]
struct Fail {
    msg: String,
    eof: bool,
}

impl Fail {
    fn eof() -> Self {
        Fail {
            msg: "EOF".into(),
            eof: true,
        }
    }

    fn msg(msg: impl Into<String>) -> Self {
        Fail {
            msg: msg.into(),
            eof: false,
        }
    }

    /// `fmt.Errorf("<prefix>%w", err)`.
    fn wrap(self, prefix: &str) -> Self {
        Fail {
            msg: format!("{prefix}{}", self.msg),
            eof: self.eof,
        }
    }

    /// A failed Go type assertion, recovered by the parser's `key` and worded as Helm words it.
    fn assertion(found: &Value, want: &str) -> Self {
        Fail::msg(format!(
            "unable to parse key: interface conversion: interface {{}} is {}, not {want}",
            go_type(found)
        ))
    }
}

type Res = Result<(), Fail>;

const LIST_TYPE: &str = "[]interface {}";
const MAP_TYPE: &str = "map[string]interface {}";

/// The Go dynamic type a value from the values tree has.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "uint64",
        Value::String(_) => "string",
        Value::Array(_) => LIST_TYPE,
        Value::Object(_) => MAP_TYPE,
    }
}

/// A container being filled while the parser walks down a key path.
enum Container {
    Map(Object),
    List(Vec<Value>),
}

impl Container {
    fn is_empty(&self) -> bool {
        match self {
            Container::Map(m) => m.is_empty(),
            Container::List(l) => l.is_empty(),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Container::Map(m) => Value::Object(m),
            Container::List(l) => Value::Array(l),
        }
    }
}

/// Where the walk continues: Helm's `key` (inside a map) or `listItem` (inside a list, at an
/// index).
enum Step {
    Key {
        map: Object,
        level: usize,
    },
    Item {
        list: Vec<Value>,
        index: i64,
        level: usize,
    },
}

/// A parent waiting for its child. Helm recurses; the walk keeps its parents here instead so that
/// a long path cannot overflow the stack.
enum Frame {
    /// `key` went into the list at `key` (`a[`); `write_back` is false when Go would not store the
    /// list (an empty key whose list grew into a new Go array).
    MapToList {
        map: Object,
        key: String,
        write_back: bool,
    },
    /// `key` went into the map at `key` (`a.`).
    MapToMap {
        map: Object,
        key: String,
        existed: bool,
    },
    /// `listItem` went into the list at `index` (`[0][`); `taken` when that list was already
    /// there (Go then shares its array with the child).
    ListToList {
        list: Vec<Value>,
        index: i64,
        taken: bool,
    },
    /// `listItem` went into the map at `index` (`[0].`).
    ListToMap { list: Vec<Value>, index: i64 },
}

impl Frame {
    /// What Helm does after the child returned, giving this frame's own container and result.
    fn finish(self, child: Container, res: Res) -> (Container, Res) {
        match self {
            Frame::MapToList {
                mut map,
                key,
                write_back,
            } => {
                if write_back {
                    set(&mut map, key, child.into_value());
                }
                (Container::Map(map), res)
            }
            Frame::MapToMap {
                mut map,
                key,
                existed,
            } => {
                let empty = child.is_empty();
                let res = match res {
                    Ok(()) if empty => {
                        Err(Fail::msg(format!("key map {} has no value", quote(&key))))
                    }
                    other => other,
                };
                if existed {
                    // Go changed the existing map in place: it stays, even when still empty.
                    map.insert(key, child.into_value());
                } else if !empty {
                    set(&mut map, key, child.into_value());
                }
                (Container::Map(map), res)
            }
            Frame::ListToList { list, index, taken } => finish_item(list, index, child, res, taken),
            Frame::ListToMap { list, index } => finish_item(list, index, child, res, true),
        }
    }
}

/// The end of Helm's `listItem` after its child returned: on success the child is stored at the
/// index; on failure Go returns the list as it is, which shows the child only where Go had been
/// changing an element in place (`shared`).
fn finish_item(
    mut list: Vec<Value>,
    index: i64,
    child: Container,
    res: Res,
    shared: bool,
) -> (Container, Res) {
    let res = match res {
        Ok(()) => set_index(&mut list, index, child.into_value()),
        Err(e) => {
            if let Some(slot) = slot(&list, index).filter(|_| shared) {
                list[slot] = child.into_value();
            }
            Err(e)
        }
    };
    (Container::List(list), res)
}

/// What one `key` step found.
enum KeyNext {
    Done(Res),
    List {
        key: String,
        write_back: bool,
        list: Vec<Value>,
        index: i64,
    },
    Map {
        key: String,
        existed: bool,
        inner: Object,
    },
}

/// What one `listItem` step found.
enum ItemNext {
    Done(Res),
    List {
        child: Vec<Value>,
        child_index: i64,
        taken: bool,
    },
    Map {
        inner: Object,
    },
}

/// The result of `valList`: Go's `ErrNotList` and `io.EOF` are ordinary outcomes there.
enum ListRead {
    List(Vec<Value>),
    Eof,
    NotList,
    Failed(Fail),
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    mode: Mode,
    read_file: Option<ReadFile<'a>>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, mode: Mode) -> Self {
        Parser {
            src,
            pos: 0,
            mode,
            read_file: None,
        }
    }

    /// Helm's `parse`: assignments until the input ends; an error that is (or wraps) EOF ends it
    /// successfully.
    fn run(mut self, into: &mut Object) -> Result<(), String> {
        loop {
            let root = std::mem::take(into);
            let (root, res) = self.assignment(root);
            if let Container::Map(m) = root {
                *into = m;
            }
            match res {
                Ok(()) => {}
                Err(e) if e.eof => return Ok(()),
                Err(e) => return Err(e.msg),
            }
        }
    }

    /// One top-level `key` call: walk down the path, then let every parent finish.
    fn assignment(&mut self, root: Object) -> (Container, Res) {
        let mut frames: Vec<Frame> = Vec::new();
        let mut step = Step::Key {
            map: root,
            level: 0,
        };
        let (mut container, mut res) = loop {
            if frames.len() > MAX_PATH_DEPTH {
                let fail = Fail::msg(format!(
                    "value path nested more than {MAX_PATH_DEPTH} levels deep"
                ));
                break match step {
                    Step::Key { map, .. } => (Container::Map(map), Err(fail)),
                    Step::Item { list, .. } => (Container::List(list), Err(fail)),
                };
            }
            step = match step {
                Step::Key { mut map, level } => match self.key(&mut map, level) {
                    KeyNext::Done(res) => break (Container::Map(map), res),
                    KeyNext::List {
                        key,
                        write_back,
                        list,
                        index,
                    } => {
                        frames.push(Frame::MapToList {
                            map,
                            key,
                            write_back,
                        });
                        Step::Item { list, index, level }
                    }
                    KeyNext::Map {
                        key,
                        existed,
                        inner,
                    } => {
                        frames.push(Frame::MapToMap { map, key, existed });
                        Step::Key {
                            map: inner,
                            level: level + 1,
                        }
                    }
                },
                Step::Item {
                    mut list,
                    index,
                    level,
                } => match self.list_item(&mut list, index) {
                    ItemNext::Done(res) => break (Container::List(list), res),
                    ItemNext::List {
                        child,
                        child_index,
                        taken,
                    } => {
                        frames.push(Frame::ListToList { list, index, taken });
                        Step::Item {
                            list: child,
                            index: child_index,
                            level,
                        }
                    }
                    ItemNext::Map { inner } => {
                        frames.push(Frame::ListToMap { list, index });
                        Step::Key { map: inner, level }
                    }
                },
            };
        };
        while let Some(frame) = frames.pop() {
            (container, res) = frame.finish(container, res);
        }
        (container, res)
    }

    /// Helm's `key`: read a name and act on what ends it.
    fn key(&mut self, data: &mut Object, level: usize) -> KeyNext {
        let literal = self.mode == Mode::Literal;
        let stops: &[char] = if literal {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (key, stop) = self.until(stops);
        match stop {
            None if key.is_empty() => KeyNext::Done(Err(Fail::eof())),
            None => KeyNext::Done(Err(Fail::msg(format!("key {} has no value", quote(&key))))),
            Some('[') => {
                let index = match self.key_index() {
                    Ok(i) => i,
                    Err(e) => return KeyNext::Done(Err(e.wrap("error parsing index: "))),
                };
                let (list, write_back) = match data.get_mut(&key) {
                    None => (Vec::new(), !key.is_empty()),
                    Some(Value::Array(items)) if key.is_empty() => {
                        // Go writes into the existing array only while the index fits in it.
                        let fits = slot(items, index).is_some();
                        (items.clone(), fits)
                    }
                    Some(Value::Array(items)) => (std::mem::take(items), true),
                    Some(other) => return KeyNext::Done(Err(Fail::assertion(other, LIST_TYPE))),
                };
                KeyNext::List {
                    key,
                    write_back,
                    list,
                    index,
                }
            }
            Some('=') => KeyNext::Done(self.key_value(data, key)),
            Some(',') => {
                set(data, key.clone(), Value::String(String::new()));
                KeyNext::Done(Err(Fail::msg(format!(
                    "key {} has no value (cannot end with ,)",
                    quote(&key)
                ))))
            }
            Some(_) => {
                if level + 1 > MAX_NESTED_NAME_LEVEL {
                    return KeyNext::Done(Err(Fail::msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ))));
                }
                match data.get_mut(&key) {
                    None => KeyNext::Map {
                        key,
                        existed: false,
                        inner: Object::new(),
                    },
                    Some(Value::Object(m)) => KeyNext::Map {
                        key,
                        existed: true,
                        inner: std::mem::take(m),
                    },
                    Some(other) => KeyNext::Done(Err(Fail::assertion(other, MAP_TYPE))),
                }
            }
        }
    }

    /// The value after `key=`.
    fn key_value(&mut self, data: &mut Object, key: String) -> Res {
        match self.mode {
            Mode::Json => {
                if self.empty_val() {
                    set(data, key, Value::Null);
                    return Ok(());
                }
                let v = self.json_value()?;
                set(data, key, v);
                self.empty_val();
                Ok(())
            }
            Mode::Literal => {
                let rest = self.rest();
                set(data, key, Value::String(rest));
                Ok(())
            }
            _ => match self.val_list() {
                ListRead::List(items) => {
                    set(data, key, Value::Array(items));
                    Ok(())
                }
                ListRead::Eof => {
                    set(data, key, Value::String(String::new()));
                    Err(Fail::eof())
                }
                ListRead::NotList => {
                    let text = self.val();
                    match self.reader(&text) {
                        Ok(v) => {
                            set(data, key, v);
                            Ok(())
                        }
                        Err(e) => {
                            set(data, key, Value::Null);
                            Err(e)
                        }
                    }
                }
                ListRead::Failed(e) => Err(e),
            },
        }
    }

    /// Helm's `listItem`: what follows `[index]`.
    fn list_item(&mut self, list: &mut Vec<Value>, index: i64) -> ItemNext {
        if index < 0 {
            return ItemNext::Done(Err(negative(index)));
        }
        let (text, stop) = self.until(&['[', '.', '=']);
        if !text.is_empty() {
            let runes: Vec<String> = text.chars().map(quote_rune).collect();
            return ItemNext::Done(Err(Fail::msg(format!(
                "unexpected data at end of array index: [{}]",
                runes.join(" ")
            ))));
        }
        match stop {
            None => ItemNext::Done(Err(Fail::eof())),
            Some('=') => ItemNext::Done(self.item_value(list, index)),
            Some('[') => {
                let child_index = match self.key_index() {
                    Ok(i) => i,
                    Err(e) => return ItemNext::Done(Err(e.wrap("error parsing index: "))),
                };
                let (child, taken) = match slot(list, index).map(|s| &mut list[s]) {
                    None | Some(Value::Null) => (Vec::new(), false),
                    Some(Value::Array(items)) => (std::mem::take(items), true),
                    Some(other) => return ItemNext::Done(Err(Fail::assertion(other, LIST_TYPE))),
                };
                ItemNext::List {
                    child,
                    child_index,
                    taken,
                }
            }
            Some(_) => {
                let inner = match slot(list, index).map(|s| &mut list[s]) {
                    Some(Value::Object(m)) => std::mem::take(m),
                    Some(other) => {
                        // Out-of-order indices: Go replaces whatever is there with a map.
                        *other = Value::Object(Object::new());
                        Object::new()
                    }
                    None => Object::new(),
                };
                ItemNext::Map { inner }
            }
        }
    }

    /// The value after `[index]=`.
    fn item_value(&mut self, list: &mut Vec<Value>, index: i64) -> Res {
        match self.mode {
            Mode::Json => {
                if self.empty_val() {
                    return set_index(list, index, Value::Null);
                }
                let v = self.json_value()?;
                set_index(list, index, v)?;
                self.empty_val();
                Ok(())
            }
            Mode::Literal => {
                let rest = self.rest();
                set_index(list, index, Value::String(rest))
            }
            _ => match self.val_list() {
                ListRead::List(items) => set_index(list, index, Value::Array(items)),
                ListRead::Eof => set_index(list, index, Value::String(String::new())),
                ListRead::NotList => {
                    let text = self.val();
                    let v = self.reader(&text)?;
                    set_index(list, index, v)
                }
                ListRead::Failed(e) => Err(e),
            },
        }
    }

    /// Helm's `keyIndex`: the text up to `]` as a Go `int`.
    fn key_index(&mut self) -> Result<i64, Fail> {
        match self.until(&[']']) {
            (_, None) => Err(Fail::eof()),
            (text, Some(_)) => go_atoi(&text).map_err(Fail::msg),
        }
    }

    /// Helm's `valList`: a `{a,b}` list, or word that the value is not one.
    fn val_list(&mut self) -> ListRead {
        match self.next_char() {
            None => return ListRead::Eof,
            Some('{') => {}
            Some(c) => {
                self.pos -= c.len_utf8();
                return ListRead::NotList;
            }
        }
        let mut items = Vec::new();
        loop {
            match self.until(&[',', '}']) {
                (_, None) => return ListRead::Failed(Fail::msg("list must terminate with '}'")),
                (text, Some('}')) => {
                    // A comma right after the closing brace belongs to the list.
                    if let Some(c) = self.next_char()
                        && c != ','
                    {
                        self.pos -= c.len_utf8();
                    }
                    return match self.reader(&text) {
                        Ok(v) => {
                            items.push(v);
                            ListRead::List(items)
                        }
                        Err(e) => ListRead::Failed(e),
                    };
                }
                (text, Some(_)) => match self.reader(&text) {
                    Ok(v) => items.push(v),
                    Err(e) => return ListRead::Failed(e),
                },
            }
        }
    }

    /// Helm's `val`: the text up to the next unescaped comma.
    fn val(&mut self) -> String {
        self.until(&[',']).0
    }

    /// Turns a value's text into the value, as the mode's Go reader does.
    fn reader(&mut self, text: &str) -> Result<Value, Fail> {
        match self.mode {
            Mode::Strings => Ok(Value::String(text.to_owned())),
            Mode::File => match self.read_file.as_mut() {
                Some(read) => read(text).map(Value::String).map_err(Fail::msg),
                None => Ok(Value::String(text.to_owned())),
            },
            _ => Ok(typed_val(text)),
        }
    }

    /// Helm's `emptyVal`: skips spaces; true at a comma (consumed) or the end, false before
    /// anything else.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.next_char() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(c) => {
                    self.pos -= c.len_utf8();
                    return false;
                }
            }
        }
    }

    /// One JSON document from the current position, as `json.Decoder.Decode` reads it; the
    /// position moves past what the decoder consumed.
    fn json_value(&mut self) -> Result<Value, Fail> {
        let (v, used) = decode_json(&self.src[self.pos..]).map_err(Fail::msg)?;
        self.pos += used;
        Ok(v)
    }

    fn rest(&mut self) -> String {
        let rest = self.src[self.pos..].to_owned();
        self.pos = self.src.len();
        rest
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.src[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Helm's `runesUntil` (a backslash escapes the next character) or, for `--set-literal`,
    /// `runesUntilLiteral` (no escapes). `None` is the end of the input.
    fn until(&mut self, stops: &[char]) -> (String, Option<char>) {
        let escapes = self.mode != Mode::Literal;
        let mut text = String::new();
        loop {
            match self.next_char() {
                None => return (text, None),
                Some(c) if stops.contains(&c) => return (text, Some(c)),
                Some('\\') if escapes => match self.next_char() {
                    Some(c) => text.push(c),
                    None => return (text, None),
                },
                Some(c) => text.push(c),
            }
        }
    }
}

/// Go's `data[key] = val`, skipping empty keys as Helm's `set` does.
fn set(data: &mut Object, key: String, val: Value) {
    if !key.is_empty() {
        data.insert(key, val);
    }
}

/// The position of `index` in `list`, if it is inside it.
fn slot(list: &[Value], index: i64) -> Option<usize> {
    usize::try_from(index).ok().filter(|&i| i < list.len())
}

fn negative(index: i64) -> Fail {
    Fail::msg(format!("negative {index} index not allowed"))
}

/// Helm's `setIndex`: nulls pad the list up to `index`.
fn set_index(list: &mut Vec<Value>, index: i64, val: Value) -> Res {
    if index < 0 {
        return Err(negative(index));
    }
    if index > MAX_INDEX {
        return Err(Fail::msg(format!(
            "index of {index} is greater than maximum supported index of {MAX_INDEX}"
        )));
    }
    // At most MAX_INDEX, so the conversion cannot fail.
    let i = usize::try_from(index).unwrap_or(0);
    if list.len() <= i {
        list.resize(i + 1, Value::Null);
    }
    list[i] = val;
    Ok(())
}

/// Helm's `typedVal` for `--set`: booleans and null by Unicode case folding, base-10 `int64`s
/// that do not start with `0` (except `0` itself), strings otherwise.
fn typed_val(text: &str) -> Value {
    if fold_eq(text, "true") {
        return Value::Bool(true);
    }
    if fold_eq(text, "false") {
        return Value::Bool(false);
    }
    if fold_eq(text, "null") {
        return Value::Null;
    }
    if text == "0" {
        return Value::Number(Number::from(0i64));
    }
    if !text.is_empty() && !text.starts_with('0') {
        // Rust's i64 parsing accepts exactly Go's `ParseInt(s, 10, 64)`: one optional sign,
        // ASCII digits, no underscores, in range.
        if let Ok(n) = text.parse::<i64>() {
            return Value::Number(Number::from(n));
        }
    }
    Value::String(text.to_owned())
}

/// Go's `strings.EqualFold` against a lowercase ASCII word: ASCII case plus the two non-ASCII
/// letters that fold onto ASCII ones (`ſ` onto `s`, the Kelvin sign onto `k`).
fn fold_eq(text: &str, word: &str) -> bool {
    let mut a = text.chars();
    let mut b = word.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let same = x.to_ascii_lowercase() == y
                    || (y == 's' && x == '\u{17f}')
                    || (y == 'k' && x == '\u{212a}');
                if !same {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Go's `strconv.Atoi` on a 64-bit platform, with its error messages: a range error is found at
/// the digit that overflows `uint64`, before any later invalid character.
fn go_atoi(s: &str) -> Result<i64, String> {
    let fail = |why: &str| format!("strconv.Atoi: parsing {}: {why}", quote(s));
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(fail("invalid syntax"));
    }
    const CUTOFF: u64 = u64::MAX / 10 + 1;
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return Err(fail("invalid syntax"));
        }
        if n >= CUTOFF {
            return Err(fail("value out of range"));
        }
        n = match (n * 10).checked_add(u64::from(b - b'0')) {
            Some(v) => v,
            None => return Err(fail("value out of range")),
        };
    }
    let limit = if neg { 1u64 << 63 } else { (1u64 << 63) - 1 };
    if n > limit {
        return Err(fail("value out of range"));
    }
    // n <= 2^63, so the wrapping negation of 2^63 is i64::MIN as intended.
    Ok(if neg {
        (n as i64).wrapping_neg()
    } else {
        n as i64
    })
}

// ---------------------------------------------------------------------------------------------
// encoding/json, as far as `--set-json` uses it.

/// Go's JSON scanner states (`encoding/json/scanner.go`), kept because its error messages name
/// the state the bad byte arrived in.
#[derive(Clone, Copy)]
enum Scan {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    Zero,
    One,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Literal(&'static [u8], usize),
}

#[derive(Clone, Copy, PartialEq)]
enum Nest {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// The value being built while scanning.
enum Open {
    Array(Vec<Value>),
    Object(Object, Option<String>),
}

/// Builds the decoded value as the scanner completes its parts.
#[derive(Default)]
struct Builder {
    open: Vec<Open>,
    done: Option<Value>,
    /// `encoding/json` reports the first number that does not fit a `float64`, but only after
    /// the whole document scanned without a syntax error.
    range_error: Option<String>,
}

impl Builder {
    fn deliver(&mut self, v: Value) {
        match self.open.last_mut() {
            None => self.done = Some(v),
            Some(Open::Array(items)) => items.push(v),
            Some(Open::Object(map, key)) => match key.take() {
                Some(k) => {
                    map.insert(k, v);
                }
                None => {
                    if let Value::String(s) = v {
                        *key = Some(s);
                    }
                }
            },
        }
    }

    fn close(&mut self) {
        if let Some(open) = self.open.pop() {
            let v = match open {
                Open::Array(items) => Value::Array(items),
                Open::Object(map, _) => Value::Object(map),
            };
            self.deliver(v);
        }
    }

    fn number(&mut self, text: &str) {
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => self.deliver(Value::Number(n)),
            None => {
                self.range_error.get_or_insert_with(|| {
                    format!("json: cannot unmarshal number {text} into Go value of type float64")
                });
                self.deliver(Value::Null);
            }
        }
    }

    fn finish(self, used: usize) -> Result<(Value, usize), String> {
        match self.range_error {
            Some(e) => Err(e),
            None => Ok((self.done.unwrap_or(Value::Null), used)),
        }
    }
}

fn is_json_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// A scanner error: Go's `invalid character 'c' <context>`.
fn syntax(c: u8, context: &str) -> String {
    let shown = match c {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        // Go quotes the byte as the rune of the same number.
        _ => {
            let quoted = quote(&char::from(c).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    };
    format!("invalid character {shown} {context}")
}

/// `json.Unmarshal` of a whole document into a `map[string]interface{}` (numbers as `float64`),
/// as `--set-json '{...}'` decodes its object form. The error is only a reason; Helm words the
/// message itself.
pub fn unmarshal_object(text: &str) -> Result<Object, String> {
    let (value, used) = decode_json(text)?;
    if !text.as_bytes()[used..].iter().all(|c| is_json_space(*c)) {
        return Err("invalid character after top-level value".to_owned());
    }
    match value {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Object::new()),
        _ => Err("json: cannot unmarshal a non-object into a map".to_owned()),
    }
}

/// `json.NewDecoder(strings.NewReader(text)).Decode(&v)` into an `interface{}`: the value (numbers
/// as `float64`) and `InputOffset()`, the bytes the decoder consumed. A scalar at the top level
/// ends before the first byte that cannot continue it; that byte is not consumed.
fn decode_json(text: &str) -> Result<(Value, usize), String> {
    let bytes = text.as_bytes();
    let mut nest: Vec<Nest> = Vec::new();
    let mut st = Scan::BeginValue;
    let mut b = Builder::default();
    let mut start = 0;
    let mut i = 0;
    loop {
        let Some(&c) = bytes.get(i) else {
            // At the end Go steps the scanner with a space: only a complete scalar at the top
            // level ends there.
            return match st {
                Scan::EndValue if nest.is_empty() => b.finish(i),
                Scan::Zero | Scan::One | Scan::Dot0 | Scan::E0 if nest.is_empty() => {
                    b.number(&text[start..i]);
                    b.finish(i)
                }
                _ => Err("unexpected EOF".to_owned()),
            };
        };
        match st {
            Scan::BeginValueOrEmpty => {
                if is_json_space(c) {
                    i += 1;
                } else if c == b']' {
                    st = Scan::EndValue;
                } else {
                    st = Scan::BeginValue;
                }
            }
            Scan::BeginValue => {
                if is_json_space(c) {
                    i += 1;
                    continue;
                }
                start = i;
                st = match c {
                    b'{' | b'[' => {
                        let (kind, open, next) = if c == b'{' {
                            let open = Open::Object(Object::new(), None);
                            (Nest::ObjectKey, open, Scan::BeginStringOrEmpty)
                        } else {
                            (
                                Nest::ArrayValue,
                                Open::Array(Vec::new()),
                                Scan::BeginValueOrEmpty,
                            )
                        };
                        nest.push(kind);
                        if nest.len() > MAX_JSON_DEPTH {
                            return Err(syntax(c, "exceeded max depth"));
                        }
                        b.open.push(open);
                        next
                    }
                    b'"' => Scan::InString,
                    b'-' => Scan::Neg,
                    b'0' => Scan::Zero,
                    b'1'..=b'9' => Scan::One,
                    b't' => Scan::Literal(b"true", 1),
                    b'f' => Scan::Literal(b"false", 1),
                    b'n' => Scan::Literal(b"null", 1),
                    _ => return Err(syntax(c, "looking for beginning of value")),
                };
                i += 1;
            }
            Scan::BeginStringOrEmpty => {
                if is_json_space(c) {
                    i += 1;
                } else if c == b'}' {
                    if let Some(top) = nest.last_mut() {
                        *top = Nest::ObjectValue;
                    }
                    st = Scan::EndValue;
                } else {
                    st = Scan::BeginString;
                }
            }
            Scan::BeginString => {
                if is_json_space(c) {
                    i += 1;
                } else if c == b'"' {
                    start = i;
                    st = Scan::InString;
                    i += 1;
                } else {
                    return Err(syntax(c, "looking for beginning of object key string"));
                }
            }
            Scan::EndValue => {
                let Some(&top) = nest.last() else {
                    // The top-level value is complete before this byte.
                    return b.finish(i);
                };
                if is_json_space(c) {
                    i += 1;
                    continue;
                }
                match (top, c) {
                    (Nest::ObjectKey, b':') => {
                        if let Some(t) = nest.last_mut() {
                            *t = Nest::ObjectValue;
                        }
                        st = Scan::BeginValue;
                    }
                    (Nest::ObjectKey, _) => return Err(syntax(c, "after object key")),
                    (Nest::ObjectValue, b',') => {
                        if let Some(t) = nest.last_mut() {
                            *t = Nest::ObjectKey;
                        }
                        st = Scan::BeginString;
                    }
                    (Nest::ArrayValue, b',') => st = Scan::BeginValue,
                    (Nest::ObjectValue, b'}') | (Nest::ArrayValue, b']') => {
                        nest.pop();
                        b.close();
                        if nest.is_empty() {
                            // A closing bracket ends the document at once.
                            return b.finish(i + 1);
                        }
                    }
                    (Nest::ObjectValue, _) => {
                        return Err(syntax(c, "after object key:value pair"));
                    }
                    (Nest::ArrayValue, _) => return Err(syntax(c, "after array element")),
                }
                i += 1;
            }
            Scan::InString => {
                match c {
                    b'"' => {
                        b.deliver(Value::String(unquote(&bytes[start + 1..i])));
                        st = Scan::EndValue;
                    }
                    b'\\' => st = Scan::InStringEsc,
                    0..=0x1f => return Err(syntax(c, "in string literal")),
                    _ => {}
                }
                i += 1;
            }
            Scan::InStringEsc => {
                st = match c {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => Scan::InString,
                    b'u' => Scan::InStringEscU(0),
                    _ => return Err(syntax(c, "in string escape code")),
                };
                i += 1;
            }
            Scan::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err(syntax(c, "in \\u hexadecimal character escape"));
                }
                st = if n == 3 {
                    Scan::InString
                } else {
                    Scan::InStringEscU(n + 1)
                };
                i += 1;
            }
            Scan::Neg => {
                st = match c {
                    b'0' => Scan::Zero,
                    b'1'..=b'9' => Scan::One,
                    _ => return Err(syntax(c, "in numeric literal")),
                };
                i += 1;
            }
            Scan::One if c.is_ascii_digit() => i += 1,
            Scan::Zero | Scan::One => match c {
                b'.' => {
                    st = Scan::Dot;
                    i += 1;
                }
                b'e' | b'E' => {
                    st = Scan::E;
                    i += 1;
                }
                _ => {
                    b.number(&text[start..i]);
                    st = Scan::EndValue;
                }
            },
            Scan::Dot => {
                if !c.is_ascii_digit() {
                    return Err(syntax(c, "after decimal point in numeric literal"));
                }
                st = Scan::Dot0;
                i += 1;
            }
            Scan::Dot0 => match c {
                b'0'..=b'9' => i += 1,
                b'e' | b'E' => {
                    st = Scan::E;
                    i += 1;
                }
                _ => {
                    b.number(&text[start..i]);
                    st = Scan::EndValue;
                }
            },
            Scan::E => {
                if c == b'+' || c == b'-' {
                    i += 1;
                }
                st = Scan::ESign;
            }
            Scan::ESign => {
                if !c.is_ascii_digit() {
                    return Err(syntax(c, "in exponent of numeric literal"));
                }
                st = Scan::E0;
                i += 1;
            }
            Scan::E0 => {
                if c.is_ascii_digit() {
                    i += 1;
                } else {
                    b.number(&text[start..i]);
                    st = Scan::EndValue;
                }
            }
            Scan::Literal(word, k) => {
                if c != word[k] {
                    let name = String::from_utf8_lossy(word);
                    let want = char::from(word[k]);
                    return Err(syntax(
                        c,
                        &format!("in literal {name} (expecting '{want}')"),
                    ));
                }
                i += 1;
                if k + 1 == word.len() {
                    b.deliver(match word[0] {
                        b't' => Value::Bool(true),
                        b'f' => Value::Bool(false),
                        _ => Value::Null,
                    });
                    st = Scan::EndValue;
                } else {
                    st = Scan::Literal(word, k + 1);
                }
            }
        }
    }
}

/// Four hex digits after `\u` at `s[at..]`, as `encoding/json`'s `getu4`.
fn hex4(s: &[u8], at: usize) -> Option<u32> {
    if s.get(at) != Some(&b'\\') || s.get(at + 1) != Some(&b'u') {
        return None;
    }
    let digits = std::str::from_utf8(s.get(at + 2..at + 6)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// `encoding/json`'s string unquoting of a scanned string's contents: lone or mismatched UTF-16
/// surrogates become U+FFFD.
fn unquote(s: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let esc = s.get(i + 1).copied().unwrap_or(b'\\');
        let simple = match esc {
            b'b' => Some(b'\x08'),
            b'f' => Some(b'\x0c'),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => Some(other),
        };
        if let Some(byte) = simple {
            out.push(byte);
            i += 2;
            continue;
        }
        let unit = hex4(s, i).unwrap_or(0xfffd);
        i += 6;
        let c = if (0xd800..0xe000).contains(&unit) {
            match hex4(s, i) {
                Some(low) if unit < 0xdc00 && (0xdc00..0xe000).contains(&low) => {
                    i += 6;
                    char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))
                }
                _ => None,
            }
        } else {
            char::from_u32(unit)
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.unwrap_or('\u{fffd}').encode_utf8(&mut buf).as_bytes());
    }
    // The input was a &str and escapes produce whole characters, so this is valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    //! Every expected value below was produced by Helm v4.2.3 itself (helm-python-sdk 0.2.2's
    //! `parse_set_string` for `--set`, `parse_set_string_values`, `parse_set_json`,
    //! `parse_set_literal` and `parse_set_file`), recorded as Go's JSON of the map Helm built.
    use super::*;

    type Parse = fn(&str, &mut Object) -> Result<(), String>;

    /// Go's JSON writes the float64 1 as `1`, so numbers compare by value; their Go types are
    /// checked separately.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
                (Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            },
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
            }
            _ => a == b,
        }
    }

    fn parsed(parse: Parse, expr: &str) -> Result<Value, String> {
        let mut into = Object::new();
        parse(expr, &mut into).map(|()| Value::Object(into))
    }

    fn check_ok(parse: Parse, cases: &[(&str, &str)]) {
        let mut wrong = Vec::new();
        for &(expr, want) in cases {
            let want: Value = serde_json::from_str(want).expect("recorded JSON");
            match parsed(parse, expr) {
                Ok(got) if same(&got, &want) => {}
                other => wrong.push(format!("{expr:?}: got {other:?}, Helm built {want}")),
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    fn check_err(parse: Parse, cases: &[(&str, &str)]) {
        let mut wrong = Vec::new();
        for &(expr, want) in cases {
            match parsed(parse, expr) {
                Err(got) if got == want => {}
                other => wrong.push(format!("{expr:?}: got {other:?}, Helm said {want:?}")),
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn set_builds_the_values_helm_builds() {
        check_ok(parse_set, SET_OK);
    }

    #[test]
    fn set_fails_with_helms_messages() {
        check_err(parse_set, SET_ERR);
    }

    #[test]
    fn set_string_keeps_every_value_a_string() {
        check_ok(parse_set_string, STR_OK);
        check_err(parse_set_string, STR_ERR);
    }

    #[test]
    fn set_json_decodes_values_as_encoding_json_does() {
        check_ok(parse_set_json, JSON_OK);
    }

    #[test]
    fn set_json_fails_with_encoding_jsons_messages() {
        check_err(parse_set_json, JSON_ERR);
    }

    #[test]
    fn set_literal_takes_the_rest_of_the_expression_verbatim() {
        check_ok(parse_set_literal, LIT_OK);
        check_err(parse_set_literal, LIT_ERR);
    }

    #[test]
    fn set_integers_are_int64_and_json_numbers_are_float64() {
        // Helm names the types in its messages: `--set` made an int64, `--set-json` a float64.
        assert_eq!(
            parsed(parse_set, "a=1,a.b=2"),
            Err("unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}".to_owned())
        );
        assert_eq!(
            parsed(parse_set_json, "a=1,a.b=2"),
            Err("unable to parse key: interface conversion: interface {} is float64, not map[string]interface {}".to_owned())
        );
        let set = parsed(parse_set, "a=1000000,b=-9223372036854775808").unwrap();
        assert_eq!(set["a"].as_i64(), Some(1_000_000));
        assert_eq!(set["b"].as_i64(), Some(i64::MIN));
        let json = parsed(parse_set_json, "a=1000000,b=[1]").unwrap();
        assert!(json["a"].is_f64() && json["b"][0].is_f64(), "{json}");
        assert_eq!(json["a"].as_f64(), Some(1e6));
    }

    #[test]
    fn flags_applied_in_order_merge_into_the_same_map() {
        // Helm applies each flag to the map the previous ones built; for complete assignments
        // that is what one comma-joined expression builds, which is what was recorded.
        let cases: &[(&[&str], &str)] = &[
            (&["a.b=1", "a.c=2"], r#"{"a":{"b":1,"c":2}}"#),
            (&["a=1", "a=2"], r#"{"a":2}"#),
            (&["a[2]=x", "a[0]=y"], r#"{"a":["y",null,"x"]}"#),
            (&["a.b=1", "a=2"], r#"{"a":2}"#),
            (&["a={1,2,3}", "a[1]=x"], r#"{"a":[1,"x",3]}"#),
            (
                &["a[1].b=1", "a[1].c=2", "a[0]=3"],
                r#"{"a":[3,{"b":1,"c":2}]}"#,
            ),
            (
                &["a.b[1].c=x", "a.b[1].d=y", "a.b[0]=z"],
                r#"{"a":{"b":["z",{"c":"x","d":"y"}]}}"#,
            ),
        ];
        for &(flags, want) in cases {
            let mut into = Object::new();
            for flag in flags {
                parse_set(flag, &mut into).unwrap();
            }
            let want: Value = serde_json::from_str(want).unwrap();
            assert!(
                same(&Value::Object(into.clone()), &want),
                "{flags:?}: {into:?}"
            );
        }
        let mut into = Object::new();
        parse_set("a.b=1", &mut into).unwrap();
        assert_eq!(
            parse_set("a.c=2,a.b.d=3", &mut into),
            Err("unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}".to_owned())
        );
    }

    #[test]
    fn a_flag_ending_in_an_empty_value_under_a_new_list_item_sets_nothing_there() {
        // `b[3].a=` alone leaves `b` empty in Helm (the EOF skips the list store), while the
        // same assignment followed by another one stores it.
        check_ok(
            parse_set,
            &[
                ("b[3].a=", r#"{"b":[]}"#),
                ("b[3].a=,x=1", r#"{"b":[null,null,null,{"a":""}],"x":1}"#),
            ],
        );
        let mut into = Object::new();
        parse_set("b[3].a=", &mut into).unwrap();
        parse_set("b[0]=x", &mut into).unwrap();
        assert!(same(&Value::Object(into), &serde_json::json!({"b": ["x"]})));
    }

    #[test]
    fn later_flags_merge_into_values_of_other_kinds() {
        // Recorded as one `--set-json` expression: the key logic is shared by every mode.
        let mut into = Object::new();
        parse_set_json(r#"a={"x":1}"#, &mut into).unwrap();
        parse_set("a.y=2", &mut into).unwrap();
        assert!(same(
            &Value::Object(into),
            &serde_json::json!({"a": {"x": 1, "y": 2}})
        ));
        let mut into = Object::new();
        parse_set_json(r#"a={"b":[1,2]}"#, &mut into).unwrap();
        parse_set("a.b[3]=4", &mut into).unwrap();
        assert!(same(
            &Value::Object(into),
            &serde_json::json!({"a": {"b": [1, 2, null, 4]}})
        ));
        let mut into = Object::new();
        parse_set_json("a=1", &mut into).unwrap();
        assert_eq!(
            parse_set("a.b=2", &mut into),
            Err("unable to parse key: interface conversion: interface {} is float64, not map[string]interface {}".to_owned())
        );
    }

    #[test]
    fn set_file_values_come_from_the_reader() {
        let files = |path: &str| match path {
            "f1" => Ok("hello, world\n".to_owned()),
            "f2" => Ok("x=1".to_owned()),
            _ => Err(format!("open {path}: no such file or directory")),
        };
        let file = |expr: &str| {
            let mut into = Object::new();
            parse_set_file(expr, &mut into, &mut |p: &str| files(p)).map(|()| Value::Object(into))
        };
        let ok = |expr: &str, want: Value| {
            let got = file(expr).unwrap();
            assert!(same(&got, &want), "{expr}: {got}");
        };
        ok(
            "a=f1,b.c=f2",
            serde_json::json!({"a": "hello, world\n", "b": {"c": "x=1"}}),
        );
        ok(
            "a={f1,f2}",
            serde_json::json!({"a": ["hello, world\n", "x=1"]}),
        );
        ok("a[1]=f2", serde_json::json!({"a": [null, "x=1"]}));
        ok("a=", serde_json::json!({"a": ""}));
        assert_eq!(
            file("a=/nonexistent"),
            Err("open /nonexistent: no such file or directory".into())
        );
        assert_eq!(file("a={}"), Err("open : no such file or directory".into()));
        assert_eq!(file("a"), Err("key \"a\" has no value".into()));
    }

    #[test]
    fn messages_quote_names_as_go_does() {
        // Go escapes what its Unicode 15 tables call unprintable, including characters newer
        // Unicode assigns (U+31EF, U+088F).
        assert_eq!(
            parsed(
                parse_set,
                "k\u{31ef}\u{200b}\u{e9}\u{a0}\u{1}\u{10ffff}\u{301}\u{1f600}"
            ),
            Err(
                "key \"k\\u31ef\\u200b\u{e9}\\u00a0\\x01\\U0010ffff\u{301}\u{1f600}\" has no value"
                    .into()
            )
        );
        assert_eq!(
            parsed(parse_set, "a[0]\u{88f}\u{301}\u{e000}\u{1f600}\u{378}\u{2028}'\\\"=1"),
            Err("unexpected data at end of array index: ['\\u088f' '\u{301}' '\\ue000' '\u{1f600}' '\\u0378' '\\u2028' '\\'' '\"']".into())
        );
    }

    #[test]
    fn the_largest_list_index_is_65536() {
        // Helm accepted `a[65536]=1`: 65536 nulls, then 1.
        let v = parsed(parse_set, "a[65536]=1").unwrap();
        let items = v["a"].as_array().unwrap();
        assert_eq!(items.len(), 65_537);
        assert!(items[..65_536].iter().all(Value::is_null));
        assert_eq!(items[65_536].as_i64(), Some(1));
    }

    #[test]
    fn json_nesting_stops_at_gos_depth_limit() {
        let nested = |n: usize| format!("a={}{}", "[".repeat(n), "]".repeat(n));
        let v = parsed(parse_set_json, &nested(10_000)).unwrap();
        let mut depth = 0;
        let mut at = &v["a"];
        while let Value::Array(items) = at {
            depth += 1;
            match items.first() {
                Some(next) => at = next,
                None => break,
            }
        }
        assert_eq!(depth, 10_000);
        assert_eq!(
            parsed(parse_set_json, &nested(10_001)),
            Err("invalid character '[' exceeded max depth".to_owned())
        );
    }

    #[test]
    fn list_paths_are_walked_without_recursion_up_to_our_bound() {
        // Helm builds `a[0][0]…[0]=1` at any depth (20000 levels were tried); past
        // MAX_PATH_DEPTH levels we refuse rather than build values too deep to drop safely.
        let path = |n: usize| format!("a{}=1", "[0]".repeat(n));
        let v = parsed(parse_set, &path(MAX_PATH_DEPTH)).unwrap();
        let mut depth = 0;
        let mut at = &v["a"];
        while let Value::Array(items) = at {
            depth += 1;
            at = &items[0];
        }
        assert_eq!((depth, at.as_i64()), (MAX_PATH_DEPTH, Some(1)));
        assert!(parsed(parse_set, &path(MAX_PATH_DEPTH + 1)).is_err());
    }

    /// `json` cases Helm v4.2.3 rejects: its error message.
    const JSON_ERR: &[(&str, &str)] = &[
        ("a=\"abc\"x", "key \"x\" has no value"),
        ("a=1 2", "key \"2\" has no value"),
        ("a=tru", "unexpected EOF"),
        (
            "a=1e400",
            "json: cannot unmarshal number 1e400 into Go value of type float64",
        ),
        (
            "a=-1e400",
            "json: cannot unmarshal number -1e400 into Go value of type float64",
        ),
        (
            "a=[1e400,1e500]",
            "json: cannot unmarshal number 1e400 into Go value of type float64",
        ),
        (
            "a=[1e400,x]",
            "invalid character 'x' looking for beginning of value",
        ),
        ("a=01", "key \"1\" has no value"),
        ("a={\"b\":1", "unexpected EOF"),
        (
            "a=x",
            "invalid character 'x' looking for beginning of value",
        ),
        (
            "a=[1,]",
            "invalid character ']' looking for beginning of value",
        ),
        ("a=[1,2]]", "key \"]\" has no value"),
        (
            "a=}",
            "invalid character '}' looking for beginning of value",
        ),
        (
            "a={1:2}",
            "invalid character '1' looking for beginning of object key string",
        ),
        ("a={\"b\" 1}", "invalid character '1' after object key"),
        ("a=[1 2]", "invalid character '2' after array element"),
        ("a=\"\\x\"", "invalid character 'x' in string escape code"),
        (
            "a=\"\\u12\"",
            "invalid character '\"' in \\u hexadecimal character escape",
        ),
        ("a=-", "unexpected EOF"),
        ("a=1.", "unexpected EOF"),
        (
            "a=1.e",
            "invalid character 'e' after decimal point in numeric literal",
        ),
        ("a=1e+", "unexpected EOF"),
        ("a=nul", "unexpected EOF"),
        (
            "a=nulx",
            "invalid character 'x' in literal null (expecting 'l')",
        ),
        ("a=truex", "key \"x\" has no value"),
        ("a=\"a\tb\"", "invalid character '\\t' in string literal"),
        (
            "a=\u{e9}",
            "invalid character '\u{c3}' looking for beginning of value",
        ),
        (
            "a=\\u0080",
            "invalid character '\\\\' looking for beginning of value",
        ),
        (
            "a=1,a.b=2",
            "unable to parse key: interface conversion: interface {} is float64, not map[string]interface {}",
        ),
        (
            "a=1,a[0]=2",
            "unable to parse key: interface conversion: interface {} is float64, not []interface {}",
        ),
        (
            "a='x'",
            "invalid character '\\'' looking for beginning of value",
        ),
        ("a=\"\\'\"", "invalid character '\\'' in string escape code"),
        ("a=falsey", "key \"y\" has no value"),
        ("a=fals", "unexpected EOF"),
        ("a=f", "unexpected EOF"),
        ("a=t", "unexpected EOF"),
        ("a=n", "unexpected EOF"),
        (
            "a=nulL",
            "invalid character 'L' in literal null (expecting 'l')",
        ),
        (
            "a=True",
            "invalid character 'T' looking for beginning of value",
        ),
        ("a=1.5.3", "key \"3\" has no value"),
        ("a=-01", "key \"1\" has no value"),
        ("a={\"a\":1}}", "key \"}\" has no value"),
        ("a[0]=1 2", "key \"2\" has no value"),
        ("a[0]={\"b\"", "unexpected EOF"),
        ("a", "key \"a\" has no value"),
        ("a[0]x={}", "unexpected data at end of array index: ['x']"),
        (
            "a=\u{7f}",
            "invalid character '\\x7f' looking for beginning of value",
        ),
        (
            "a=\u{1}",
            "invalid character '\\x01' looking for beginning of value",
        ),
        (
            "a=[\u{1}]",
            "invalid character '\\x01' looking for beginning of value",
        ),
        (
            "a=\u{ad}",
            "invalid character '\u{c2}' looking for beginning of value",
        ),
    ];

    /// `json` cases Helm v4.2.3 accepts: the values map it built, as Go's JSON.
    const JSON_OK: &[(&str, &str)] = &[
        (
            "a=1,b=1.5,c=\"x\",d=null,e=,f=[1,{\"g\":2}],h={\"i\":true}",
            r#"{"a":1,"b":1.5,"c":"x","d":null,"e":null,"f":[1,{"g":2}],"h":{"i":true}}"#,
        ),
        ("a=\"abc\"b=1", r#"{"a":"abc","b":1}"#),
        ("a=1e-400", r#"{"a":0}"#),
        ("a=-0", r#"{"a":0}"#),
        ("a={\"a\":1,\"a\":2}", r#"{"a":{"a":2}}"#),
        ("a=\"\\ud800\"", r#"{"a":"\ufffd"}"#),
        (
            "a=\"\\ud800\\udc00x\\udc00\\ud800\\u0041\"",
            r#"{"a":"\ud800\udc00x\ufffd\ufffdA"}"#,
        ),
        ("a[1]={\"b\":1},a[0]=2", r#"{"a":[2,{"b":1}]}"#),
        ("a.b=1,a.c=[1]", r#"{"a":{"b":1,"c":[1]}}"#),
        ("a=\u{a0}", r#"{"a":null}"#),
        ("a=\u{a0}1", r#"{"a":1}"#),
        ("a= 1 , b=2", r#"{" b":2,"a":1}"#),
        ("a={\"b\":1}c=2", r#"{"a":{"b":1},"c":2}"#),
        ("a=1000000", r#"{"a":1000000}"#),
        ("a=1.5e300", r#"{"a":1.5e+300}"#),
        (
            "a=123456789012345678901234567890",
            r#"{"a":1.2345678901234568e+29}"#,
        ),
        (
            "a=\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"",
            r#"{"a":"\"\\/\b\f\n\r\t\u00e9"}"#,
        ),
        ("a=[]", r#"{"a":[]}"#),
        ("a={}", r#"{"a":{}}"#),
        ("a=[ ]", r#"{"a":[]}"#),
        ("a={ }", r#"{"a":{}}"#),
        ("a={\"x\":[{\"y\":null}]}", r#"{"a":{"x":[{"y":null}]}}"#),
        ("a=\"x'\"", r#"{"a":"x'"}"#),
        ("a=0.0", r#"{"a":0}"#),
        ("a=1E2", r#"{"a":100}"#),
        ("a=1e-2", r#"{"a":0.01}"#),
        ("a=[1]x=2", r#"{"a":[1],"x":2}"#),
        ("a[0]=", r#"{"a":[null]}"#),
        ("a[0]=[1],a[0][1]=2", r#"{"a":[[1,2]]}"#),
        ("a= ,b=1", r#"{"a":null,"b":1}"#),
        ("a=\u{b}1", r#"{"a":1}"#),
        ("a=\u{c}\u{85}1", r#"{"a":1}"#),
        ("a=\u{2028}1", r#"{"a":1}"#),
        ("a=\"\u{2028}\"", r#"{"a":"\u2028"}"#),
        ("a={\"\":1}", r#"{"a":{"":1}}"#),
        ("a={\"b\":{\"c\":{}}}", r#"{"a":{"b":{"c":{}}}}"#),
        ("a=\"\u{7f}\"", r#"{"a":"\u007f"}"#),
    ];

    /// `lit` cases Helm v4.2.3 rejects: its error message.
    const LIT_ERR: &[(&str, &str)] = &[
        ("a", "key \"a\" has no value"),
        ("a.b", "key \"b\" has no value"),
        ("a[0]x=1", "unexpected data at end of array index: ['x']"),
        ("a.=1", "key map \"a\" has no value"),
        (
            "a[x]=1",
            "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax",
        ),
    ];

    /// `lit` cases Helm v4.2.3 accepts: the values map it built, as Go's JSON.
    const LIT_OK: &[(&str, &str)] = &[
        ("a=b,c=d", r#"{"a":"b,c=d"}"#),
        ("a.b=x", r#"{"a":{"b":"x"}}"#),
        ("a[0]=x", r#"{"a":["x"]}"#),
        ("a[1].b={1,2},x", r#"{"a":[null,{"b":"{1,2},x"}]}"#),
        ("a\\.b=c", r#"{"a\\":{"b":"c"}}"#),
        ("a=", r#"{"a":""}"#),
        ("a=\\", r#"{"a":"\\"}"#),
        ("", r#"{}"#),
        ("a,b=1", r#"{"a,b":"1"}"#),
        ("a[0]", r#"{"a":[]}"#),
    ];

    /// `set` cases Helm v4.2.3 rejects: its error message.
    const SET_ERR: &[(&str, &str)] = &[
        (
            "a.b=1,a.b.c=2",
            "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}",
        ),
        ("a", "key \"a\" has no value"),
        ("a[0]x=1", "unexpected data at end of array index: ['x']"),
        (
            "a[0]xy=1",
            "unexpected data at end of array index: ['x' 'y']",
        ),
        (
            "a=1,a.b=2",
            "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}",
        ),
        ("a.=1", "key map \"a\" has no value"),
        ("a.b", "key \"b\" has no value"),
        ("a,b=1", "key \"a\" has no value (cannot end with ,)"),
        ("a=1,,b=2", "key \"\" has no value (cannot end with ,)"),
        (
            "a[70000]=1",
            "index of 70000 is greater than maximum supported index of 65536",
        ),
        (
            "a[65537]=1",
            "index of 65537 is greater than maximum supported index of 65536",
        ),
        ("a[-1]=1", "negative -1 index not allowed"),
        (
            "a[x]=1",
            "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            "a[99999999999999999999]=1",
            "error parsing index: strconv.Atoi: parsing \"99999999999999999999\": value out of range",
        ),
        ("a={1,2", "list must terminate with '}'"),
        (
            "a[0]=1,a.b=2",
            "unable to parse key: interface conversion: interface {} is []interface {}, not map[string]interface {}",
        ),
        (
            "a.b=1,a[0]=2",
            "unable to parse key: interface conversion: interface {} is map[string]interface {}, not []interface {}",
        ),
        (
            "a=null,a[0]=1",
            "unable to parse key: interface conversion: interface {} is nil, not []interface {}",
        ),
        (
            "a=null,a.b=1",
            "unable to parse key: interface conversion: interface {} is nil, not map[string]interface {}",
        ),
        (
            "a=true,a.b=1",
            "unable to parse key: interface conversion: interface {} is bool, not map[string]interface {}",
        ),
        (
            "a={x},a[0][0]=1",
            "unable to parse key: interface conversion: interface {} is string, not []interface {}",
        ),
        (
            "a[0]=x,a[0][0]=1",
            "unable to parse key: interface conversion: interface {} is string, not []interface {}",
        ),
        ("a[0]\\x=1", "unexpected data at end of array index: ['x']"),
        ("a\\", "key \"a\" has no value"),
        ("a={1}.b", "key \"b\" has no value"),
        ("a={1} ", "key \" \" has no value"),
        ("a={1}}", "key \"}\" has no value"),
        (
            "a[1.5]=1",
            "error parsing index: strconv.Atoi: parsing \"1.5\": invalid syntax",
        ),
        (
            "a[]=1",
            "error parsing index: strconv.Atoi: parsing \"\": invalid syntax",
        ),
        (
            "a[ 1]=1",
            "error parsing index: strconv.Atoi: parsing \" 1\": invalid syntax",
        ),
        (
            "a[1 ]=1",
            "error parsing index: strconv.Atoi: parsing \"1 \": invalid syntax",
        ),
        (
            "a[99999999999999999999x]=1",
            "error parsing index: strconv.Atoi: parsing \"99999999999999999999x\": value out of range",
        ),
        (
            "a[9x9999999999999999999]=1",
            "error parsing index: strconv.Atoi: parsing \"9x9999999999999999999\": invalid syntax",
        ),
        (
            "a[9223372036854775808x]=1",
            "error parsing index: strconv.Atoi: parsing \"9223372036854775808x\": invalid syntax",
        ),
        (
            "a[9223372036854775807]=1",
            "index of 9223372036854775807 is greater than maximum supported index of 65536",
        ),
        (
            "a[-9223372036854775808]=1",
            "negative -9223372036854775808 index not allowed",
        ),
        (
            "a[-9223372036854775809]=1",
            "error parsing index: strconv.Atoi: parsing \"-9223372036854775809\": value out of range",
        ),
        ("a[0]={", "list must terminate with '}'"),
        ("a[1]=x,a[0].b", "key \"b\" has no value"),
        ("a[0]]=1", "unexpected data at end of array index: [']']"),
        ("k\u{200b}", "key \"k\\u200b\" has no value"),
        ("a\u{a0}", "key \"a\\u00a0\" has no value"),
        ("a\tb", "key \"a\\tb\" has no value"),
        ("x\u{1}", "key \"x\\x01\" has no value"),
        (
            "a[0]\u{200b}=1",
            "unexpected data at end of array index: ['\\u200b']",
        ),
        ("a[0]'=1", "unexpected data at end of array index: ['\\'']"),
        (
            "a[0]\\\\=1",
            "unexpected data at end of array index: ['\\\\']",
        ),
        ("a[0]\"=1", "unexpected data at end of array index: ['\"']"),
        (
            "a=1,a[0]=2",
            "unable to parse key: interface conversion: interface {} is int64, not []interface {}",
        ),
        (
            "a.b=1,a.b[0]=2",
            "unable to parse key: interface conversion: interface {} is int64, not []interface {}",
        ),
        (",", "key \"\" has no value (cannot end with ,)"),
        (",,", "key \"\" has no value (cannot end with ,)"),
        ("]", "key \"]\" has no value"),
        ("a..b=1", "key map \"a\" has no value"),
        (".=1", "key map \"\" has no value"),
        ("a=1,b", "key \"b\" has no value"),
        ("a[0]=1,b", "key \"b\" has no value"),
    ];

    /// `set` cases Helm v4.2.3 accepts: the values map it built, as Go's JSON.
    const SET_OK: &[(&str, &str)] = &[
        (
            "a=1,b=1.5,c=true,d=TRUE,e=null,f=,g=0,h=01,i=-0,j=+5,k=9223372036854775808,l=-9223372036854775808,m=fal\u{17f}e",
            r#"{"a":1,"b":"1.5","c":true,"d":true,"e":null,"f":"","g":0,"h":"01","i":0,"j":5,"k":"9223372036854775808","l":-9223372036854775808,"m":false}"#,
        ),
        ("a=1000000", r#"{"a":1000000}"#),
        ("a=-12", r#"{"a":-12}"#),
        ("a=1e3", r#"{"a":"1e3"}"#),
        ("a=0x10", r#"{"a":"0x10"}"#),
        ("a=1_000", r#"{"a":"1_000"}"#),
        ("a=NULL", r#"{"a":null}"#),
        ("a=Null", r#"{"a":null}"#),
        ("a=tRuE", r#"{"a":true}"#),
        ("a=yes", r#"{"a":"yes"}"#),
        ("a=\u{17f}", r#"{"a":"\u017f"}"#),
        ("a=+", r#"{"a":"+"}"#),
        ("a=-", r#"{"a":"-"}"#),
        ("a=++1", r#"{"a":"++1"}"#),
        ("a= 1", r#"{"a":" 1"}"#),
        ("a=1 ", r#"{"a":"1 "}"#),
        ("a.b.c=1", r#"{"a":{"b":{"c":1}}}"#),
        ("a.b=1,a.c=2", r#"{"a":{"b":1,"c":2}}"#),
        ("a[0]=x", r#"{"a":["x"]}"#),
        ("a[2]=x", r#"{"a":[null,null,"x"]}"#),
        ("a[0].b=1", r#"{"a":[{"b":1}]}"#),
        ("a[0].b=1,a[0].c=2", r#"{"a":[{"b":1,"c":2}]}"#),
        ("a[1].b=1,a[0].c=2", r#"{"a":[{"c":2},{"b":1}]}"#),
        ("a=x,b=y", r#"{"a":"x","b":"y"}"#),
        ("a\\.b=c", r#"{"a.b":"c"}"#),
        ("a=b\\,c", r#"{"a":"b,c"}"#),
        ("a={a,b}", r#"{"a":["a","b"]}"#),
        ("a={}", r#"{"a":[""]}"#),
        ("a={1,true,null,x}", r#"{"a":[1,true,null,"x"]}"#),
        ("a={ 1 , 2 }", r#"{"a":[" 1 "," 2 "]}"#),
        ("a[0]", r#"{"a":[]}"#),
        ("a[1", r#"{}"#),
        ("a.", r#"{}"#),
        ("a=1,", r#"{"a":1}"#),
        ("a={1}b=2", r#"{"a":[1],"b":2}"#),
        ("=1", r#"{}"#),
        ("[0]=1", r#"{}"#),
        ("a[0]=null,a[0][0]=1", r#"{"a":[[1]]}"#),
        ("a[2]=x,a[1].b=1", r#"{"a":[null,{"b":1},"x"]}"#),
        ("a[1]=x,a[1].b=1", r#"{"a":[null,{"b":1}]}"#),
        ("a[0][1", r#"{"a":[]}"#),
        ("a.b[1", r#"{}"#),
        ("a[0].", r#"{"a":[]}"#),
        ("a[0].=1", r#"{"a":[{}]}"#),
        ("a[1]=,a[0]=", r#"{"a":["",""]}"#),
        ("a=\\{x}", r#"{"a":"{x}"}"#),
        ("a={a\\,b,c}", r#"{"a":["a,b","c"]}"#),
        ("a={,}", r#"{"a":["",""]}"#),
        ("a=b=c", r#"{"a":"b=c"}"#),
        ("a=b\\,c,d=e", r#"{"a":"b,c","d":"e"}"#),
        ("a=x\\", r#"{"a":"x"}"#),
        ("a={1},b=2", r#"{"a":[1],"b":2}"#),
        ("a={1}", r#"{"a":[1]}"#),
        ("a[+1]=1", r#"{"a":[null,1]}"#),
        ("a[-0]=1", r#"{"a":[1]}"#),
        ("a[1]=1", r#"{"a":[null,1]}"#),
        ("a[0]=1,a[3]=2", r#"{"a":[1,null,null,2]}"#),
        ("a[0][0]=1", r#"{"a":[[1]]}"#),
        ("a[1][2]=x", r#"{"a":[null,[null,null,"x"]]}"#),
        ("a[0][0]=1,a[0][1]=2,a[1]=3", r#"{"a":[[1,2],3]}"#),
        ("a[0]={1,2}", r#"{"a":[[1,2]]}"#),
        ("a[0]=", r#"{"a":[""]}"#),
        ("a[0]=null,a[0][0]", r#"{"a":[null]}"#),
        ("a[0]=[5]", r#"{"a":["[5]"]}"#),
        (
            "a[0][5]=1,a[0][1]",
            r#"{"a":[[null,null,null,null,null,1]]}"#,
        ),
        (
            "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.A.B.C.D=1",
            r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":{"p":{"q":{"r":{"s":{"t":{"u":{"v":{"w":{"x":{"y":{"z":{"A":{"B":{"C":{"D":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}"#,
        ),
        (
            "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.A.B.C.D.E=1",
            r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":{"m":{"n":{"o":{"p":{"q":{"r":{"s":{"t":{"u":{"v":{"w":{"x":{"y":{"z":{"A":{"B":{"C":{"D":{"E":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}"#,
        ),
        ("a[0].b[0].c[0]=1", r#"{"a":[{"b":[{"c":[1]}]}]}"#),
        ("a.b[0].c=1,a.b[0].d=2", r#"{"a":{"b":[{"c":1,"d":2}]}}"#),
        ("name=value,x.y=z", r#"{"name":"value","x":{"y":"z"}}"#),
        ("image.tag=v1.2.3", r#"{"image":{"tag":"v1.2.3"}}"#),
        ("ports={80,443}", r#"{"ports":[80,443]}"#),
        (
            "a=\u{e9},\u{e9}=\u{fc}",
            r#"{"a":"\u00e9","\u00e9":"\u00fc"}"#,
        ),
        ("a\\=b=c", r#"{"a=b":"c"}"#),
        ("a\\[0]=1", r#"{"a[0]":1}"#),
        ("a]=1", r#"{"a]":1}"#),
        ("a[0]=1]", r#"{"a":["1]"]}"#),
        ("\u{e9}\u{301}=1", r#"{"\u00e9\u0301":1}"#),
        ("a=1,a=2", r#"{"a":2}"#),
        ("a.b=1,a=2", r#"{"a":2}"#),
        ("a[0]=1,a=2", r#"{"a":2}"#),
        ("a={1},a[1]=2", r#"{"a":[1,2]}"#),
        ("a[0]=1,a[0].b=2", r#"{"a":[{"b":2}]}"#),
        ("a[0].b=1,a[0]=2", r#"{"a":[2]}"#),
        ("", r#"{}"#),
        (".", r#"{}"#),
        ("..", r#"{}"#),
        ("[", r#"{}"#),
        ("=", r#"{}"#),
        ("a=,b=", r#"{"a":"","b":""}"#),
        (".a=1", r#"{}"#),
        (" a = 1 ", r#"{" a ":" 1 "}"#),
    ];

    /// `str` cases Helm v4.2.3 rejects: its error message.
    const STR_ERR: &[(&str, &str)] = &[
        ("a", "key \"a\" has no value"),
        (
            "a=1,a.b=2",
            "unable to parse key: interface conversion: interface {} is string, not map[string]interface {}",
        ),
    ];

    /// `str` cases Helm v4.2.3 accepts: the values map it built, as Go's JSON.
    const STR_OK: &[(&str, &str)] = &[
        (
            "a=1,b=true,c=null,d=,e={1,2}",
            r#"{"a":"1","b":"true","c":"null","d":"","e":["1","2"]}"#,
        ),
        ("a[1]=2", r#"{"a":[null,"2"]}"#),
        ("a.b=0", r#"{"a":{"b":"0"}}"#),
        ("a={x}", r#"{"a":["x"]}"#),
        ("a=01", r#"{"a":"01"}"#),
    ];
}
