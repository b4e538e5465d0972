//! Sprig's path functions, Go's `path` package (slash-separated, lexical): `base`, `dir`,
//! `clean`, `ext`, `isAbs`, and their `os*` forms (`path/filepath` on Linux, the same rules).

use super::{Registry, Ty};
use crate::engine::value::Value;

/// Go's `path.Clean`: the shortest path naming the same file, by purely lexical processing.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for element in path.split('/') {
        match element {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `path.Base`: the last element, trailing slashes removed.
pub fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_owned(),
        None => trimmed.to_owned(),
    }
}

/// Go's `path.Dir`: everything but the last element, cleaned.
pub fn dir(path: &str) -> String {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    clean(&path[..cut])
}

/// Go's `path.Ext`: the suffix from the final dot of the last element.
pub fn ext(path: &str) -> String {
    for (i, b) in path.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return path[i..].to_owned(),
            _ => {}
        }
    }
    String::new()
}

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

/// Registers the path functions.
pub fn register(r: &mut Registry) {
    let one = &[Ty::String];
    r.add("base", one, None, |a, _| {
        Ok(Value::string(base(text(&a[0]))))
    });
    r.add("osBase", one, None, |a, _| {
        Ok(Value::string(base(text(&a[0]))))
    });
    r.add("dir", one, None, |a, _| Ok(Value::string(dir(text(&a[0])))));
    r.add("osDir", one, None, |a, _| {
        Ok(Value::string(dir(text(&a[0]))))
    });
    r.add("clean", one, None, |a, _| {
        Ok(Value::string(clean(text(&a[0]))))
    });
    r.add("osClean", one, None, |a, _| {
        Ok(Value::string(clean(text(&a[0]))))
    });
    r.add("ext", one, None, |a, _| Ok(Value::string(ext(text(&a[0])))));
    r.add("osExt", one, None, |a, _| {
        Ok(Value::string(ext(text(&a[0]))))
    });
    r.add("isAbs", one, None, |a, _| {
        Ok(Value::Bool(text(&a[0]).starts_with('/')))
    });
    r.add("osIsAbs", one, None, |a, _| {
        Ok(Value::Bool(text(&a[0]).starts_with('/')))
    });
}
