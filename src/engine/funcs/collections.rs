//! Sprig's (v3.3.0, as Helm v4.2.3 bundles it) list, dict, math, conversion, default and
//! reflection functions, with the Go semantics charts observe: Go's types in results (`int64`
//! from integer math, `float64` from the `*f` family, `[]int` from `until`), `spf13/cast` v1.7.0
//! conversions (`"0x1F"` is 31, `"12.0"` is 12, `"1e3"` is 0 as an integer), `dario.cat/mergo`
//! v1.0.1 merging (which values overwrite, nil and empty values, nested maps merged in place),
//! `shopspring/decimal` arithmetic for `addf` and friends (`addf 0.1 0.2` is 0.3), and the
//! messages Helm shows when a Sprig function panics (`Cannot find first on type float64`,
//! `runtime error: integer divide by zero`).

use std::sync::Arc;

use crate::engine::exec::Context;
use crate::engine::funcs::{Registry, Ty};
use crate::engine::value::{IntKind, ListKind, MAX_NESTING, Map, MapType, Value, shortest_decimal};

/// What Go's runtime says when Sprig calls `reflect.TypeOf(nil).Kind()`.
const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";
/// What Go's runtime says when `make` gets a negative length.
const MAKESLICE: &str = "runtime error: makeslice: len out of range";
/// What Go's runtime says on an integer division by zero.
const DIVIDE_BY_ZERO: &str = "runtime error: integer divide by zero";

/// Registers the family, each function with its Go signature from Sprig.
pub fn register(r: &mut Registry) {
    use Ty::{Any, Bool, Float64, Int, Map as M, String as S};

    // lists
    r.add("list", &[], Some(Any), list);
    r.add("tuple", &[], Some(Any), list);
    for name in ["append", "push", "mustAppend", "mustPush"] {
        r.add(name, &[Any, Any], None, push);
    }
    r.add("prepend", &[Any, Any], None, prepend);
    r.add("mustPrepend", &[Any, Any], None, prepend);
    r.add("first", &[Any], None, first);
    r.add("mustFirst", &[Any], None, first);
    r.add("rest", &[Any], None, rest);
    r.add("mustRest", &[Any], None, rest);
    r.add("last", &[Any], None, last);
    r.add("mustLast", &[Any], None, last);
    r.add("initial", &[Any], None, initial);
    r.add("mustInitial", &[Any], None, initial);
    r.add("reverse", &[Any], None, reverse);
    r.add("mustReverse", &[Any], None, reverse);
    r.add("uniq", &[Any], None, uniq);
    r.add("mustUniq", &[Any], None, uniq);
    r.add("without", &[Any], Some(Any), without);
    r.add("mustWithout", &[Any], Some(Any), without);
    r.add("has", &[Any, Any], None, has);
    r.add("mustHas", &[Any, Any], None, has);
    r.add("compact", &[Any], None, compact);
    r.add("mustCompact", &[Any], None, compact);
    r.add("mustSlice", &[Any], Some(Any), must_slice);
    // Sprig's `slice` panics where `mustSlice` returns the error; Helm shows both the same way
    r.add("slice", &[Any], Some(Any), must_slice);
    r.add("concat", &[], Some(Any), concat);
    r.add("chunk", &[Int, Any], None, chunk);
    r.add("mustChunk", &[Int, Any], None, chunk);
    r.add("sortAlpha", &[Any], None, sort_alpha);

    // dicts
    r.add("dict", &[], Some(Any), dict);
    r.add("get", &[M, S], None, get);
    r.add("set", &[M, S, Any], None, set);
    r.add("unset", &[M, S], None, unset);
    r.add("hasKey", &[M, S], None, has_key);
    r.add("pluck", &[S], Some(M), pluck);
    r.add("keys", &[], Some(M), keys);
    r.add("pick", &[M], Some(S), pick);
    r.add("omit", &[M], Some(S), omit);
    r.add("merge", &[M], Some(M), merge);
    r.add("mustMerge", &[M], Some(M), merge);
    r.add("mergeOverwrite", &[M], Some(M), merge_overwrite);
    r.add("mustMergeOverwrite", &[M], Some(M), merge_overwrite);
    r.add("values", &[M], None, values);
    r.add("deepCopy", &[Any], None, deep_copy);
    r.add("mustDeepCopy", &[Any], None, deep_copy);
    r.add("dig", &[], Some(Any), dig);

    // integer math
    r.add("add", &[], Some(Any), add);
    r.add("add1", &[Any], None, add1);
    r.add("sub", &[Any, Any], None, sub);
    r.add("div", &[Any, Any], None, div);
    r.add("mod", &[Any, Any], None, modulo);
    r.add("mul", &[Any], Some(Any), mul);
    r.add("max", &[Any], Some(Any), max);
    r.add("biggest", &[Any], Some(Any), max);
    r.add("min", &[Any], Some(Any), min);
    r.add("randInt", &[Int, Int], None, rand_int);
    r.add("until", &[Int], None, until);
    r.add("untilStep", &[Int, Int, Int], None, until_step);
    r.add("seq", &[], Some(Int), seq);

    // float math
    r.add("floor", &[Any], None, floor);
    r.add("ceil", &[Any], None, ceil);
    r.add("round", &[Any, Int], Some(Float64), round);
    r.add("maxf", &[Any], Some(Any), maxf);
    r.add("minf", &[Any], Some(Any), minf);
    r.add("addf", &[], Some(Any), addf);
    r.add("add1f", &[Any], None, add1f);
    r.add("subf", &[Any], Some(Any), subf);
    r.add("divf", &[Any], Some(Any), divf);
    r.add("mulf", &[Any], Some(Any), mulf);

    // conversions
    r.add("int", &[Any], None, to_int);
    r.add("int64", &[Any], None, to_int64);
    r.add("float64", &[Any], None, to_float64);
    r.add("atoi", &[S], None, atoi);
    r.add("toDecimal", &[Any], None, to_decimal);

    // defaults
    r.add("default", &[Any], Some(Any), default);
    r.add("empty", &[Any], None, empty);
    r.add("coalesce", &[], Some(Any), coalesce);
    r.add("all", &[], Some(Any), all);
    r.add("any", &[], Some(Any), any);
    r.add("ternary", &[Any, Any, Bool], None, ternary);

    // reflection
    r.add("deepEqual", &[Any, Any], None, deep_equal_fn);
    r.add("typeOf", &[Any], None, type_of);
    r.add("typeIs", &[S, Any], None, type_is);
    r.add("typeIsLike", &[S, Any], None, type_is_like);
    r.add("kindOf", &[Any], None, kind_of);
    r.add("kindIs", &[S, Any], None, kind_is);
}

type Res = Result<Value, String>;

// ---------------------------------------------------------------------------------------------
// Go semantics shared by the functions

/// Sprig's `empty`: nil, false, zero numbers and empty strings, slices and maps are empty;
/// structs and non-nil pointers never are.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l, _) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) => false,
    }
}

