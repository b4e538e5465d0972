//! The values templates work on, modelled on the Go values Helm's templates see: values read
//! from YAML arrive as `map[string]interface {}`, `[]interface {}`, `string`, `bool` and
//! `float64` (every number, as Helm decodes through JSON); functions add `int`, `int64`, `[]string`
//! and the like. Printing follows Go's `fmt.Sprint`, including float formatting (`1e+06`),
//! and `typeOf`/`kindOf` report Go's type names.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// Go's integer types that templates meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// `int` (Go constants and most Sprig results).
    Int,
    /// `int64`.
    Int64,
    /// `int32` (`rune`, from character constants).
    Int32,
    /// `uint8` (`byte`).
    Uint8,
}

/// Element types of Go slices that templates meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `[]interface {}`.
    Interface,
    /// `[]string`.
    String,
    /// `[]int`.
    Int,
    /// `[]byte` (`[]uint8`): elements are `uint8` integers.
    Bytes,
}

/// A Go map (`map[string]interface {}`): a reference, as in Go, so `set`, `unset` and `merge`
/// change it wherever it is reachable from (charts rely on `$_ := set $ctx "k" v`). The lock is
/// never held while other template code runs, so a map that contains itself cannot deadlock.
#[derive(Clone, Default)]
pub struct Map(Arc<Mutex<Entries>>, MapType);

/// A map's entries sorted by key: lookups are a binary search, iteration needs no sorting
/// (Go prints and ranges over maps in key order), and template maps are small and mostly read.
#[derive(Clone, Default, PartialEq)]
struct Entries(Vec<(Arc<str>, Value)>);

impl Entries {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    fn insert(&mut self, key: String, value: Value) {
        match self.find(&key) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (Arc::from(key), value)),
        }
    }

    fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }
}

impl From<BTreeMap<String, Value>> for Entries {
    fn from(map: BTreeMap<String, Value>) -> Self {
        // a BTreeMap iterates in key order already
        Entries(map.into_iter().map(|(k, v)| (Arc::from(k), v)).collect())
    }
}

/// The Go type of a map: its contents are the same, but type names, type assertions and
/// comparisons tell them apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MapType {
    /// `map[string]interface {}`.
    #[default]
    Interface,
    /// Helm's `common.Values` (the root object and `.Values`), a named
    /// `map[string]interface {}`.
    Values,
}

impl Map {
    /// A new map holding `entries`.
    pub fn new(entries: BTreeMap<String, Value>) -> Self {
        Map(Arc::new(Mutex::new(entries.into())), MapType::Interface)
    }

    /// A new map of Go type `go_type`.
    pub fn typed(entries: BTreeMap<String, Value>, go_type: MapType) -> Self {
        Map(Arc::new(Mutex::new(entries.into())), go_type)
    }

    /// The same map seen as Go type `go_type` (Go's conversion between map types that share an
    /// underlying type: no copy).
    pub fn as_type(&self, go_type: MapType) -> Self {
        Map(Arc::clone(&self.0), go_type)
    }

    /// Where the map lives, as `%p` prints it.
    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// The map's Go type.
    pub fn go_type(&self) -> MapType {
        self.1
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // a panic while the lock was held leaves a consistent map: every change is one call
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.lock().get(key).cloned()
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.lock().find(key).is_ok()
    }

    /// Sets `key` (visible through every reference to this map).
    pub fn insert(&self, key: impl Into<String>, value: Value) {
        self.lock().insert(key.into(), value);
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.lock().remove(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.lock().0.is_empty()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.lock().0.iter().map(|(k, _)| k.to_string()).collect()
    }

    /// A snapshot of the entries, sorted by key.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.lock()
            .0
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// A snapshot of the entries, sorted by key, sharing the keys (no copies).
    pub fn shared_entries(&self) -> Vec<(Arc<str>, Value)> {
        self.lock().0.clone()
    }

    /// A snapshot of the entries as an owned map.
    pub fn to_btree(&self) -> BTreeMap<String, Value> {
        self.lock()
            .0
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Whether both are the same Go map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.0, &other.0) && self.1 == other.1
    }

    /// A copy that shares nothing mutable with this map (nested maps copied too), as Sprig's
    /// `deepCopy` makes. Cycles are cut at [`MAX_NESTING`] levels.
    pub fn deep_copy(&self) -> Map {
        deep_copy_map(self, 0)
    }
}

