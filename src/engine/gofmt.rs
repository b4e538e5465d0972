//! Go's `fmt.Sprintf` for template values: the verbs `v s q d b o x X c U e E f F g G t T %`,
//! the flags `+ - # 0` and space, widths and precisions (also from `*` arguments), element-wise
//! formatting of slices and maps, and Go's error forms for bad verbs (`%!d(string=x)`),
//! missing arguments (`%!d(MISSING)`) and extra ones (`%!(EXTRA int=1)`).

use super::lex::go_quote;
use super::value::{Value, format_float};

#[derive(Debug, Default, Clone, Copy)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Formats like Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next_arg = 0;
    // `%[n]` reorders arguments; then Go no longer reports extra ones
    let mut reordered = false;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut good_index = true;
        let mut spec = Spec::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '+' => spec.plus = true,
                '-' => spec.minus = true,
                '#' => spec.sharp = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                _ => break,
            }
            chars.next();
        }
        let mut after_index = arg_index(
            &mut chars,
            args.len(),
            &mut next_arg,
            &mut reordered,
            &mut good_index,
        );
        let star = chars.peek().is_some_and(|&(_, c)| c == '*');
        if star {
            chars.next();
            match star_arg(args, &mut next_arg) {
                Some(w) if w < 0 => {
                    // a negative width from an argument means left-justify
                    spec.width = Some(w.unsigned_abs() as usize);
                    spec.minus = true;
                    spec.zero = false;
                }
                Some(w) => spec.width = Some(w as usize),
                None => out.push_str("%!(BADWIDTH)"),
            }
        } else {
            spec.width = digits(&mut chars);
        }
        if star {
            after_index = false;
        } else if after_index && spec.width.is_some() {
            // `%[3]2d`: a width must not follow an index
            good_index = false;
        }
        if chars.peek().is_some_and(|&(_, c)| c == '.') {
            chars.next();
            if after_index {
                // `%[3].2d`: nor may a precision
                good_index = false;
            }
            after_index = arg_index(
                &mut chars,
                args.len(),
                &mut next_arg,
                &mut reordered,
                &mut good_index,
            );
            if chars.peek().is_some_and(|&(_, c)| c == '*') {
                chars.next();
                match star_arg(args, &mut next_arg) {
                    Some(p) if p >= 0 => spec.precision = Some(p as usize),
                    // a negative precision from an argument is no precision
                    _ => out.push_str("%!(BADPREC)"),
                }
                after_index = false;
            } else {
                spec.precision = Some(digits(&mut chars).unwrap_or(0));
            }
        }
        if !after_index {
            arg_index(
                &mut chars,
                args.len(),
                &mut next_arg,
                &mut reordered,
                &mut good_index,
            );
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if !good_index {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next_arg += 1;
        let text = format_arg(verb, spec, arg);
        out.push_str(&text);
    }
    if !reordered && next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|a| format!("{}={}", a.type_name(), plain(a)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

/// Go's `argNumber`: an optional `[n]` choosing the next argument (1-based). Returns whether
/// one was read; a malformed or out-of-range index marks the verb `BADINDEX`.
fn arg_index(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    arg_count: usize,
    next_arg: &mut usize,
    reordered: &mut bool,
    good_index: &mut bool,
) -> bool {
    if chars.peek().is_none_or(|&(_, c)| c != '[') {
        return false;
    }
    *reordered = true;
    let mut lookahead = chars.clone();
    lookahead.next();
    let mut digits = String::new();
    let mut closed = false;
    for (_, c) in lookahead.by_ref() {
        if c == ']' {
            closed = true;
            break;
        }
        digits.push(c);
    }
    if !closed {
        // no closing bracket: Go skips only the `[`
        chars.next();
        *good_index = false;
        return false;
    }
    *chars = lookahead;
    match digits.parse::<usize>() {
        Ok(n) if n >= 1 && n <= arg_count && digits.bytes().all(|b| b.is_ascii_digit()) => {
            *next_arg = n - 1;
            true
        }
        _ => {
            *good_index = false;
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

/// Go's `intFromArg`: the next argument as a width or precision, if it is an integer of
/// reasonable size (at most 1e6 either way).
fn star_arg(args: &[Value], next_arg: &mut usize) -> Option<i64> {
    let arg = args.get(*next_arg);
    *next_arg += 1;
    match arg {
        Some(Value::Int(n, _)) if n.abs() <= 1_000_000 => Some(*n),
        Some(Value::Uint(n)) if *n <= 1_000_000 => Some(*n as i64),
        _ => None,
    }
}

/// A run of decimal digits.
fn digits(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(d) = c.to_digit(10) else { break };
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

/// `%v` of a value for error forms and EXTRA lists (`<nil>` for nil).
fn plain(v: &Value) -> String {
    v.to_string()
}

/// Go's `%!verb(type=value)`, the value printed as `%v` with the verb's flags and width.
fn bad_verb(verb: char, spec: Spec, arg: &Value) -> String {
    match arg {
        Value::Nil => format!("%!{verb}(<nil>)"),
        other => format!(
            "%!{verb}({}={})",
            other.type_name(),
            format_arg('v', spec, other)
        ),
    }
}

fn pad(s: String, spec: Spec, zero_allowed: bool) -> String {
    let Some(width) = spec.width else { return s };
    let len = s.chars().count();
    if len >= width {
        return s;
    }
    let fill = width - len;
    if spec.minus {
        return format!("{s}{}", " ".repeat(fill));
    }
    if spec.zero && zero_allowed {
        // zeros go after the sign
        let (sign, digits) = match s.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), s[1..].to_owned()),
            _ => (String::new(), s),
        };
        return format!("{sign}{}{digits}", "0".repeat(fill));
    }
    format!("{}{s}", " ".repeat(fill))
}

fn format_arg(verb: char, spec: Spec, arg: &Value) -> String {
    match arg {
        Value::List(items, _) if !matches!(verb, 'T' | 'p') => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| {
                    if matches!(i, Value::Nil) {
                        // fmt prints a nil element of a slice as `<nil>` whatever the verb
                        return pad("<nil>".to_owned(), spec, false);
                    }
                    format_arg(
                        verb,
                        Spec {
                            width: spec.width,
                            ..spec
                        },
                        i,
                    )
                })
                .collect();
            return format!("[{}]", inner.join(" "));
        }
        Value::Map(m) if !matches!(verb, 'T' | 'p') => {
            let inner: Vec<String> = m
                .entries()
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        format_arg(verb, spec, &Value::string(k.as_str())),
                        if matches!(v, Value::Nil) {
                            pad("<nil>".to_owned(), spec, false)
                        } else {
                            format_arg(verb, spec, v)
                        }
                    )
                })
                .collect();
            return format!("map[{}]", inner.join(" "));
        }
        _ => {}
    }
    match verb {
        'T' => pad(arg.type_name().to_owned(), spec, false),
        // Go prints the address of a map's or slice's data; any stable address serves, since
        // Go's differ on every run
        'p' => match arg {
            Value::Map(m) => pad(format!("0x{:x}", m.address()), spec, false),
            Value::List(items, _) if !items.is_empty() => {
                pad(format!("0x{:x}", items.as_ptr() as usize), spec, false)
            }
            Value::List(..) => pad("0x0".to_owned(), spec, false),
            other => bad_verb('p', spec, other),
        },
        'v' => match arg {
            Value::Float(_) => {
                format_float_verb('g', spec, arg).unwrap_or_else(|| pad(plain(arg), spec, true))
            }
            Value::Int(..) | Value::Uint(_) => format_int('d', spec, arg).unwrap_or_default(),
            Value::String(s) if spec.sharp => pad(go_quote(s), spec, false),
            Value::String(s) => pad(truncate(s, spec.precision), spec, false),
            Value::Nil => pad("<nil>".into(), spec, false),
            other => pad(plain(other), spec, false),
        },
        's' => match arg {
            Value::String(s) => pad(truncate(s, spec.precision), spec, false),
            other => bad_verb('s', spec, other),
        },
        'q' => match arg {
            Value::String(s)
                if spec.sharp
                    && !s.contains('`')
                    && s.chars().all(|c| c == '\t' || !c.is_control()) =>
            {
                pad(format!("`{s}`"), spec, false)
            }
            Value::String(s) => pad(go_quote(s), spec, false),
            Value::Int(i, _) => match u32::try_from(*i).ok().and_then(char::from_u32) {
                Some(c) => pad(format!("'{}'", escape_char(c)), spec, false),
                None => pad("'\u{FFFD}'".into(), spec, false),
            },
            other => bad_verb('q', spec, other),
        },
        't' => match arg {
            Value::Bool(b) => pad(b.to_string(), spec, false),
            other => bad_verb('t', spec, other),
        },
        'd' | 'b' | 'o' | 'O' | 'x' | 'X' | 'c' | 'U' => match arg {
            Value::Int(..) | Value::Uint(_) => {
                format_int(verb, spec, arg).unwrap_or_else(|| bad_verb(verb, spec, arg))
            }
            Value::String(s) if matches!(verb, 'x' | 'X') => {
                let hex: String = s
                    .bytes()
                    .map(|b| {
                        if verb == 'x' {
                            format!("{b:02x}")
                        } else {
                            format!("{b:02X}")
                        }
                    })
                    .collect();
                pad(hex, spec, false)
            }
            Value::Float(_) if matches!(verb, 'x' | 'X') => {
                format_float_verb(verb, spec, arg).unwrap_or_else(|| bad_verb(verb, spec, arg))
            }
            Value::Float(_) if verb == 'b' => bad_verb(verb, spec, arg),
            other => bad_verb(verb, spec, other),
        },
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            format_float_verb(verb, spec, arg).unwrap_or_else(|| bad_verb(verb, spec, arg))
        }
        other => bad_verb(other, spec, arg),
    }
}

