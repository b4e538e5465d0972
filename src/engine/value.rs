//! The values templates work on, modelled on the Go values Helm's templates see: values read
//! from YAML arrive as `map[string]interface {}`, `[]interface {}`, `string`, `bool` and
//! `float64` (every number, as Helm decodes through JSON); functions add `int`, `int64`, `[]string`
//! and the like. Printing follows Go's `fmt.Sprint`, including float formatting (`1e+06`),
//! and `typeOf`/`kindOf` report Go's type names.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

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
    Map(Arc<BTreeMap<String, Value>>),
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
            (Value::Map(a), Value::Map(b)) => Arc::ptr_eq(a, b) || a == b,
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
        Value::Map(Arc::new(entries))
    }

    /// Converts decoded JSON (or YAML read through JSON, as Helm does): every number becomes
    /// `float64`, objects `map[string]interface {}`, arrays `[]interface {}`.
    pub fn from_json(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::string(s.as_str()),
            serde_json::Value::Array(items) => {
                Value::list(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(m) => Value::map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
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
            Value::Map(_) => "map[string]interface {}",
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
        }
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
    // Rust's `{:e}` gives the shortest round-trip digits, like Go's shortest formatting.
    let sci = format!("{:e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
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
        match self {
            Value::Nil => write!(f, "<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i, _) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}"),
            Value::Float(x) => write!(f, "{}", format_float(*x)),
            Value::String(s) => write!(f, "{s}"),
            Value::List(items, _) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "map[")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                write!(f, "]")
            }
        }
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
        assert_eq!(m["replicas"].type_name(), "float64");
        assert_eq!(m["tags"].type_name(), "[]interface {}");
        assert_eq!(m["tags"].kind_name(), "slice");
        assert_eq!(m["none"].kind_name(), "invalid");
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