/// Sprig's `strval`: strings as they are, anything else as `fmt.Sprint` prints it.
fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// Go's `reflect.DeepEqual`: identical types and deeply equal contents (floats by `==`, so
/// NaN differs from itself unless both sides are the very same slice or map).
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_NESTING {
        return false;
    }
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, kx), Value::Int(y, ky)) => kx == ky && x == y,
        (Value::Uint(x), Value::Uint(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x, kx), Value::List(y, ky)) => {
            kx == ky
                && (Arc::ptr_eq(x, y)
                    || (x.len() == y.len()
                        && x.iter()
                            .zip(y.iter())
                            .all(|(p, q)| deep_equal_at(p, q, depth + 1))))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (ex, ey) = (x.entries(), y.entries());
            ex.len() == ey.len()
                && ex
                    .iter()
                    .zip(ey.iter())
                    .all(|((kx, vx), (ky, vy))| kx == ky && deep_equal_at(vx, vy, depth + 1))
        }
        (Value::Object(x), Value::Object(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

/// A copy sharing no slice or map with `v`, as `copystructure.Copy` makes.
fn deep_copy_value(v: &Value, depth: usize) -> Value {
    if depth > MAX_NESTING {
        return Value::Nil;
    }
    match v {
        Value::List(items, kind) => Value::List(
            Arc::new(
                items
                    .iter()
                    .map(|i| deep_copy_value(i, depth + 1))
                    .collect(),
            ),
            *kind,
        ),
        Value::Map(m) => Value::map(
            m.entries()
                .into_iter()
                .map(|(k, v)| (k, deep_copy_value(&v, depth + 1)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Go's `int64(f)` on amd64: truncation, and the "integer indefinite" value for NaN and
/// anything out of range.
fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Why `strconv.ParseInt` failed.
#[derive(Debug, PartialEq)]
enum NumError {
    Syntax,
    /// Out of range; Go returns the clamped value along with the error.
    Range(i64),
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut s = s.as_bytes();
    let mut saw = b'^';
    if let [b'-' | b'+', rest @ ..] = s {
        s = rest;
    }
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
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

/// Go's `strconv.ParseUint(s, base, 64)`; base 0 reads Go's prefixes and underscores.
fn go_parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(NumError::Syntax);
    }
    let base0 = base == 0;
    let (mut base, mut digits) = (base, bytes);
    if base0 {
        base = 10;
        if bytes[0] == b'0' {
            match bytes.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if bytes.len() >= 3 => (base, digits) = (2, &bytes[2..]),
                Some(b'o') if bytes.len() >= 3 => (base, digits) = (8, &bytes[2..]),
                Some(b'x') if bytes.len() >= 3 => (base, digits) = (16, &bytes[2..]),
                _ => (base, digits) = (8, &bytes[1..]),
            }
        }
    }
    let cutoff = u64::MAX / u64::from(base) + 1;
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            c if c.is_ascii_alphabetic() => c.to_ascii_lowercase() - b'a' + 10,
            _ => return Err(NumError::Syntax),
        };
        if u32::from(d) >= base {
            return Err(NumError::Syntax);
        }
        if n >= cutoff {
            return Err(NumError::Range(0));
        }
        n *= u64::from(base);
        match n.checked_add(u64::from(d)) {
            Some(n1) => n = n1,
            None => return Err(NumError::Range(0)),
        }
    }
    if underscores && !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    Ok(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`.
fn go_parse_int(s: &str, base: u32) -> Result<i64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    let (neg, rest) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = match go_parse_uint(rest, base) {
        Ok(u) => u,
        Err(NumError::Range(_)) => u64::MAX,
        Err(e) => return Err(e),
    };
    const CUTOFF: u64 = 1 << 63;
    if !neg && un >= CUTOFF {
        return Err(NumError::Range(i64::MAX));
    }
    if neg && un > CUTOFF {
        return Err(NumError::Range(i64::MIN));
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// cast's `trimZeroDecimal`: `"12.00"` becomes `"12"`, `"12.50"` stays.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, c) in s.bytes().enumerate().rev() {
        match c {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `strconv.ParseFloat(s, 64)`; `None` for syntax errors and overflow (where cast
/// returns 0).
fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    // `special`: [+-]inf, [+-]infinity, nan, any case
    {
        let (sign, body) = match b.first() {
            Some(b'+') => (Some(1.0), &b[1..]),
            Some(b'-') => (Some(-1.0), &b[1..]),
            _ => (None, b),
        };
        let prefix = |word: &[u8]| {
            body.iter()
                .zip(word)
                .take_while(|(x, y)| x.to_ascii_lowercase() == **y)
                .count()
        };
        if matches!(body.first(), Some(b'i' | b'I')) {
            let mut n = prefix(b"infinity");
            if 3 < n && n < 8 {
                n = 3;
            }
            if (n == 3 || n == 8) && n == body.len() {
                return Some(sign.unwrap_or(1.0) * f64::INFINITY);
            }
        } else if sign.is_none()
            && matches!(body.first(), Some(b'n' | b'N'))
            && prefix(b"nan") == 3
            && body.len() == 3
        {
            return Some(f64::NAN);
        }
    }
    // `readFloat`'s syntax
    let mut i = 0;
    let neg = matches!(b.first(), Some(b'-'));
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let hex = b.len() >= i + 2 && b[i] == b'0' && b[i + 1].eq_ignore_ascii_case(&b'x');
    if hex {
        i += 2;
    }
    let mant_start = i;
    let (mut underscores, mut saw_dot, mut saw_digits) = (false, false, false);
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if saw_dot {
                break;
            }
            saw_dot = true;
        } else if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw_digits = true;
        } else {
            break;
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mant_end = i;
    let mut exp: i64 = 0;
    let exp_char = if hex { b'p' } else { b'e' };
    if i < b.len() && b[i].to_ascii_lowercase() == exp_char {
        i += 1;
        let mut exp_neg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            exp_neg = b[i] == b'-';
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if exp < 100_000 {
                exp = exp * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if exp_neg {
            exp = -exp;
        }
    } else if hex {
        return None;
    }
    if i != b.len() || (underscores && !underscore_ok(s)) {
        return None;
    }
    let mantissa: String = s[mant_start..mant_end]
        .chars()
        .filter(|c| *c != '_')
        .collect();
    let value = if hex {
        parse_hex_float(&mantissa, exp)
    } else {
        format!("{mantissa}e{exp}").parse::<f64>().ok()?
    };
    if value.is_infinite() {
        return None;
    }
    Some(if neg { -value } else { value })
}

/// The value of a hexadecimal mantissa (with an optional point) times 2^exp.
fn parse_hex_float(mantissa: &str, exp: i64) -> f64 {
    let mut m: u64 = 0;
    let mut exp2 = exp;
    let mut sticky = false;
    let mut after_dot = false;
    for c in mantissa.chars() {
        if c == '.' {
            after_dot = true;
            continue;
        }
        let d = u64::from(c.to_digit(16).unwrap_or(0));
        if m >> 56 == 0 {
            m = m * 16 + d;
            if after_dot {
                exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !after_dot {
                exp2 += 4;
            }
        }
    }
    let m = m | u64::from(sticky);
    go_ldexp(m as f64, exp2.clamp(-100_000, 100_000) as i32)
}

/// spf13/cast v1.7.0's `ToInt64` (and `ToInt`, the same on 64-bit platforms), which Sprig
/// applies to numeric arguments and `slice` indexes: strings in Go's integer syntax (`"0x1F"`,
/// `"1_000"`, and `"12.00"` with zero decimals), floats truncated, bools as 0 and 1, and 0 for
/// anything else.
pub fn cast_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u) => *u as i64,
        Value::Float(f) => go_f64_to_i64(*f),
        Value::String(s) => go_parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// spf13/cast v1.7.0's `ToFloat64`: strings in Go's float syntax, bools as 0 and 1, and 0 for
/// anything else (overflowing strings included).
pub fn cast_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::Float(f) => *f,
        Value::String(s) => go_parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

fn int64(i: i64) -> Value {
    Value::Int(i, IntKind::Int64)
}

/// The elements of a slice argument; `what` makes Sprig's message for other kinds, and nil
/// fails as Go does when Sprig asks `reflect.TypeOf(nil)` for its kind.
fn elements(
    v: &Value,
    what: impl FnOnce(&str) -> String,
) -> Result<std::borrow::Cow<'_, [Value]>, String> {
    match v {
        Value::List(items, _) => Ok(std::borrow::Cow::Borrowed(&items[..])),
        Value::Nil => Err(NIL_DEREF.into()),
        // a Go slice type with methods (`.Capabilities.APIVersions`) is still a slice
        Value::Object(o) if o.kind_name() == "slice" => match o.elements() {
            Some(Value::List(items, _)) => Ok(std::borrow::Cow::Owned(items.to_vec())),
            _ => Err(what(o.kind_name())),
        },
        other => Err(what(other.kind_name())),
    }
}

fn interface_list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items), ListKind::Interface)
}

fn string_list(items: Vec<String>) -> Value {
    Value::List(
        Arc::new(items.into_iter().map(Value::string).collect()),
        ListKind::String,
    )
}

fn int_list(items: Vec<i64>) -> Value {
    Value::List(
        Arc::new(items.into_iter().map(Value::int).collect()),
        ListKind::Int,
    )
}

/// The largest list `until`, `untilStep` and `seq` build: Go would try any size, we refuse
/// before exhausting memory.
fn max_generated(ctx: &Context<'_>) -> usize {
    (ctx.limits.max_output / 16).max(1 << 16)
}

// ---------------------------------------------------------------------------------------------
// lists

fn list(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(interface_list(args.to_vec()))
}

fn push(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot push on type {k}"))?;
    let mut out = items.to_vec();
    out.push(args[1].clone());
    Ok(interface_list(out))
}

fn prepend(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot prepend on type {k}"))?;
    let mut out = Vec::with_capacity(items.len() + 1);
    out.push(args[1].clone());
    out.extend_from_slice(&items);
    Ok(interface_list(out))
}

fn first(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find first on type {k}"))?;
    Ok(items.first().cloned().unwrap_or(Value::Nil))
}

fn last(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find last on type {k}"))?;
    Ok(items.last().cloned().unwrap_or(Value::Nil))
}

fn rest(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find rest on type {k}"))?;
    // an empty list gives a nil []interface {}, which prints as an empty one
    Ok(interface_list(items.get(1..).unwrap_or_default().to_vec()))
}

fn initial(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find initial on type {k}"))?;
    let end = items.len().saturating_sub(1);
    Ok(interface_list(items[..end].to_vec()))
}

fn reverse(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find reverse on type {k}"))?;
    Ok(interface_list(items.iter().rev().cloned().collect()))
}

fn uniq(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find uniq on type {k}"))?;
    let mut out: Vec<Value> = Vec::new();
    for item in items.iter() {
        if !out.iter().any(|o| deep_equal(item, o)) {
            out.push(item.clone());
        }
    }
    Ok(interface_list(out))
}

fn without(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot find without on type {k}"))?;
    let omit = &args[1..];
    Ok(interface_list(
        items
            .iter()
            .filter(|item| !omit.iter().any(|o| deep_equal(item, o)))
            .cloned()
            .collect(),
    ))
}

fn has(args: &[Value], _: &mut Context<'_>) -> Res {
    if matches!(args[1], Value::Nil) {
        return Ok(Value::Bool(false));
    }
    let items = elements(&args[1], |k| format!("Cannot find has on type {k}"))?;
    Ok(Value::Bool(items.iter().any(|i| deep_equal(&args[0], i))))
}

fn compact(args: &[Value], _: &mut Context<'_>) -> Res {
    let items = elements(&args[0], |k| format!("Cannot compact on type {k}"))?;
    Ok(interface_list(
        items.iter().filter(|i| !is_empty(i)).cloned().collect(),
    ))
}

/// Sprig's `mustSlice list [start [end]]` (Go's `slice` builtin is shadowed by Sprig's, which
/// the executor provides).
fn must_slice(args: &[Value], _: &mut Context<'_>) -> Res {
    let (items, kind) = match &args[0] {
        Value::List(items, kind) => (items, *kind),
        Value::Nil => return Err(NIL_DEREF.into()),
        other => {
            return Err(format!(
                "list should be type of slice or array but {}",
                other.kind_name()
            ));
        }
    };
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let start = args.get(1).map_or(0, cast_i64);
    let end = args.get(2).map_or(items.len() as i64, cast_i64);
    if start < 0 || end < start || end > items.len() as i64 {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Value::List(
        Arc::new(items[start as usize..end as usize].to_vec()),
        kind,
    ))
}

fn concat(args: &[Value], _: &mut Context<'_>) -> Res {
    let mut out = Vec::new();
    for arg in args {
        out.extend_from_slice(&elements(arg, |k| {
            format!("Cannot concat type {k} as list")
        })?);
    }
    Ok(interface_list(out))
}

/// Sprig's `chunk`, float arithmetic and Go's conversions included, so odd sizes fail (or
/// not) as they do in Helm.
fn chunk(args: &[Value], _: &mut Context<'_>) -> Res {
    let Value::Int(size, _) = args[0] else {
        return Err("chunk size must be an int".into());
    };
    let items = elements(&args[1], |k| format!("Cannot chunk type {k}"))?;
    let l = items.len() as i64;
    let count = go_f64_to_i64(((l - 1) as f64 / size as f64).floor() + 1.0);
    if count < 0 {
        return Err(MAKESLICE.into());
    }
    let mut out = Vec::new();
    for i in 0..count {
        let mut len = size;
        if i == count - 1 {
            len = go_f64_to_i64(((l as f64) % (size as f64)).floor());
            if len == 0 {
                len = size;
            }
        }
        if len < 0 {
            return Err(MAKESLICE.into());
        }
        let mut part = Vec::new();
        for j in 0..len {
            let ix = i.wrapping_mul(size).wrapping_add(j);
            if ix < 0 {
                return Err(format!("runtime error: index out of range [{ix}]"));
            }
            match items.get(ix as usize) {
                Some(v) => part.push(v.clone()),
                None => {
                    return Err(format!(
                        "runtime error: index out of range [{ix}] with length {l}"
                    ));
                }
            }
        }
        // Go's result is [][]interface {}; the value model types the outer list as
        // []interface {}
        out.push(interface_list(part));
    }
    Ok(interface_list(out))
}

/// Sprig's `strslice`: a []string as it is, other slices element by element (nils dropped
/// from []interface {}), anything else as a one-element list.
fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(items, ListKind::String) => items.iter().map(strval).collect(),
        Value::List(items, ListKind::Interface) => items
            .iter()
            .filter(|i| !matches!(i, Value::Nil))
            .map(strval)
            .collect(),
        Value::List(items, _) => items.iter().map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn sort_alpha(args: &[Value], _: &mut Context<'_>) -> Res {
    let mut out = match &args[0] {
        list @ Value::List(..) => strslice(list),
        // a nil is not a slice, so it becomes one string: fmt's "<nil>"
        other => vec![strval(other)],
    };
    out.sort();
    Ok(string_list(out))
}

// ---------------------------------------------------------------------------------------------
// dicts

fn dict(args: &[Value], _: &mut Context<'_>) -> Res {
    let map = Map::default();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_else(|| Value::string(""));
        map.insert(strval(&pair[0]), value);
    }
    Ok(Value::Map(map))
}

/// A map parameter: a nil map reads as empty.
fn map_arg(v: &Value) -> Option<&Map> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn key_arg(v: &Value) -> String {
    strval(v)
}

fn get(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(map_arg(&args[0])
        .and_then(|m| m.get(&key_arg(&args[1])))
        .unwrap_or_else(|| Value::string("")))
}

fn set(args: &[Value], _: &mut Context<'_>) -> Res {
    let Some(m) = map_arg(&args[0]) else {
        return Err("assignment to entry in nil map".into());
    };
    m.insert(key_arg(&args[1]), args[2].clone());
    Ok(args[0].clone())
}

fn unset(args: &[Value], _: &mut Context<'_>) -> Res {
    match map_arg(&args[0]) {
        Some(m) => {
            m.remove(&key_arg(&args[1]));
            Ok(args[0].clone())
        }
        // a nil map comes back, and prints as map[]
        None => Ok(Value::Map(Map::default())),
    }
}

fn has_key(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(
        map_arg(&args[0]).is_some_and(|m| m.contains_key(&key_arg(&args[1]))),
    ))
}

fn pluck(args: &[Value], _: &mut Context<'_>) -> Res {
    let key = key_arg(&args[0]);
    Ok(interface_list(
        args[1..]
            .iter()
            .filter_map(|d| map_arg(d).and_then(|m| m.get(&key)))
            .collect(),
    ))
}

/// Go iterates maps in random order, so Helm's `keys` (and `values`) order varies from render
/// to render; ours is the sorted order, one of Helm's possible outputs.
fn keys(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(string_list(
        args.iter()
            .filter_map(map_arg)
            .flat_map(|m| m.keys())
            .collect(),
    ))
}

fn values(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(interface_list(
        map_arg(&args[0])
            .map(|m| m.entries().into_iter().map(|(_, v)| v).collect())
            .unwrap_or_default(),
    ))
}

fn pick(args: &[Value], _: &mut Context<'_>) -> Res {
    let out = Map::default();
    if let Some(m) = map_arg(&args[0]) {
        for k in &args[1..] {
            let k = key_arg(k);
            if let Some(v) = m.get(&k) {
                out.insert(k, v);
            }
        }
    }
    Ok(Value::Map(out))
}

fn omit(args: &[Value], _: &mut Context<'_>) -> Res {
    let omitted: Vec<String> = args[1..].iter().map(key_arg).collect();
    let out = Map::default();
    if let Some(m) = map_arg(&args[0]) {
        for (k, v) in m.entries() {
            if !omitted.contains(&k) {
                out.insert(k, v);
            }
        }
    }
    Ok(Value::Map(out))
}

fn merge(args: &[Value], _: &mut Context<'_>) -> Res {
    merge_all(args, false)
}

fn merge_overwrite(args: &[Value], _: &mut Context<'_>) -> Res {
    merge_all(args, true)
}

/// Sprig's merge: each source merged into `dst` in turn (a nil `dst` becomes a new map),
/// mutating it, and `dst` returned.
fn merge_all(args: &[Value], overwrite: bool) -> Res {
    let dst = match &args[0] {
        Value::Map(m) => m.clone(),
        _ => Map::default(),
    };
    for src in &args[1..] {
        if let Some(src) = map_arg(src) {
            mergo_map(&dst, src, overwrite, 0);
        }
    }
    Ok(Value::Map(dst))
}

/// mergo v1.0.1's `deepMerge` of two `map[string]interface {}`, as `mergo.Merge` and
/// `mergo.MergeWithOverwrite` run it:
/// - a nil source value is skipped, or (overwriting) stored as nil;
/// - a map source value is merged into a map destination value in place, and replaces it
///   only if the destination value is empty;
/// - otherwise (lists included: never appended) the source value is stored when overwriting,
///   or when the destination value is missing or empty.
fn mergo_map(dst: &Map, src: &Map, overwrite: bool, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    for key in src.keys() {
        let Some(s) = src.get(&key) else { continue };
        let d = dst.get(&key);
        if matches!(s, Value::Nil) {
            if overwrite {
                dst.insert(key, Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&s, &d) {
            mergo_map(dm, sm, overwrite, depth + 1);
        }
        if let Some(d) = &d
            && !is_empty(d)
            && (matches!(s, Value::List(..)) || matches!((&s, d), (Value::Map(_), Value::Map(_))))
        {
            if matches!(s, Value::List(..)) && overwrite {
                dst.insert(key, s);
            }
            continue;
        }
        if overwrite || d.as_ref().is_none_or(is_empty) {
            dst.insert(key, s);
        }
    }
}

fn deep_copy(args: &[Value], _: &mut Context<'_>) -> Res {
    if matches!(args[0], Value::Nil) {
        return Err("reflect: call of reflect.Value.Type on zero Value".into());
    }
    Ok(deep_copy_value(&args[0], 0))
}

/// Go's message for a failed type assertion to `want`.
fn conversion_error(v: &Value, want: &str) -> String {
    let got = match v {
        Value::Nil => "nil",
        other => other.type_name(),
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

/// `dig key... default dict`.
fn dig(args: &[Value], _: &mut Context<'_>) -> Res {
    if args.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    const MAP: &str = "map[string]interface {}";
    let (keys, tail) = args.split_at(args.len() - 2);
    let (default, dict) = (&tail[0], &tail[1]);
    // Sprig asserts the plain map type: Helm's named `common.Values` fails the assertion
    let mut current = match dict {
        Value::Map(m) if dict.type_name() == MAP => m.clone(),
        _ => return Err(conversion_error(dict, MAP)),
    };
    let mut names = Vec::with_capacity(keys.len());
    for k in keys {
        match k {
            Value::String(s) => names.push(s.to_string()),
            other => return Err(conversion_error(other, "string")),
        }
    }
    for (i, name) in names.iter().enumerate() {
        let Some(step) = current.get(name) else {
            return Ok(default.clone());
        };
        if i + 1 == names.len() {
            return Ok(step);
        }
        match step {
            Value::Map(m) if m.go_type() == MapType::Interface => current = m,
            other => return Err(conversion_error(&other, MAP)),
        }
    }
    Ok(default.clone())
}

// ---------------------------------------------------------------------------------------------
// integer math

fn add(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(
        args.iter().fold(0i64, |a, b| a.wrapping_add(cast_i64(b))),
    ))
}

fn add1(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(cast_i64(&args[0]).wrapping_add(1)))
}

fn sub(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(cast_i64(&args[0]).wrapping_sub(cast_i64(&args[1]))))
}

fn div(args: &[Value], _: &mut Context<'_>) -> Res {
    let (a, b) = (cast_i64(&args[0]), cast_i64(&args[1]));
    if b == 0 {
        return Err(DIVIDE_BY_ZERO.into());
    }
    Ok(int64(a.wrapping_div(b)))
}

fn modulo(args: &[Value], _: &mut Context<'_>) -> Res {
    let (a, b) = (cast_i64(&args[0]), cast_i64(&args[1]));
    if b == 0 {
        return Err(DIVIDE_BY_ZERO.into());
    }
    Ok(int64(a.wrapping_rem(b)))
}

fn mul(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(args[1..].iter().fold(cast_i64(&args[0]), |a, b| {
        a.wrapping_mul(cast_i64(b))
    })))
}

fn max(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(args.iter().map(cast_i64).max().unwrap_or(0)))
}

fn min(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(args.iter().map(cast_i64).min().unwrap_or(0)))
}

fn int_param(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

/// A random u64 from std's per-process random hashing keys and the clock.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

fn rand_int(args: &[Value], _: &mut Context<'_>) -> Res {
    let (lo, hi) = (int_param(&args[0]), int_param(&args[1]));
    let n = hi.wrapping_sub(lo);
    if n <= 0 {
        return Err("invalid argument to Intn".into());
    }
    Ok(Value::int(
        ((random_u64() % n as u64) as i64).wrapping_add(lo),
    ))
}

/// Sprig's `untilStep`, with Go's wrapping arithmetic.
fn until_step_values(
    start: i64,
    stop: i64,
    step: i64,
    ctx: &Context<'_>,
) -> Result<Vec<i64>, String> {
    let limit = max_generated(ctx);
    let mut out = Vec::new();
    let mut i = start;
    let ascending = stop >= start;
    if (ascending && step <= 0) || (!ascending && step >= 0) {
        return Ok(out);
    }
    while (ascending && i < stop) || (!ascending && i > stop) {
        if out.len() >= limit {
            return Err(format!("a list of more than {limit} numbers is too large"));
        }
        out.push(i);
        i = i.wrapping_add(step);
    }
    Ok(out)
}

fn until(args: &[Value], ctx: &mut Context<'_>) -> Res {
    let count = int_param(&args[0]);
    let step = if count < 0 { -1 } else { 1 };
    Ok(int_list(until_step_values(0, count, step, ctx)?))
}

fn until_step(args: &[Value], ctx: &mut Context<'_>) -> Res {
    let [start, stop, step] = [0, 1, 2].map(|i| int_param(&args[i]));
    Ok(int_list(until_step_values(start, stop, step, ctx)?))
}

fn seq(args: &[Value], ctx: &mut Context<'_>) -> Res {
    let p: Vec<i64> = args.iter().map(int_param).collect();
    let numbers = match p.as_slice() {
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            until_step_values(1, end.wrapping_add(inc), inc, ctx)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step_values(*start, end.wrapping_add(step), step, ctx)?
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if *step > 0 {
                    return Ok(Value::string(""));
                }
            }
            until_step_values(*start, end.wrapping_add(inc), *step, ctx)?
        }
        _ => Vec::new(),
    };
    let text: Vec<String> = numbers.iter().map(i64::to_string).collect();
    Ok(Value::string(text.join(" ")))
}

// ---------------------------------------------------------------------------------------------
// float math

fn float(f: f64) -> Value {
    Value::Float(f)
}

fn floor(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(float(cast_f64(&args[0]).floor()))
}

fn ceil(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(float(cast_f64(&args[0]).ceil()))
}

/// Go's `math.Max`.
fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        f64::INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { y } else { x }
    } else if x > y {
        x
    } else {
        y
    }
}

/// Go's `math.Min`.
fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if x == 0.0 && y == 0.0 {
        if x.is_sign_negative() { x } else { y }
    } else if x < y {
        x
    } else {
        y
    }
}

fn maxf(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(float(
        args[1..]
            .iter()
            .fold(cast_f64(&args[0]), |a, b| go_max(a, cast_f64(b))),
    ))
}

fn minf(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(float(
        args[1..]
            .iter()
            .fold(cast_f64(&args[0]), |a, b| go_min(a, cast_f64(b))),
    ))
}

/// Go's `math.Ldexp`: frac × 2^exp, rounding once for subnormal results.
fn go_ldexp(frac: f64, exp: i32) -> f64 {
    if frac == 0.0 || frac.is_infinite() || frac.is_nan() {
        return frac;
    }
    let (mut frac, mut exp) = (frac, i64::from(exp));
    if frac.abs() < f64::MIN_POSITIVE {
        frac *= (1u64 << 52) as f64;
        exp -= 52;
    }
    let mut bits = frac.to_bits();
    exp += ((bits >> 52) & 0x7ff) as i64 - 1023;
    if exp < -1075 {
        return 0.0f64.copysign(frac);
    }
    if exp > 1023 {
        return f64::INFINITY.copysign(frac);
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    bits &= !(0x7ff << 52);
    bits |= ((exp + 1023) as u64) << 52;
    m * f64::from_bits(bits)
}

/// Go's `math.Pow(10, y)` for an integral `y`, by its repeated squaring (which differs from
/// a correctly rounded power in the last bit for large exponents).
fn go_pow10(y: f64) -> f64 {
    if y == 0.0 {
        return 1.0;
    }
    if y == 1.0 {
        return 10.0;
    }
    let yi = y.abs();
    if yi >= 9_223_372_036_854_775_808.0 {
        return if y > 0.0 { f64::INFINITY } else { 0.0 };
    }
    let (mut a1, mut ae) = (1.0f64, 0i64);
    let (mut x1, mut xe) = (0.625f64, 4i64); // Frexp(10)
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    go_ldexp(a1, ae.clamp(-100_000, 100_000) as i32)
}

/// Sprig's `round value places [threshold]`: the fraction is compared with the threshold
/// (0.5) without regard to sign, so negative values round down (`round -2.4 0` is -3).
fn round(args: &[Value], _: &mut Context<'_>) -> Res {
    let round_on = match args.get(2) {
        Some(Value::Float(f)) => *f,
        _ => 0.5,
    };
    let val = cast_f64(&args[0]);
    let pow = go_pow10(int_param(&args[1]) as f64);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let rounded = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(float(rounded / pow))
}

fn decimal_op(first: &Value, rest: &[Value], op: fn(&Dec, &Dec) -> Result<Dec, String>) -> Res {
    let mut acc = Dec::from_f64(cast_f64(first))?;
    for v in rest {
        acc = op(&acc, &Dec::from_f64(cast_f64(v))?)?;
    }
    Ok(float(acc.to_f64()))
}

fn addf(args: &[Value], _: &mut Context<'_>) -> Res {
    decimal_op(&Value::Float(0.0), args, |a, b| Ok(a.add(b)))
}

fn add1f(args: &[Value], _: &mut Context<'_>) -> Res {
    decimal_op(&args[0], &[Value::int(1)], |a, b| Ok(a.add(b)))
}

fn subf(args: &[Value], _: &mut Context<'_>) -> Res {
    decimal_op(&args[0], &args[1..], |a, b| Ok(a.add(&b.neg())))
}

fn mulf(args: &[Value], _: &mut Context<'_>) -> Res {
    decimal_op(&args[0], &args[1..], |a, b| Ok(a.mul(b)))
}

fn divf(args: &[Value], _: &mut Context<'_>) -> Res {
    decimal_op(&args[0], &args[1..], Dec::div)
}

// ---------------------------------------------------------------------------------------------
// conversions

fn to_int(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::int(cast_i64(&args[0])))
}

fn to_int64(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(cast_i64(&args[0])))
}

fn to_float64(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(float(cast_f64(&args[0])))
}

/// `strconv.Atoi` with the error dropped: 0 for bad syntax, the clamped value when out of
/// range.
fn atoi(args: &[Value], _: &mut Context<'_>) -> Res {
    let s = strval(&args[0]);
    Ok(Value::int(match go_parse_int(&s, 10) {
        Ok(i) | Err(NumError::Range(i)) => i,
        Err(NumError::Syntax) => 0,
    }))
}

/// Reads `fmt.Sprint(v)` as an octal number (Unix permissions): 0 on any error.
fn to_decimal(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(int64(go_parse_int(&args[0].to_string(), 8).unwrap_or(0)))
}

// ---------------------------------------------------------------------------------------------
// defaults

fn default(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(match args.get(1) {
        Some(given) if !is_empty(given) => given.clone(),
        _ => args[0].clone(),
    })
}

fn empty(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(is_empty(&args[0])))
}

fn coalesce(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(args
        .iter()
        .find(|v| !is_empty(v))
        .cloned()
        .unwrap_or(Value::Nil))
}

fn all(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(args.iter().all(|v| !is_empty(v))))
}

fn any(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(args.iter().any(|v| !is_empty(v))))
}

fn ternary(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(if args[2].is_true() {
        args[0].clone()
    } else {
        args[1].clone()
    })
}

// ---------------------------------------------------------------------------------------------
// reflection

fn deep_equal_fn(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(deep_equal(&args[0], &args[1])))
}

fn type_of(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::string(args[0].type_name()))
}

fn type_is(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(strval(&args[0]) == args[1].type_name()))
}

fn type_is_like(args: &[Value], _: &mut Context<'_>) -> Res {
    let (target, t) = (strval(&args[0]), args[1].type_name());
    Ok(Value::Bool(
        target == t || t.strip_prefix('*') == Some(target.as_str()),
    ))
}

fn kind_of(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::string(args[0].kind_name()))
}

fn kind_is(args: &[Value], _: &mut Context<'_>) -> Res {
    Ok(Value::Bool(strval(&args[0]) == args[1].kind_name()))
}

// ---------------------------------------------------------------------------------------------
// shopspring/decimal, as far as `addf` and friends need it

/// An unsigned big integer in base 10^9, least significant limb first, no trailing zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl Big {
    fn zero() -> Self {
        Big(Vec::new())
    }

    fn from_u64(mut n: u64) -> Self {
        let mut limbs = Vec::new();
        while n > 0 {
            limbs.push((n % LIMB) as u32);
            n /= LIMB;
        }
        Big(limbs)
    }

    fn from_digits(digits: &str) -> Self {
        let bytes = digits.as_bytes();
        let mut limbs = Vec::new();
        let mut end = bytes.len();
        while end > 0 {
            let start = end.saturating_sub(9);
            let chunk = std::str::from_utf8(&bytes[start..end]).unwrap_or("0");
            limbs.push(chunk.parse().unwrap_or(0));
            end = start;
        }
        let mut big = Big(limbs);
        big.trim();
        big
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    fn add(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(other.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(other.0.len()) {
            let s = u64::from(*self.0.get(i).unwrap_or(&0))
                + u64::from(*other.0.get(i).unwrap_or(&0))
                + carry;
            out.push((s % LIMB) as u32);
            carry = s / LIMB;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        Big(out)
    }

    /// `self - other`, for `self >= other`.
    fn sub(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut d = i64::from(self.0[i]) - i64::from(*other.0.get(i).unwrap_or(&0)) - borrow;
            borrow = 0;
            if d < 0 {
                d += LIMB as i64;
                borrow = 1;
            }
            out.push(d as u32);
        }
        let mut big = Big(out);
        big.trim();
        big
    }

    fn mul_small(&self, m: u64) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 2);
        let mut carry = 0u64;
        for &limb in &self.0 {
            let p = u64::from(limb) * m + carry;
            out.push((p % LIMB) as u32);
            carry = p / LIMB;
        }
        while carry > 0 {
            out.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
        let mut big = Big(out);
        big.trim();
        big
    }

    fn mul(&self, other: &Big) -> Big {
        if self.is_zero() || other.is_zero() {
            return Big::zero();
        }
        let mut acc = vec![0u64; self.0.len() + other.0.len() + 1];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.0.iter().enumerate() {
                let t = acc[i + j] + u64::from(a) * u64::from(b) + carry;
                acc[i + j] = t % LIMB;
                carry = t / LIMB;
            }
            let mut k = i + other.0.len();
            while carry > 0 {
                let t = acc[k] + carry;
                acc[k] = t % LIMB;
                carry = t / LIMB;
                k += 1;
            }
        }
        let mut big = Big(acc.into_iter().map(|l| l as u32).collect());
        big.trim();
        big
    }

    fn mul_pow10(&self, k: u32) -> Big {
        if self.is_zero() {
            return Big::zero();
        }
        let mut limbs = vec![0u32; (k / 9) as usize];
        limbs.extend_from_slice(&self.0);
        Big(limbs).mul_small(10u64.pow(k % 9))
    }

    /// Quotient and remainder, by long division over limbs (each quotient limb found by
    /// bisection).
    fn div_rem(&self, d: &Big) -> (Big, Big) {
        let mut q = vec![0u32; self.0.len()];
        let mut r = Big::zero();
        for i in (0..self.0.len()).rev() {
            r.0.insert(0, self.0[i]);
            r.trim();
            let (mut lo, mut hi) = (0u64, LIMB - 1);
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                if d.mul_small(mid).cmp(&r).is_le() {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if lo > 0 {
                r = r.sub(&d.mul_small(lo));
            }
            q[i] = lo as u32;
        }
        let mut q = Big(q);
        q.trim();
        (q, r)
    }

    fn to_decimal_string(&self) -> String {
        let Some((top, rest)) = self.0.split_last() else {
            return "0".into();
        };
        let mut s = top.to_string();
        for limb in rest.iter().rev() {
            s.push_str(&format!("{limb:09}"));
        }
        s
    }
}

/// A decimal ±mag × 10^exp, exact like shopspring's `Decimal`.
#[derive(Debug, Clone)]
struct Dec {
    neg: bool,
    mag: Big,
    exp: i64,
}

/// shopspring's `DivisionPrecision`: quotients are rounded to 16 decimal places.
const DIVISION_PRECISION: i64 = 16;

impl Dec {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Result<Dec, String> {
        if !f.is_finite() {
            let shown = Value::Float(f).to_string();
            return Err(format!("Cannot create a Decimal from {shown}"));
        }
        if f == 0.0 {
            return Ok(Dec {
                neg: false,
                mag: Big::zero(),
                exp: 0,
            });
        }
        let (digits, exp) = shortest_decimal(f.abs());
        let digits = String::from_utf8(digits).unwrap_or_default();
        Ok(Dec {
            neg: f < 0.0,
            exp: i64::from(exp) - (digits.len() as i64 - 1),
            mag: Big::from_digits(&digits),
        })
    }

    fn neg(&self) -> Dec {
        Dec {
            neg: !self.neg && !self.mag.is_zero(),
            ..self.clone()
        }
    }

    fn scaled_to(&self, exp: i64) -> Big {
        self.mag.mul_pow10((self.exp - exp) as u32)
    }

    fn add(&self, other: &Dec) -> Dec {
        let exp = self.exp.min(other.exp);
        let (a, b) = (self.scaled_to(exp), other.scaled_to(exp));
        let (neg, mag) = if self.neg == other.neg {
            (self.neg, a.add(&b))
        } else if a.cmp(&b).is_ge() {
            (self.neg, a.sub(&b))
        } else {
            (other.neg, b.sub(&a))
        };
        Dec {
            neg: neg && !mag.is_zero(),
            mag,
            exp,
        }
    }

    fn mul(&self, other: &Dec) -> Dec {
        let mag = self.mag.mul(&other.mag);
        Dec {
            neg: (self.neg != other.neg) && !mag.is_zero(),
            mag,
            exp: self.exp + other.exp,
        }
    }

    /// `Decimal.Div`: the quotient rounded half away from zero to 16 decimal places.
    fn div(&self, other: &Dec) -> Result<Dec, String> {
        if other.mag.is_zero() {
            return Err("decimal division by 0".into());
        }
        let k = self.exp - other.exp + DIVISION_PRECISION;
        let (n, d) = if k >= 0 {
            (self.mag.mul_pow10(k as u32), other.mag.clone())
        } else {
            (self.mag.clone(), other.mag.mul_pow10((-k) as u32))
        };
        let (mut q, r) = n.div_rem(&d);
        if r.mul_small(2).cmp(&d).is_ge() {
            q = q.add(&Big::from_u64(1));
        }
        Ok(Dec {
            neg: (self.neg != other.neg) && !q.is_zero(),
            mag: q,
            exp: -DIVISION_PRECISION,
        })
    }

    /// The nearest float64 (`Decimal.Float64`, exact rational rounding).
    fn to_f64(&self) -> f64 {
        if self.mag.is_zero() {
            return 0.0;
        }
        let text = format!(
            "{}{}e{}",
            if self.neg { "-" } else { "" },
            self.mag.to_decimal_string(),
            self.exp
        );
        text.parse().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::exec::render_snippet;

    /// A template, its values as JSON (empty: [`VALUES`]), and what Helm printed: the output
    /// (after Helm removed `<no value>`), or the end of its error message.
    type Case = (
        &'static str,
        &'static str,
        Result<&'static str, &'static str>,
    );

    /// The values most cases render with (numbers from YAML are float64 in Helm).
    const VALUES: &str = r#"{"big": 1e+20, "e": [], "em": {}, "es": "", "f": 1.5, "fl": false, "hex": "0x1F", "l": [1, "a", null, 2.5], "ll": [[1], [1], {"k": 1}, {"k": 1}], "m": {"a": 1, "b": {"c": 2, "d": [1, 2]}, "s": "x"}, "n": 3, "neg": -7.9, "nil": null, "nl": [3, 1, 2, 1], "num": "42", "one": {"k": "v"}, "s": "str", "sl": ["b", "a", "c", "a"], "t": true, "z": 0}"#;

    fn registry() -> Registry {
        let mut r = Registry::new();
        register(&mut r);
        r
    }

    /// Renders as Helm does: Helm removes `<no value>` from its output.
    fn render(template: &str, values: serde_json::Value) -> Result<String, String> {
        let data = Value::from_json(&serde_json::json!({ "Values": values }));
        render_snippet(&registry(), "t", template, &data).map(|s| s.replace("<no value>", ""))
    }

    /// Runs a table; an error matches when Helm's message ends the same way (Helm names the
    /// template file where the executor says `t`).
    fn check(cases: &[Case]) {
        let mut failures = Vec::new();
        for (template, values, want) in cases {
            let values = serde_json::from_str(if values.is_empty() { VALUES } else { values })
                .expect("case values are JSON");
            let got = render(template, values);
            let ok = match (&got, want) {
                (Ok(out), Ok(want)) => out == want,
                (Err(err), Err(want)) => err.ends_with(want),
                _ => false,
            };
            if !ok {
                failures.push(format!("{template}\n   want {want:?}\n    got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn list_functions_render_as_helm_renders_them() {
        check(LISTS);
    }

    #[test]
    fn dict_functions_render_as_helm_renders_them() {
        check(DICTS);
    }

    #[test]
    fn merges_follow_mergo_as_helm_does() {
        check(MERGES);
    }

    #[test]
    fn math_functions_render_as_helm_renders_them() {
        check(MATH);
    }

    #[test]
    fn conversions_follow_spf13_cast_as_helm_does() {
        check(CONVERSIONS);
    }

    #[test]
    fn defaults_follow_sprigs_empty_rules() {
        check(DEFAULTS);
    }

    #[test]
    fn reflection_reports_gos_types_and_kinds() {
        check(REFLECTION);
    }

    #[test]
    fn rand_int_stays_in_its_half_open_range() {
        for _ in 0..50 {
            let out = render(
                "{{ $r := randInt -3 2 }}{{ and (ge $r -3) (lt $r 2) }}|{{ typeOf $r }}",
                serde_json::json!({}),
            );
            assert_eq!(out.as_deref(), Ok("true|int"));
        }
    }

    #[test]
    fn merge_mutates_its_destination_and_shares_source_maps() {
        // as Helm printed it: the source's nested map is shared with the destination
        let out = render(
            "{{ $d := dict \"a\" 1 }}{{ $s := dict \"m\" (dict \"k\" 1) }}{{ $_ := merge $d $s }}{{ $_ := set $s.m \"z\" 2 }}{{ $d }}",
            serde_json::json!({}),
        );
        assert_eq!(out.as_deref(), Ok("map[a:1 m:map[k:1 z:2]]"));
    }

    #[test]
    fn parse_int_follows_strconv() {
        assert_eq!(go_parse_int("0x1F", 0), Ok(31));
        assert_eq!(go_parse_int("1_000", 0), Ok(1000));
        assert_eq!(go_parse_int("1__0", 0), Err(NumError::Syntax));
        assert_eq!(go_parse_int("-9223372036854775808", 0), Ok(i64::MIN));
        assert_eq!(
            go_parse_int("9223372036854775808", 10),
            Err(NumError::Range(i64::MAX))
        );
        assert_eq!(trim_zero_decimal("12.00"), "12");
        assert_eq!(trim_zero_decimal("12.50"), "12.50");
        assert_eq!(go_parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(go_parse_float("1_000.5"), Some(1000.5));
        assert_eq!(go_parse_float("+nan"), None);
        assert_eq!(go_parse_float("1e400"), None);
    }

    #[test]
    fn decimals_add_exactly_and_divide_to_sixteen_places() {
        let d = |f| Dec::from_f64(f).unwrap();
        assert_eq!(d(0.1).add(&d(0.2)).to_f64(), 0.3);
        assert_eq!(d(1.0).div(&d(3.0)).unwrap().to_f64(), 0.3333333333333333);
        assert_eq!(d(1e-20).div(&d(3.0)).unwrap().to_f64(), 0.0);
        assert_eq!(go_pow10(2.0), 100.0);
        assert_eq!(go_pow10(-1.0), 0.1);
        // NewFromFloat takes Go's shortest digits: 1000000000000000.25 is ...000.2, so adding
        // one gives ...001.2, which reads as 1000000000000001.25 (Helm's add1f printed it)
        let tie: f64 = "1000000000000000.25".parse().unwrap();
        assert_eq!(
            d(tie).add(&d(1.0)).to_f64(),
            "1000000000000001.25".parse::<f64>().unwrap()
        );
    }

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const LISTS: &[Case] = &[
        (
            "{{ $r := append (list 1 nil 0 \"\" false 2) 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 <nil> 0  false 2 9]|[]interface {}"),
        ),
        (
            "{{ $r := append (list 1) nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 <nil>]|[]interface {}"),
        ),
        (
            "{{ $r := append 1 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling append: Cannot push on type int"),
        ),
        (
            "{{ $r := compact (keys .Values.one) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[k]|[]interface {}"),
        ),
        (
            "{{ $r := compact .Values.ll }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[[1] [1] map[k:1] map[k:1]]|[]interface {}"),
        ),
        (
            "{{ $r := compact true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling compact: Cannot compact on type bool"),
        ),
        (
            "{{ $r := concat (list 1 2) (list) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2]|[]interface {}"),
        ),
        (
            "{{ $r := concat .Values.e (list 1 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2]|[]interface {}"),
        ),
        (
            "{{ $r := concat 1 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling concat: Cannot concat type int as list"),
        ),
        (
            "{{ $r := first .Values.nl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("3|float64"),
        ),
        (
            "{{ $r := first .Values.sl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("b|string"),
        ),
        (
            "{{ $r := first }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for first: want 1 got 0"),
        ),
        (
            "{{ $r := has (dict \"k\" 1) 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling has: Cannot find has on type int"),
        ),
        (
            "{{ $r := has 1 (list 1 2 3) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("true|bool"),
        ),
        (
            "{{ $r := has 1.0 (list \"a\") }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := initial (list 1 2 3) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2]|[]interface {}"),
        ),
        (
            "{{ $r := initial .Values.ll }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[[1] [1] map[k:1]]|[]interface {}"),
        ),
        (
            "{{ $r := initial .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling initial: Cannot find initial on type map"),
        ),
        (
            "{{ $r := last \"s\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling last: Cannot find last on type string"),
        ),
        (
            "{{ $r := last .Values.e }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("|<nil>"),
        ),
        (
            "{{ $r := last .Values.l }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("2.5|float64"),
        ),
        (
            "{{ $r := list }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]interface {}"),
        ),
        (
            "{{ $r := mustAppend (list \"b\" \"a\" \"c\") 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[b a c 9]|[]interface {}"),
        ),
        (
            "{{ $r := mustAppend (list 1) nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 <nil>]|[]interface {}"),
        ),
        (
            "{{ $r := mustAppend .Values.m 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustAppend: Cannot push on type map"),
        ),
        (
            "{{ $r := mustCompact (list 1 nil 0 \"\" false 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2]|[]interface {}"),
        ),
        (
            "{{ $r := mustCompact .Values.l }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 a 2.5]|[]interface {}"),
        ),
        (
            "{{ $r := mustCompact true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustCompact: Cannot compact on type bool"),
        ),
        (
            "{{ $r := mustFirst (list 1 nil 0 \"\" false 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1|int"),
        ),
        (
            "{{ $r := mustFirst .Values.ll }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1]|[]interface {}"),
        ),
        (
            "{{ $r := mustFirst nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling mustFirst: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := mustHas (dict \"k\" 1) (list \"a\") }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := mustHas 2.5 .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustHas: Cannot find has on type map"),
        ),
        (
            "{{ $r := mustHas 2.5 .Values.nl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := mustInitial (list 1 2 3) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2]|[]interface {}"),
        ),
        (
            "{{ $r := mustInitial .Values.sl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[b a c]|[]interface {}"),
        ),
        (
            "{{ $r := mustInitial nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling mustInitial: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := mustLast (list 1 2 3) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("3|int"),
        ),
        (
            "{{ $r := mustLast (list 1 nil 0 \"\" false 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("2|int"),
        ),
        (
            "{{ $r := mustLast true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustLast: Cannot find last on type bool"),
        ),
        (
            "{{ $r := mustPrepend (list 1) nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[<nil> 1]|[]interface {}"),
        ),
        (
            "{{ $r := mustPrepend .Values.l 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[9 1 a <nil> 2.5]|[]interface {}"),
        ),
        (
            "{{ $r := mustPrepend nil 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling mustPrepend: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := mustPush (list 1 nil 0 \"\" false 2) 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 <nil> 0  false 2 9]|[]interface {}"),
        ),
        (
            "{{ $r := mustPush .Values.e 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[9]|[]interface {}"),
        ),
        (
            "{{ $r := mustPush .Values.m 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustPush: Cannot push on type map"),
        ),
        (
            "{{ $r := mustRest \"s\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustRest: Cannot find rest on type string"),
        ),
        (
            "{{ $r := mustRest .Values.e }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]interface {}"),
        ),
        (
            "{{ $r := mustRest .Values.sl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[a c a]|[]interface {}"),
        ),
        (
            "{{ $r := mustReverse (list \"b\" \"a\" \"c\") }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[c a b]|[]interface {}"),
        ),
        (
            "{{ $r := mustReverse (until 3) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[2 1 0]|[]interface {}"),
        ),
        (
            "{{ $r := mustReverse nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling mustReverse: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := mustSlice (list 1 2 3) true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[2 3]|[]interface {}"),
        ),
        (
            "{{ $r := mustSlice (list 1 nil 0 \"\" false 2) true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[<nil> 0  false 2]|[]interface {}"),
        ),
        (
            "{{ $r := mustSlice .Values.ll -1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustSlice: reflect.Value.Slice: slice index out of bounds"),
        ),
        (
            "{{ $r := mustUniq (dict) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustUniq: Cannot find uniq on type map"),
        ),
        (
            "{{ $r := mustUniq (keys .Values.one) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[k]|[]interface {}"),
        ),
        (
            "{{ $r := mustUniq .Values.sl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[b a c]|[]interface {}"),
        ),
        (
            "{{ $r := mustWithout .Values.nl 1 \"a\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[3 1 2 1]|[]interface {}"),
        ),
        (
            "{{ $r := mustWithout .Values.nl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[3 1 2 1]|[]interface {}"),
        ),
        (
            "{{ $r := mustWithout 1 1 \"a\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustWithout: Cannot find without on type int"),
        ),
        (
            "{{ $r := prepend (list \"b\" \"a\" \"c\") 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[9 b a c]|[]interface {}"),
        ),
        (
            "{{ $r := prepend (list 1 2 3) 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[9 1 2 3]|[]interface {}"),
        ),
        (
            "{{ $r := prepend nil 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling prepend: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := push (list 1 2 3) 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2 3 9]|[]interface {}"),
        ),
        (
            "{{ $r := push .Values.l 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 a <nil> 2.5 9]|[]interface {}"),
        ),
        (
            "{{ $r := push nil 9 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling push: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := rest \"s\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling rest: Cannot find rest on type string"),
        ),
        (
            "{{ $r := rest (keys .Values.one) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]interface {}"),
        ),
        (
            "{{ $r := rest (list) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]interface {}"),
        ),
        (
            "{{ $r := reverse (until 3) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[2 1 0]|[]interface {}"),
        ),
        (
            "{{ $r := reverse .Values.ll }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[map[k:1] map[k:1] [1] [1]]|[]interface {}"),
        ),
        (
            "{{ $r := reverse true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling reverse: Cannot find reverse on type bool"),
        ),
        (
            "{{ $r := sortAlpha .Values.nl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 1 2 3]|[]string"),
        ),
        (
            "{{ $r := sortAlpha 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1]|[]string"),
        ),
        (
            "{{ $r := sortAlpha }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for sortAlpha: want 1 got 0"),
        ),
        (
            "{{ $r := tuple 1 \"a\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 a <nil>]|[]interface {}"),
        ),
        (
            "{{ $r := uniq (list 1 nil 0 \"\" false 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 <nil> 0  false 2]|[]interface {}"),
        ),
        (
            "{{ $r := uniq .Values.nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling uniq: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ $r := uniq .Values.sl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[b a c]|[]interface {}"),
        ),
        (
            "{{ $r := without (list 1 2 3) 1 \"a\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[2 3]|[]interface {}"),
        ),
        (
            "{{ $r := without .Values.nl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[3 1 2 1]|[]interface {}"),
        ),
        (
            "{{ $r := without nil 1 \"a\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err(
                "error calling without: runtime error: invalid memory address or nil pointer dereference",
            ),
        ),
        (
            "{{ chunk -3 (until 6) }}",
            "",
            Err("error calling chunk: runtime error: makeslice: len out of range"),
        ),
        ("{{ chunk 2 (list 1) }}", "", Ok("[[1]]")),
        ("{{ chunk 3 (list 1) }}", "", Ok("[[1]]")),
        (
            "{{ mustChunk -1 (list 1 2 3 4 5) }}",
            "",
            Err("error calling mustChunk: runtime error: makeslice: len out of range"),
        ),
        ("{{ mustChunk 1 (list 1) }}", "", Ok("[[1]]")),
        ("{{ mustChunk 5 (list 1) }}", "", Ok("[[1]]")),
    ];

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const DICTS: &[Case] = &[
        (
            "{{ $d := (dict \"a\" (dict \"b\" 1)) }}{{ $r := unset $d \"a\" }}{{ $r }}|{{ $d }}|{{ typeOf $r }}",
            "",
            Ok("map[]|map[]|map[string]interface {}"),
        ),
        (
            "{{ $d := (dict \"a\" 1) }}{{ $r := unset $d \"a\" }}{{ $r }}|{{ $d }}|{{ typeOf $r }}",
            "",
            Ok("map[]|map[]|map[string]interface {}"),
        ),
        (
            "{{ $d := .Values.em }}{{ $r := set $d \"a\" 5 }}{{ $r }}|{{ $d }}|{{ typeOf $r }}",
            "",
            Ok("map[a:5]|map[a:5]|map[string]interface {}"),
        ),
        (
            "{{ $d := .Values.nil }}{{ $r := set $d \"a\" 5 }}{{ $r }}|{{ $d }}|{{ typeOf $r }}",
            "",
            Err("error calling set: assignment to entry in nil map"),
        ),
        (
            "{{ $d := .Values.nil }}{{ $r := unset $d \"a\" }}{{ $r }}|{{ $d }}|{{ typeOf $r }}",
            "",
            Ok("map[]||map[string]interface {}"),
        ),
        (
            "{{ $d := .Values.one }}{{ $r := set $d \"a\" 5 }}{{ $r }}|{{ $d }}|{{ typeOf $r }}",
            "",
            Ok("map[a:5 k:v]|map[a:5 k:v]|map[string]interface {}"),
        ),
        (
            "{{ $r := deepCopy (dict) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[]|map[string]interface {}"),
        ),
        (
            "{{ $r := deepCopy .Values.em }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[]|map[string]interface {}"),
        ),
        (
            "{{ $r := deepCopy .Values.nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling deepCopy: reflect: call of reflect.Value.Type on zero Value"),
        ),
        (
            "{{ $r := dict \"a\" 1 \"b\" 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[a:1 b:2]|map[string]interface {}"),
        ),
        (
            "{{ $r := dict \"k\" (list 1) \"m\" (dict \"x\" 1) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[k:[1] m:map[x:1]]|map[string]interface {}"),
        ),
        (
            "{{ $r := dict 1 2 3.5 4 true 5 nil 6 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[1:2 3.5:4 <nil>:6 true:5]|map[string]interface {}"),
        ),
        (
            "{{ $r := dig \"a\" \"d\" .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1|float64"),
        ),
        (
            "{{ $r := dig \"b\" \"d\" \"x\" .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 2]|[]interface {}"),
        ),
        (
            "{{ $r := dig 1 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling dig: dig needs at least three arguments"),
        ),
        (
            "{{ $r := get (dict) \"b\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("|string"),
        ),
        (
            "{{ $r := get .Values.em \"zz\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("|string"),
        ),
        (
            "{{ $r := get .Values.m 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected string; found 1"),
        ),
        (
            "{{ $r := hasKey (dict \"a\" (dict \"b\" 1)) \"zz\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := hasKey .Values.em \"b\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := hasKey .Values.m .Values.nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong type for value; expected string; got interface {}"),
        ),
        (
            "{{ $r := keys (dict) }}{{ sortAlpha $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]string"),
        ),
        (
            "{{ $r := keys .Values.l }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong type for value; expected map[string]interface {}; got []interface {}"),
        ),
        (
            "{{ $r := keys .Values.m }}{{ sortAlpha $r }}|{{ typeOf $r }}",
            "",
            Ok("[a b s]|[]string"),
        ),
        (
            "{{ $r := mustDeepCopy .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[a:1 b:map[c:2 d:[1 2]] s:x]|map[string]interface {}"),
        ),
        (
            "{{ $r := mustDeepCopy .Values.nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mustDeepCopy: reflect: call of reflect.Value.Type on zero Value"),
        ),
        (
            "{{ $r := mustDeepCopy .Values.one }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[k:v]|map[string]interface {}"),
        ),
        (
            "{{ $r := omit (dict \"a\" 1) \"a\" \"zz\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[]|map[string]interface {}"),
        ),
        (
            "{{ $r := omit .Values.m .Values.n }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong type for value; expected string; got float64"),
        ),
        (
            "{{ $r := omit .Values.one \"a\" \"zz\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[k:v]|map[string]interface {}"),
        ),
        (
            "{{ $r := pick (dict \"a\" (dict \"b\" 1)) \"a\" \"s\" \"zz\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[a:map[b:1]]|map[string]interface {}"),
        ),
        (
            "{{ $r := pick .Values.m \"a\" \"s\" \"zz\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[a:1 s:x]|map[string]interface {}"),
        ),
        (
            "{{ $r := pick .Values.m 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected string; found 1"),
        ),
        (
            "{{ $r := pluck \"a\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]interface {}"),
        ),
        (
            "{{ $r := pluck \"zz\" .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]interface {}"),
        ),
        (
            "{{ $r := pluck 1 .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected string; found 1"),
        ),
        (
            "{{ $r := values .Values.em }}{{ len $r }}|{{ typeOf $r }}",
            "",
            Ok("0|[]interface {}"),
        ),
        (
            "{{ $r := values .Values.l }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong type for value; expected map[string]interface {}; got []interface {}"),
        ),
        (
            "{{ $r := values .Values.one }}{{ len $r }}|{{ typeOf $r }}",
            "",
            Ok("1|[]interface {}"),
        ),
    ];

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const MERGES: &[Case] = &[
        (
            "{{ $d := (dict \"o\" 1 \"x\" \"x\") }}{{ $s := (dict \"x\" \"x\") }}{{ $r := merge $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:x]|map[o:1 x:x]|map[x:x]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" \"x\") }}{{ $s := (dict \"x\" false) }}{{ $r := mustMerge $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:x]|map[o:1 x:x]|map[x:false]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" \"x\") }}{{ $s := (dict \"x\" nil) }}{{ $r := mustMerge $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:x]|map[o:1 x:x]|map[x:<nil>]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" (dict \"k\" 1)) }}{{ $s := (dict \"x\" (dict)) }}{{ $r := mustMergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:map[k:1]]|map[o:1 x:map[k:1]]|map[x:map[]]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" (dict \"k\" 1)) }}{{ $s := (dict \"x\" (list 1)) }}{{ $r := merge $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:map[k:1]]|map[o:1 x:map[k:1]]|map[x:[1]]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" (dict \"k\" 1)) }}{{ $s := (dict \"x\" (list)) }}{{ $r := mergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:[]]|map[o:1 x:[]]|map[x:[]]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" (list)) }}{{ $s := (dict \"x\" (dict \"k\" 1)) }}{{ $r := mergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:map[k:1]]|map[o:1 x:map[k:1]]|map[x:map[k:1]]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" 0) }}{{ $s := (dict \"x\" (dict \"k\" 1)) }}{{ $r := mergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:map[k:1]]|map[o:1 x:map[k:1]]|map[x:map[k:1]]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" false) }}{{ $s := (dict \"x\" \"x\") }}{{ $r := merge $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:x]|map[o:1 x:x]|map[x:x]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" nil) }}{{ $s := (dict \"x\" \"\") }}{{ $r := merge $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:]|map[o:1 x:]|map[x:]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" nil) }}{{ $s := (dict \"x\" nil) }}{{ $r := mustMergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:<nil>]|map[o:1 x:<nil>]|map[x:<nil>]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" true) }}{{ $s := (dict \"x\" \"\") }}{{ $r := mergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:]|map[o:1 x:]|map[x:]"),
        ),
        (
            "{{ $d := (dict \"o\" 1 \"x\" true) }}{{ $s := (dict \"x\" true) }}{{ $r := mergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:true]|map[o:1 x:true]|map[x:true]"),
        ),
        (
            "{{ $d := (dict \"o\" 1) }}{{ $s := (dict \"x\" (dict \"j\" 2)) }}{{ $r := mergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:map[j:2]]|map[o:1 x:map[j:2]]|map[x:map[j:2]]"),
        ),
        (
            "{{ $d := (dict \"o\" 1) }}{{ $s := (dict \"x\" (dict \"k\" 1)) }}{{ $r := mustMergeOverwrite $d $s }}{{ $r }}|{{ $d }}|{{ $s }}",
            "",
            Ok("map[o:1 x:map[k:1]]|map[o:1 x:map[k:1]]|map[x:map[k:1]]"),
        ),
        (
            "{{ $d := dict \"a\" 1 }}{{ $r := merge $d $d }}{{ $r }}",
            "",
            Ok("map[a:1]"),
        ),
        (
            "{{ $r := merge .Values.d .Values.s }}{{ $r }}|{{ .Values.d }}",
            "{\"d\": {\"o\": 1, \"x\": {}}, \"s\": {\"x\": null}}",
            Ok("map[o:1 x:map[]]|map[o:1 x:map[]]"),
        ),
        (
            "{{ $r := merge .Values.m (dict \"b\" (dict \"c\" 9 \"n\" 1) \"s\" \"\") }}{{ $r }}|{{ .Values.m }}",
            "",
            Ok("map[a:1 b:map[c:2 d:[1 2] n:1] s:x]|map[a:1 b:map[c:2 d:[1 2] n:1] s:x]"),
        ),
        (
            "{{ $r := merge }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for merge: want at least 1 got 0"),
        ),
        (
            "{{ $r := mergeOverwrite .Values.d .Values.s }}{{ $r }}|{{ .Values.d }}",
            "{\"d\": {\"o\": 1, \"x\": {\"k\": 1}}, \"s\": {\"x\": {\"j\": 2}}}",
            Ok("map[o:1 x:map[j:2 k:1]]|map[o:1 x:map[j:2 k:1]]"),
        ),
        (
            "{{ $r := mustMerge .Values.d .Values.s }}{{ $r }}|{{ .Values.d }}",
            "{\"d\": {\"o\": 1, \"x\": {}}, \"s\": {\"x\": null}}",
            Ok("map[o:1 x:map[]]|map[o:1 x:map[]]"),
        ),
        (
            "{{ $r := mustMerge .Values.m0 .Values.m1 .Values.m2 }}{{ $r }}|{{ .Values.m0 }}|{{ .Values.m1 }}",
            "{\"m0\": {}, \"m1\": {}, \"m2\": {\"a\": {}, \"b\": {}, \"c\": {\"a\": 2.5, \"b\": 1, \"c\": \"x\", \"d\": 1}, \"d\": [1]}}",
            Ok(
                "map[a:map[] b:map[] c:map[a:2.5 b:1 c:x d:1] d:[1]]|map[a:map[] b:map[] c:map[a:2.5 b:1 c:x d:1] d:[1]]|map[]",
            ),
        ),
        (
            "{{ $r := mustMerge .Values.m0 .Values.m1 }}{{ $r }}|{{ .Values.m0 }}|{{ .Values.m1 }}",
            "{\"m0\": {\"a\": 1, \"b\": {\"a\": {}, \"b\": [], \"c\": {}, \"d\": {}}, \"c\": {\"b\": {\"c\": 0}, \"d\": null}, \"d\": {\"a\": {\"d\": \"x\"}, \"b\": [], \"d\": \"x\"}}, \"m1\": {\"b\": false, \"c\": \"x\"}}",
            Ok(
                "map[a:1 b:map[a:map[] b:[] c:map[] d:map[]] c:map[b:map[c:0] d:<nil>] d:map[a:map[d:x] b:[] d:x]]|map[a:1 b:map[a:map[] b:[] c:map[] d:map[]] c:map[b:map[c:0] d:<nil>] d:map[a:map[d:x] b:[] d:x]]|map[b:false c:x]",
            ),
        ),
        (
            "{{ $r := mustMergeOverwrite .Values.d .Values.s }}{{ $r }}|{{ .Values.d }}",
            "{\"d\": {\"o\": 1, \"x\": null}, \"s\": {\"x\": {\"k\": 1}}}",
            Ok("map[o:1 x:map[k:1]]|map[o:1 x:map[k:1]]"),
        ),
        (
            "{{ $r := mustMergeOverwrite .Values.m0 .Values.m1 .Values.m2 .Values.m3 }}{{ $r }}|{{ .Values.m0 }}|{{ .Values.m1 }}",
            "{\"m0\": {\"a\": {\"a\": true, \"b\": {\"a\": 1, \"b\": null, \"c\": \"\", \"d\": false}, \"c\": \"\", \"d\": {\"c\": \"x\", \"d\": 1}}, \"b\": 1}, \"m1\": {}, \"m2\": {\"a\": [1], \"b\": {\"c\": true, \"d\": \"x\"}, \"c\": []}, \"m3\": {\"a\": [], \"b\": {\"a\": [], \"c\": {\"a\": {}, \"b\": 1, \"c\": 2.5, \"d\": 2.5}, \"d\": {}}, \"c\": null, \"d\": {\"c\": {\"b\": {}, \"d\": 2.5}, \"d\": \"\"}}}",
            Ok(
                "map[a:[] b:map[a:[] c:map[a:map[] b:1 c:2.5 d:2.5] d:map[]] c:<nil> d:map[c:map[b:map[] d:2.5] d:]]|map[a:[] b:map[a:[] c:map[a:map[] b:1 c:2.5 d:2.5] d:map[]] c:<nil> d:map[c:map[b:map[] d:2.5] d:]]|map[]",
            ),
        ),
    ];

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const MATH: &[Case] = &[
        (
            "{{ $r := add \"3\" 0 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("3|int64"),
        ),
        (
            "{{ $r := add .Values.big -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("9223372036854775806|int64"),
        ),
        (
            "{{ $r := add 1 2 3 4 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("10|int64"),
        ),
        (
            "{{ $r := add1 .Values.hex }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("32|int64"),
        ),
        (
            "{{ $r := add1 1e20 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("-9223372036854775807|int64"),
        ),
        (
            "{{ $r := add1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for add1: want 1 got 0"),
        ),
        (
            "{{ $r := add1f \"0.5\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1.5|float64"),
        ),
        (
            "{{ $r := add1f \"017\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("18|float64"),
        ),
        (
            "{{ $r := add1f \"inf\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling add1f: Cannot create a Decimal from +Inf"),
        ),
        (
            "{{ $r := addf \"x\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := addf 0.407998 }}{{ $r }}|{{ typeOf $r }}",
            "{\"a\": -5.767, \"b\": 3.2635563199594307e+28, \"c\": -98, \"s\": \"-91.5e\", \"t\": \"0x.00e\"}",
            Ok("0.407998|float64"),
        ),
        (
            "{{ $r := addf true .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("2.5|float64"),
        ),
        (
            "{{ $r := biggest 7 .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("7|int64"),
        ),
        (
            "{{ $r := biggest true 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("2|int64"),
        ),
        (
            "{{ $r := biggest }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for biggest: want at least 1 got 0"),
        ),
        (
            "{{ $r := ceil \"017\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("17|float64"),
        ),
        (
            "{{ $r := ceil (list 1) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := ceil 0o17 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("15|float64"),
        ),
        (
            "{{ $r := div 7 nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling div: runtime error: integer divide by zero"),
        ),
        (
            "{{ $r := div nil 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := div true -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := divf 0 .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := divf 2.5 0.5 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("5|float64"),
        ),
        (
            "{{ $r := divf nil nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling divf: decimal division by 0"),
        ),
        (
            "{{ $r := floor \"1e3\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1000|float64"),
        ),
        (
            "{{ $r := floor .Values.t }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1|float64"),
        ),
        (
            "{{ $r := floor }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for floor: want 1 got 0"),
        ),
        (
            "{{ $r := max .Values.big .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1|int64"),
        ),
        (
            "{{ $r := max 0 0 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := max }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for max: want at least 1 got 0"),
        ),
        (
            "{{ $r := maxf \"3\" -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("3|float64"),
        ),
        (
            "{{ $r := maxf 0 -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := maxf }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for maxf: want at least 1 got 0"),
        ),
        (
            "{{ $r := min 0 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := min 2.5 \"4\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("2|int64"),
        ),
        (
            "{{ $r := min }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for min: want at least 1 got 0"),
        ),
        (
            "{{ $r := minf .Values.big -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("-2|float64"),
        ),
        (
            "{{ $r := minf 0 .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := minf }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for minf: want at least 1 got 0"),
        ),
        (
            "{{ $r := mod .Values.n .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := mod .Values.n nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling mod: runtime error: integer divide by zero"),
        ),
        (
            "{{ $r := mod 7 .Values.f }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := mul .Values.n 0 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := mul 0 -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := mul }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for mul: want at least 1 got 0"),
        ),
        (
            "{{ $r := mulf \"x\" 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := mulf nil -2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := mulf }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for mulf: want at least 1 got 0"),
        ),
        (
            "{{ $r := randInt -10 -5 }}{{ and (ge $r -10) (lt $r -5) }}",
            "",
            Ok("true"),
        ),
        (
            "{{ $r := randInt 2 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("error calling randInt: invalid argument to Intn"),
        ),
        (
            "{{ $r := round -2.4 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("-2.4|float64"),
        ),
        (
            "{{ $r := round 0.125 -1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        (
            "{{ $r := round 1.5 \"1\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected integer; found \"1\""),
        ),
        (
            "{{ $r := seq \"1\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected integer; found \"1\""),
        ),
        (
            "{{ $r := seq 1 5 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1 2 3 4 5|string"),
        ),
        (
            "{{ $r := seq 5 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("5 4 3 2 1|string"),
        ),
        (
            "{{ $r := sub .Values.big true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("9223372036854775807|int64"),
        ),
        (
            "{{ $r := sub .Values.n 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1|int64"),
        ),
        (
            "{{ $r := sub 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for sub: want 2 got 1"),
        ),
        (
            "{{ $r := subf \"3\" 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("1|float64"),
        ),
        (
            "{{ $r := subf true 0.5 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0.5|float64"),
        ),
        (
            "{{ $r := subf }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for subf: want at least 1 got 0"),
        ),
        (
            "{{ $r := until 0 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]int"),
        ),
        (
            "{{ $r := until 3 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[0 1 2]|[]int"),
        ),
        (
            "{{ $r := until }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for until: want 1 got 0"),
        ),
        (
            "{{ $r := untilStep -3 3 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[-3 -1 1]|[]int"),
        ),
        (
            "{{ $r := untilStep 1 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for untilStep: want 3 got 2"),
        ),
        (
            "{{ $r := untilStep 5 0 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]|[]int"),
        ),
        ("{{ randInt 7 8 }}", "", Ok("7")),
    ];

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const CONVERSIONS: &[Case] = &[
        (
            "{{ $r := atoi \"\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int"),
        ),
        (
            "{{ $r := atoi .Values.num }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("42|int"),
        ),
        (
            "{{ $r := atoi 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected string; found 1"),
        ),
        (
            "{{ $r := float64 3.99 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("3.99|float64"),
        ),
        (
            "{{ $r := float64 9223372036854775807 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("9.223372036854776e+18|float64"),
        ),
        (
            "{{ $r := float64 nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|float64"),
        ),
        ("{{ $r := int 3 }}{{ $r }}|{{ typeOf $r }}", "", Ok("3|int")),
        (
            "{{ $r := int 3.99 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("3|int"),
        ),
        (
            "{{ $r := int }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for int: want 1 got 0"),
        ),
        (
            "{{ $r := int64 \"08\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := int64 -3.99 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("-3|int64"),
        ),
        (
            "{{ $r := int64 .Values.z }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := toDecimal \"0x1F\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := toDecimal .Values.es }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
        (
            "{{ $r := toDecimal .Values.z }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("0|int64"),
        ),
    ];

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const DEFAULTS: &[Case] = &[
        (
            "{{ $r := all  }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("true|bool"),
        ),
        (
            "{{ $r := all (list) (dict) (list 1) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := all 0 \"\" nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := any  }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := any .Values.nil .Values.missing .Values.z .Values.s }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("true|bool"),
        ),
        (
            "{{ $r := any false true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("true|bool"),
        ),
        (
            "{{ $r := coalesce  }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("|<nil>"),
        ),
        (
            "{{ $r := coalesce 0 \"\" nil 5 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("5|int"),
        ),
        (
            "{{ $r := coalesce false true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("true|bool"),
        ),
        (
            "{{ $r := default \"D\" (dict \"a\" (dict \"b\" 1)) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map[a:map[b:1]]|map[string]interface {}"),
        ),
        (
            "{{ $r := default \"D\" (keys .Values.one) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[k]|[]string"),
        ),
        (
            "{{ $r := default \"D\" .Values.l }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[1 a <nil> 2.5]|[]interface {}"),
        ),
        (
            "{{ $r := empty 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := empty true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := empty }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for empty: want 1 got 0"),
        ),
        (
            "{{ $r := ternary \"y\" \"n\" .Values.fl }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("n|string"),
        ),
        (
            "{{ $r := ternary \"y\" \"n\" .Values.nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong type for value; expected bool; got interface {}"),
        ),
        (
            "{{ $r := ternary \"y\" \"n\" true }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("y|string"),
        ),
    ];

    /// Expected outputs printed by Helm v4.2.3 for the same templates and values.
    const REFLECTION: &[Case] = &[
        (
            "{{ $r := deepEqual (until 2) (dict \"k\" \"v\") }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := deepEqual 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for deepEqual: want 2 got 1"),
        ),
        (
            "{{ $r := deepEqual nil \"1\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := kindIs \"float64\" (until 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := kindIs \"slice\" 1 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := kindIs .Values.n 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong type for value; expected string; got float64"),
        ),
        (
            "{{ $r := kindOf \"0x1F\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("string|string"),
        ),
        (
            "{{ $r := kindOf (dict \"a\" (dict \"b\" 1)) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map|string"),
        ),
        (
            "{{ $r := kindOf (dict) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("map|string"),
        ),
        (
            "{{ $r := typeIs \"int64\" (until 2) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := typeIs \"int64\" .Values.l }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := typeIs 1 2 }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("expected string; found 1"),
        ),
        (
            "{{ $r := typeIsLike \"[]string\" .Values.m }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := typeIsLike \"bool\" \"s\" }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := typeIsLike \"slice\" (add 1 1) }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("false|bool"),
        ),
        (
            "{{ $r := typeOf .Values.ll }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("[]interface {}|string"),
        ),
        (
            "{{ $r := typeOf nil }}{{ $r }}|{{ typeOf $r }}",
            "",
            Ok("<nil>|string"),
        ),
        (
            "{{ $r := typeOf }}{{ $r }}|{{ typeOf $r }}",
            "",
            Err("wrong number of args for typeOf: want 1 got 0"),
        ),
    ];
}