fn truncate(s: &str, precision: Option<usize>) -> String {
    match precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_owned(),
    }
}

fn format_int(verb: char, spec: Spec, arg: &Value) -> Option<String> {
    let (negative, magnitude): (bool, u128) = match arg {
        Value::Int(i, _) => (*i < 0, (*i as i128).unsigned_abs()),
        Value::Uint(u) => (false, u128::from(*u)),
        _ => return None,
    };
    if verb == 'c' {
        let c = u32::try_from(magnitude)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        return Some(pad(c.to_string(), spec, false));
    }
    if verb == 'U' {
        return Some(pad(format!("U+{magnitude:04X}"), spec, false));
    }
    let mut digits = match verb {
        'b' => format!("{magnitude:b}"),
        'o' | 'O' => format!("{magnitude:o}"),
        'x' => format!("{magnitude:x}"),
        'X' => format!("{magnitude:X}"),
        _ => magnitude.to_string(),
    };
    if let Some(p) = spec.precision {
        if p == 0 && magnitude == 0 {
            digits.clear();
        } else if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let prefix = match (verb, spec.sharp) {
        ('x', true) => "0x",
        ('X', true) => "0X",
        ('o', true) if !digits.starts_with('0') => "0",
        ('O', _) => "0o",
        ('b', true) => "0b",
        _ => "",
    };
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    Some(pad(
        format!("{sign}{prefix}{digits}"),
        spec,
        spec.precision.is_none(),
    ))
}

/// Go's `strconv.FormatFloat(f, 'x', precision, 64)`: `-0x1.fp+08`, the mantissa in hex with
/// the shortest digits (or `precision` digits, rounded half to even), a decimal exponent of at
/// least two digits.
fn go_hex_float(f: f64, precision: Option<usize>) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        let zeros = precision
            .filter(|&p| p > 0)
            .map(|p| format!(".{}", "0".repeat(p)));
        return format!("{sign}0x0{}p+00", zeros.unwrap_or_default());
    }
    let bits = f.abs().to_bits();
    let (mut mantissa, mut exp) = if (bits >> 52) == 0 {
        // subnormal: normalize so the leading bit sits at position 52
        let m = bits & ((1 << 52) - 1);
        let shift = m.leading_zeros() - 11;
        (m << shift, -1022 - i64::from(shift))
    } else {
        (
            (bits & ((1 << 52) - 1)) | (1 << 52),
            ((bits >> 52) as i64) - 1023,
        )
    };
    // 52 fraction bits are 13 hex digits; round to the requested number of digits
    if let Some(p) = precision.filter(|&p| p < 13) {
        let drop = 4 * (13 - p) as u32;
        let half = 1u64 << (drop - 1);
        let rest = mantissa & ((1 << drop) - 1);
        mantissa >>= drop;
        if rest > half || (rest == half && mantissa & 1 == 1) {
            mantissa += 1;
        }
        if mantissa >> (4 * p as u32) >= 2 {
            mantissa >>= 1;
            exp += 1;
        }
        mantissa <<= drop;
    }
    let mut digits = format!("{:013x}", mantissa & ((1 << 52) - 1));
    match precision {
        None => {
            while digits.ends_with('0') {
                digits.pop();
            }
        }
        Some(p) if p <= 13 => digits.truncate(p),
        Some(p) => digits.push_str(&"0".repeat(p - 13)),
    }
    let point = if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    };
    let exp_sign = if exp < 0 { '-' } else { '+' };
    format!("{sign}0x1{point}p{exp_sign}{:02}", exp.abs())
}