fn deep_copy_map(map: &Map, depth: usize) -> Map {
    let entries = map
        .shared_entries()
        .into_iter()
        .map(|(k, v)| (k, deep_copy_value(&v, depth + 1)))
        .collect();
    Map(Arc::new(Mutex::new(Entries(entries))), map.go_type())
}

fn deep_copy_value(value: &Value, depth: usize) -> Value {
    if depth > MAX_NESTING {
        return Value::Nil;
    }
    match value {
        Value::Map(m) => Value::Map(deep_copy_map(m, depth)),
        Value::List(items, kind) => Value::List(
            Arc::new(
                items
                    .iter()
                    .map(|v| deep_copy_value(v, depth + 1))
                    .collect(),
            ),
            *kind,
        ),
        other => other.clone(),
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1 && (self.ptr_eq(other) || self.entries() == other.entries())
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries()).finish()
    }
}

/// How deep printing and copying follow nested values. Go would overflow its stack on a map
/// that contains itself; we stop here instead.
pub const MAX_NESTING: usize = 1000;

/// A Go struct or pointer that templates can read fields of and call methods on (`.Files`,
/// `.Capabilities`, a `semver` result, a `time.Time`, a `genCA` certificate).
pub trait Object: fmt::Debug + Send + Sync {
    /// Go's type name, as `typeOf` prints it (`*semver.Version`, `time.Time`).
    fn type_name(&self) -> &'static str;
    /// Go's kind name, as `kindOf` prints it (`ptr`, `struct`).
    fn kind_name(&self) -> &'static str;
    /// A field or a method called without arguments; `None` when there is neither.
    fn field(&self, name: &str) -> Option<Value>;
    /// Whether `name` is a method (Go lets only methods take arguments).
    fn has_method(&self, _name: &str) -> bool {
        false
    }
    /// Calls method `name` with arguments.
    ///
    /// # Errors
    /// The method's failure, or wrong arguments.
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        Err(format!("{name} is not a method"))
    }
    /// Go's `%v` of the value.
    fn fmt_go(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// What `encoding/json` makes of it (its exported fields), for `toJson` and `toYaml`.
    fn to_data(&self) -> Value;
    /// Go's truth of the value: a struct or pointer is true; a map or slice type is true when
    /// it is not empty.
    fn is_true(&self) -> bool {
        self.elements().is_none_or(|e| e.is_true())
    }
    /// What an action prints when the value's pointer is a `fmt.Stringer` (Go's template
    /// printing takes the address of such a value; `fmt` inside other values does not).
    fn action_text(&self) -> Option<String> {
        None
    }
    /// What `range`, `len` and `index` see when the Go type is a map or slice with methods
    /// (`.Files`, `.Capabilities.APIVersions`): the contents as a plain map or list.
    fn elements(&self) -> Option<Value> {
        None
    }
    /// For functions that take this concrete type.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A value as a Go template sees it.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// `nil` (also a missing value).
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// A signed integer of some Go integer type.
    Int(i64, IntKind),
    /// `uint64`.
    Uint(u64),
    /// `float64`.
    Float(f64),
    /// `string`.
    String(Arc<str>),
    /// A slice.
    List(Arc<Vec<Value>>, ListKind),
    /// `map[string]interface {}` (Go iterates and prints it in key order).
    Map(Map),
    /// A Go struct or pointer to one.
    Object(Arc<dyn Object>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a, ka), Value::Int(b, kb)) => a == b && ka == kb,
            (Value::Uint(a), Value::Uint(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a, ka), Value::List(b, kb)) => ka == kb && (Arc::ptr_eq(a, b) || a == b),
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Value {
    /// A `string`.
    pub fn string(s: impl Into<Arc<str>>) -> Self {
        Value::String(s.into())
    }

    /// An `int`.
    pub fn int(i: i64) -> Self {
        Value::Int(i, IntKind::Int)
    }

    /// A `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Self {
        Value::List(Arc::new(items), ListKind::Interface)
    }

    /// A `map[string]interface {}`.
    pub fn map(entries: BTreeMap<String, Value>) -> Self {
        Value::Map(Map::new(entries))
    }

    /// A Go struct or pointer.
    pub fn object(o: impl Object + 'static) -> Self {
        Value::Object(Arc::new(o))
    }

    /// Converts decoded JSON (or YAML read through JSON, as Helm does): every number becomes
    /// `float64`, objects `map[string]interface {}`, arrays `[]interface {}`.
    pub fn from_json(v: &serde_json::Value) -> Self {
        // documents nested thousands deep are valid YAML; grow the stack rather than overflow
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || Self::from_json_level(v, false))
    }

    /// Converts a chart's values, which hold Go's `int64` where `--set` parsed an integer:
    /// a `serde_json` integer becomes `int64`, a float `float64` (YAML and JSON documents give
    /// only floats, as Helm decodes them); otherwise as [`Value::from_json`].
    pub fn from_values_json(v: &serde_json::Value) -> Self {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || Self::from_json_level(v, true))
    }

    /// [`Value::from_values_json`] of a JSON object, without wrapping (copying) it first.
    pub fn from_values_json_object(m: &serde_json::Map<String, serde_json::Value>) -> Map {
        Map::new(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::from_values_json(v)))
                .collect(),
        )
    }

    fn from_json_level(v: &serde_json::Value, keep_ints: bool) -> Self {
        let nested = |v: &serde_json::Value| {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                Self::from_json_level(v, keep_ints)
            })
        };
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) if keep_ints => Value::Int(i, IntKind::Int64),
                _ => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::string(s.as_str()),
            serde_json::Value::Array(items) => Value::list(items.iter().map(nested).collect()),
            serde_json::Value::Object(m) => {
                Value::map(m.iter().map(|(k, v)| (k.clone(), nested(v))).collect())
            }
        }
    }

    /// Go's `reflect.Type.String()` of the value, as Sprig's `typeOf` prints it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_, IntKind::Int) => "int",
            Value::Int(_, IntKind::Int64) => "int64",
            Value::Int(_, IntKind::Int32) => "int32",
            Value::Int(_, IntKind::Uint8) => "uint8",
            Value::Uint(_) => "uint64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(_, ListKind::Interface) => "[]interface {}",
            Value::List(_, ListKind::String) => "[]string",
            Value::List(_, ListKind::Int) => "[]int",
            Value::List(_, ListKind::Bytes) => "[]uint8",
            Value::Map(m) if m.go_type() == MapType::Values => "common.Values",
            Value::Map(_) => "map[string]interface {}",
            Value::Object(o) => o.type_name(),
        }
    }

    /// Go's `reflect.Kind.String()` of the value, as Sprig's `kindOf` prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_, IntKind::Int) => "int",
            Value::Int(_, IntKind::Int64) => "int64",
            Value::Int(_, IntKind::Int32) => "int32",
            Value::Int(_, IntKind::Uint8) => "uint8",
            Value::Uint(_) => "uint64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(..) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind_name(),
        }
    }

    /// Go's template truthiness (`if`, `with`, `and`, `or`, `not`): false, zero numbers, empty
    /// strings, slices and maps, and nil are false; everything else is true.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Uint(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l, _) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.is_true(),
        }
    }
}