fn format_float_verb(verb: char, spec: Spec, arg: &Value) -> Option<String> {
    let f = match arg {
        Value::Float(f) => *f,
        _ => return None,
    };
    let mut text = if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 {
            "+Inf".to_owned()
        } else {
            "-Inf".to_owned()
        }
    } else {
        match (verb, spec.precision) {
            ('f' | 'F', p) => format!("{:.*}", p.unwrap_or(6), f),
            ('e' | 'E', p) => go_exp(f, p.unwrap_or(6), verb == 'E'),
            ('g' | 'G', None) => {
                let s = format_float(f);
                if verb == 'G' { s.to_uppercase() } else { s }
            }
            ('g' | 'G', Some(p)) => go_g(f, p.max(1), verb == 'G'),
            ('x' | 'X', p) => {
                let s = go_hex_float(f, p);
                if verb == 'X' { s.to_uppercase() } else { s }
            }
            _ => return None,
        }
    };
    if f.is_infinite() && !spec.plus && f > 0.0 {
        text = "+Inf".into();
    }
    if spec.plus && !text.starts_with(['-', '+']) {
        text.insert(0, '+');
    } else if spec.space && !text.starts_with(['-', '+']) {
        text.insert(0, ' ');
    }
    Some(pad(text, spec, f.is_finite()))
}

/// `%.Ne`: mantissa with N decimals, exponent with a sign and at least two digits.
fn go_exp(f: f64, precision: usize, upper: bool) -> String {
    let s = format!("{:.*e}", precision, f);
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    format!(
        "{mantissa}{e}{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// `%.Ng`: N significant digits, exponent form when the exponent is < -4 or >= N, trailing
/// zeros removed.
fn go_g(f: f64, precision: usize, upper: bool) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:.*e}", precision - 1, f);
    let (_, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let s = go_exp(f, precision - 1, upper);
        let (mantissa, rest) = s
            .split_once(if upper { 'E' } else { 'e' })
            .unwrap_or((&s, ""));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        return format!("{mantissa}{}{rest}", if upper { 'E' } else { 'e' });
    }
    let decimals = (precision as i32 - 1 - exp).max(0) as usize;
    let s = format!("{:.*}", decimals, f);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn escape_char(c: char) -> String {
    match c {
        '\'' => "\\'".into(),
        '\\' => "\\\\".into(),
        '\n' => "\\n".into(),
        '\t' => "\\t".into(),
        '\r' => "\\r".into(),
        c if c.is_control() => format!("\\x{:02x}", c as u32),
        c => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::string(text)
    }

    // Every expected string in these tests was printed by Helm v4.2.3 for the same printf call.
    #[test]
    fn common_chart_formats() {
        assert_eq!(sprintf("%s-%s", &[s("rel"), s("chart")]), "rel-chart");
        assert_eq!(sprintf("%d", &[Value::int(8080)]), "8080");
        assert_eq!(sprintf("%v", &[Value::Float(8080.0)]), "8080");
        assert_eq!(sprintf("%d", &[Value::Float(8080.0)]), "%!d(float64=8080)");
        assert_eq!(sprintf("%s", &[Value::Float(1.5)]), "%!s(float64=1.5)");
        assert_eq!(sprintf("%s", &[Value::Nil]), "%!s(<nil>)");
        assert_eq!(sprintf("%v", &[Value::Nil]), "<nil>");
        assert_eq!(sprintf("%q", &[s("a\"b")]), "\"a\\\"b\"");
        assert_eq!(sprintf("%s %s", &[s("a")]), "a %!s(MISSING)");
        assert_eq!(sprintf("%s", &[s("a"), Value::int(1)]), "a%!(EXTRA int=1)");
        assert_eq!(sprintf("100%%", &[]), "100%");
        assert_eq!(sprintf("%.1f", &[Value::Float(8080.0)]), "8080.0");
        assert_eq!(
            sprintf(
                "%T %T %T",
                &[Value::Float(1.0), s("x"), Value::list(vec![])]
            ),
            "float64 string []interface {}"
        );
    }

    // 3.14159 is the literal that was rendered by Helm, not an attempt at PI.
    #[allow(clippy::approx_constant)]
    #[test]
    fn widths_precisions_and_flags() {
        assert_eq!(
            sprintf("[%5s][%-5s][%.2s]", &[s("ab"), s("ab"), s("abc")]),
            "[   ab][ab   ][ab]"
        );
        assert_eq!(
            sprintf(
                "[%05d][%+d][%x][%#x][%X][%o][%b]",
                &[
                    Value::int(42),
                    Value::int(42),
                    Value::int(255),
                    Value::int(255),
                    Value::int(255),
                    Value::int(8),
                    Value::int(5)
                ]
            ),
            "[00042][+42][ff][0xff][FF][10][101]"
        );
        assert_eq!(
            sprintf(
                "[%.2f][%8.3f][%e][%g][%.3g]",
                &[
                    Value::Float(3.14159),
                    Value::Float(3.14159),
                    Value::Float(1234.5678),
                    Value::Float(1e6),
                    Value::Float(1234.5678)
                ]
            ),
            "[3.14][   3.142][1.234568e+03][1e+06][1.23e+03]"
        );
        assert_eq!(sprintf("%*d", &[Value::int(4), Value::int(7)]), "   7");
        assert_eq!(sprintf("%c%c", &[Value::int(72), Value::int(105)]), "Hi");
        assert_eq!(sprintf("%x", &[s("hi")]), "6869");
    }

    #[test]
    fn lists_and_maps_format_element_wise() {
        let l = Value::list(vec![s("a"), Value::Float(1.0)]);
        assert_eq!(sprintf("%v", std::slice::from_ref(&l)), "[a 1]");
        assert_eq!(
            sprintf("%s", std::slice::from_ref(&l)),
            "[a %!s(float64=1)]"
        );
        assert_eq!(
            sprintf("%q", &[Value::list(vec![s("a"), s("b")])]),
            "[\"a\" \"b\"]"
        );
    }
}

#[cfg(test)]
mod argument_index_tests {
    use super::*;

    /// Each expected string was printed by Helm v4.2.3 for `printf FORMAT 3 7`.
    #[test]
    fn explicit_argument_indexes_work_as_in_go() {
        let args = [Value::int(3), Value::int(7)];
        for (format, go) in [
            ("%[2]d %[1]d", "7 3"),
            ("%[1]d %d", "3 7"),
            ("%[3]d", "%!d(BADINDEX)"),
            ("%[0]d", "%!d(BADINDEX)"),
            ("%[]d", "%!d(BADINDEX)"),
            ("%[x]d", "%!d(BADINDEX)"),
            ("%[2", "%!(NOVERB)"),
            ("%[1]*d", "  7"),
            ("%[2]*[1]d", "      3"),
            ("%.[2]d", "7"),
            ("%[1].2f", "%!f(BADINDEX)"),
            ("%[2]5d", "%!d(BADINDEX)"),
            ("%d %d %[1]d %d", "3 7 3 7"),
            ("%[-1]d", "%!d(BADINDEX)"),
            ("%-*d|", "7  |"),
            ("%.*f", "%!f(int=007)"),
            ("%*d|", "  7|"),
            ("%[5]s %s", "%!s(BADINDEX) %!s(int=3)"),
            ("%v %[1]T", "3 int"),
        ] {
            assert_eq!(sprintf(format, &args), go, "{format}");
        }
        assert_eq!(sprintf("%*d|", &[Value::int(-5), Value::int(7)]), "7    |");
        assert_eq!(
            sprintf("%.*f", &[Value::int(2), Value::Float(1.23456)]),
            "1.23"
        );
    }
}

#[cfg(test)]
mod hex_float_tests {
    use super::*;

    /// Each line was printed by Helm v4.2.3 for
    /// `printf "%x|%X|%.2x|%.0x|%8.3x|"` of the same float64.
    #[test]
    fn floats_print_in_hex_as_go_prints_them() {
        for (f, go) in [
            (
                -496.0,
                "-0x1.fp+08|-0X1.FP+08|-0x1.f0p+08|-0x1p+09|-0x1.f00p+08|",
            ),
            (0.0, "0x0p+00|0X0P+00|0x0.00p+00|0x0p+00|0x0.000p+00|"),
            (1.0, "0x1p+00|0X1P+00|0x1.00p+00|0x1p+00|0x1.000p+00|"),
            (
                0.1,
                "0x1.999999999999ap-04|0X1.999999999999AP-04|0x1.9ap-04|0x1p-03|0x1.99ap-04|",
            ),
            (
                1e300,
                "0x1.7e43c8800759cp+996|0X1.7E43C8800759CP+996|0x1.7ep+996|0x1p+996|0x1.7e4p+996|",
            ),
            (
                5e-324,
                "0x1p-1074|0X1P-1074|0x1.00p-1074|0x1p-1074|0x1.000p-1074|",
            ),
            (2.5, "0x1.4p+01|0X1.4P+01|0x1.40p+01|0x1p+01|0x1.400p+01|"),
            (
                1.0 / 3.0,
                "0x1.5555555555555p-02|0X1.5555555555555P-02|0x1.55p-02|0x1p-02|0x1.555p-02|",
            ),
            (
                255.99,
                "0x1.fffae147ae148p+07|0X1.FFFAE147AE148P+07|0x1.00p+08|0x1p+08|0x1.000p+08|",
            ),
            (-0.0, "-0x0p+00|-0X0P+00|-0x0.00p+00|-0x0p+00|-0x0.000p+00|"),
        ] {
            let v = Value::Float(f);
            let args = [v.clone(), v.clone(), v.clone(), v.clone(), v];
            assert_eq!(sprintf("%x|%X|%.2x|%.0x|%8.3x|", &args), go, "{f}");
        }
    }
}