/// The shortest decimal digits that read back as `f` (positive, finite) and the decimal exponent
/// of the first digit, as Go's strconv computes them. Rust's `{:e}` yields the same digits except
/// when the exact binary value lies exactly halfway between two shortest candidates: Rust rounds
/// up, Go takes the even digit (612887938274806.25 is `...806.2` in Go, `...806.3` in Rust).
pub fn shortest_decimal(f: f64) -> (Vec<u8>, i32) {
    let split = |s: &str| -> (Vec<u8>, i32) {
        let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
        (
            mantissa.bytes().filter(u8::is_ascii_digit).collect(),
            exp.parse().unwrap_or(0),
        )
    };
    let (digits, exp) = split(&format!("{f:e}"));
    let n = digits.len();
    // A tie needs two adjacent n-digit decimals within one ulp, so n is at least 15.
    if n < 15 {
        return (digits, exp);
    }
    // 767 decimals after the point hold every f64 exactly.
    let (exact, exact_exp) = split(&format!("{f:.767e}"));
    if exact_exp != exp
        || exact.len() <= n
        || exact[n] != b'5'
        || exact[n + 1..].iter().any(|&d| d != b'0')
    {
        return (digits, exp);
    }
    let lower = exact[..n].to_vec();
    let mut upper = lower.clone();
    let mut k = n;
    while k > 0 && upper[k - 1] == b'9' {
        upper[k - 1] = b'0';
        k -= 1;
    }
    if k == 0 {
        return (digits, exp);
    }
    upper[k - 1] += 1;
    let even = if (lower[n - 1] - b'0').is_multiple_of(2) {
        lower
    } else {
        upper
    };
    let text = format!(
        "{}.{}e{exp}",
        char::from(even[0]),
        String::from_utf8_lossy(&even[1..])
    );
    if even != digits && text.parse::<f64>() == Ok(f) {
        (even, exp)
    } else {
        (digits, exp)
    }
}

/// Formats a float64 as Go's `%v` does: the shortest digits that round-trip, in exponent form
/// (`1e+06`, `1.5e-05`) when the decimal exponent is below -4 or at least 6.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let (digits, exp) = shortest_decimal(f.abs());
    let negative = f < 0.0;
    let digits = String::from_utf8(digits).unwrap_or_default();
    // Go's %v formats with the shortest precision, and then uses %e when the exponent is below
    // -4 or at least 6 (strconv's 'g' rule with eprec fixed at 6 for shortest formatting).
    let eprec = 6;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp >= 0 {
        let point = exp as usize + 1;
        if digits.len() <= point {
            out.push_str(&digits);
            out.push_str(&"0".repeat(point - digits.len()));
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    } else {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exp - 1) as usize));
        out.push_str(&digits);
    }
    out
}

impl fmt::Display for Value {
    /// Go's `fmt.Sprint` (the `%v` verb) of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_go(f, self, 0)
    }
}

fn write_go(f: &mut fmt::Formatter<'_>, value: &Value, depth: usize) -> fmt::Result {
    if depth > MAX_NESTING {
        return write!(f, "...");
    }
    match value {
        Value::Nil => write!(f, "<nil>"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i, _) => write!(f, "{i}"),
        Value::Uint(u) => write!(f, "{u}"),
        Value::Float(x) => write!(f, "{}", format_float(*x)),
        Value::String(s) => f.write_str(s),
        Value::List(items, _) => {
            write!(f, "[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " ")?;
                }
                write_go(f, item, depth + 1)?;
            }
            write!(f, "]")
        }
        Value::Map(m) => {
            write!(f, "map[")?;
            for (i, (k, v)) in m.shared_entries().iter().enumerate() {
                if i > 0 {
                    write!(f, " ")?;
                }
                write!(f, "{k}:")?;
                write_go(f, v, depth + 1)?;
            }
            write!(f, "]")
        }
        Value::Object(o) => o.fmt_go(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each expected string was printed by Helm v4.2.3 (helm_python) for the same value.
    #[test]
    fn floats_print_as_go_prints_them() {
        for (f, go) in [
            (1.0, "1"),
            (1.5, "1.5"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456.7, "123456.7"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000015, "1.5e-05"),
            (-2.5, "-2.5"),
            (3.0e21, "3e+21"),
            (0.1 + 0.2, "0.30000000000000004"),
            (8080.0, "8080"),
            (1e100, "1e+100"),
            (f64::INFINITY, "+Inf"),
            (-0.0, "-0"),
        ] {
            assert_eq!(format_float(f), go, "{f}");
        }
    }

    #[test]
    fn values_from_yaml_are_float64_maps_and_interface_slices() {
        let v = Value::from_json(
            &serde_json::json!({"replicas": 3, "tags": ["a"], "on": true, "none": null}),
        );
        let Value::Map(m) = &v else { panic!() };
        let field = |k: &str| m.get(k).unwrap();
        assert_eq!(field("replicas").type_name(), "float64");
        assert_eq!(field("tags").type_name(), "[]interface {}");
        assert_eq!(field("tags").kind_name(), "slice");
        assert_eq!(field("none").kind_name(), "invalid");
        assert_eq!(v.type_name(), "map[string]interface {}");
        assert_eq!(v.to_string(), "map[none:<nil> on:true replicas:3 tags:[a]]");
        // as Helm printed `{{ .Values.m }}` and `{{ .Values.l }}`
        let m = Value::from_json(&serde_json::json!({"z": 1, "a": [1, "x"]}));
        assert_eq!(m.to_string(), "map[a:[1 x] z:1]");
        let l = Value::from_json(&serde_json::json!([1, 2.5, "x", null, true]));
        assert_eq!(l.to_string(), "[1 2.5 x <nil> true]");
    }

    #[test]
    fn truthiness_follows_go() {
        for falsy in [
            Value::Nil,
            Value::Bool(false),
            Value::int(0),
            Value::Float(0.0),
            Value::string(""),
            Value::list(vec![]),
            Value::map(BTreeMap::new()),
        ] {
            assert!(!falsy.is_true(), "{falsy:?}");
        }
        for truthy in [
            Value::Bool(true),
            Value::int(-1),
            Value::Float(0.5),
            Value::string("0"),
            Value::list(vec![Value::Nil]),
        ] {
            assert!(truthy.is_true(), "{truthy:?}");
        }
    }
}
