//! Helm's own template functions (`include`, `tpl`, `required`, `fail`, `lookup`, the JSON,
//! YAML and TOML conversions) and Sprig's JSON encoders, plus the way Helm v4.2.3 turns an
//! execution error into the message a user sees.

use std::sync::Arc;

use super::{Registry, Ty};
use crate::engine::exec::{BUILTINS, Context, ParsedText, TemplateSet, execute, execute_tree};
use crate::engine::json::{self, MarshalOptions};
use crate::engine::lex::go_quote;
use crate::engine::parse::Tree;
use crate::engine::value::{ListKind, Value};
use crate::engine::yaml::emit::{Node, emit_v2, emit_v3, json_to_yaml};
use crate::engine::yaml::parse::{yaml_to_json_array, yaml_to_json_map};

/// How many times one template name may be nested in `include` (Helm's `recursionMaxNums`).
pub const MAX_INCLUDE_NESTING: usize = 1000;

const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";

/// Registers Helm's functions and Sprig's JSON encoders.
pub fn register(r: &mut Registry) {
    r.add("include", &[Ty::String, Ty::Any], None, include);
    r.add("tpl", &[Ty::String, Ty::Map], None, tpl);
    r.add("required", &[Ty::String, Ty::Any], None, required);
    r.add("fail", &[Ty::String], None, fail);
    r.add(
        "lookup",
        &[Ty::String, Ty::String, Ty::String, Ty::String],
        None,
        lookup,
    );
    r.add("toJson", &[Ty::Any], None, |a, _| {
        Ok(Value::string(marshal(&a[0], true, 0).unwrap_or_default()))
    });
    r.add("mustToJson", &[Ty::Any], None, |a, _| {
        marshal(&a[0], true, 0).map(Value::string)
    });
    r.add("toPrettyJson", &[Ty::Any], None, |a, _| {
        Ok(Value::string(marshal(&a[0], true, 2).unwrap_or_default()))
    });
    r.add("mustToPrettyJson", &[Ty::Any], None, |a, _| {
        marshal(&a[0], true, 2).map(Value::string)
    });
    r.add("toRawJson", &[Ty::Any], None, |a, _| {
        Ok(Value::string(marshal(&a[0], false, 0).unwrap_or_default()))
    });
    r.add("mustToRawJson", &[Ty::Any], None, |a, _| {
        marshal(&a[0], false, 0).map(Value::string)
    });
    r.add("toYaml", &[Ty::Any], None, |a, _| {
        Ok(Value::string(to_yaml(&a[0])))
    });
    r.add("mustToYaml", &[Ty::Any], None, |a, _| {
        must_to_yaml(&a[0]).map(Value::string)
    });
    r.add("toYamlPretty", &[Ty::Any], None, |a, _| {
        let text = emit_v3(&yaml_node(&a[0], 0), 2);
        Ok(Value::string(text.strip_suffix('\n').unwrap_or(&text)))
    });
    r.add("fromYaml", &[Ty::String], None, |a, _| {
        Ok(match yaml_to_json_map(str_arg(&a[0])) {
            Ok(map) => Value::from_json(&serde_json::Value::Object(map)),
            Err(e) => error_map(e),
        })
    });
    r.add("fromYamlArray", &[Ty::String], None, |a, _| {
        Ok(match yaml_to_json_array(str_arg(&a[0])) {
            Ok(items) => Value::from_json(&serde_json::Value::Array(items)),
            Err(e) => Value::list(vec![Value::string(e)]),
        })
    });
    r.add("mustFromJson", &[Ty::String], None, |a, _| {
        json::unmarshal(str_arg(&a[0]))
    });
    r.add("hello", &[], None, |_, _| Ok(Value::string("Hello!")));
    r.add("fromJson", &[Ty::String], None, |a, _| {
        Ok(from_json(str_arg(&a[0])))
    });
    r.add("fromJsonArray", &[Ty::String], None, |a, _| {
        Ok(from_json_array(str_arg(&a[0])))
    });
}

fn str_arg(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

fn marshal(value: &Value, escape_html: bool, indent: usize) -> Result<String, String> {
    json::marshal(
        value,
        MarshalOptions {
            escape_html,
            indent,
        },
    )
}

/// Helm's `toYaml`: `encoding/json`, then sigs.k8s.io/yaml's JSON-to-YAML with go-yaml v2, one
/// trailing newline trimmed; a value JSON cannot hold gives an empty string, as in Helm.
pub(crate) fn to_yaml(value: &Value) -> String {
    must_to_yaml(value).unwrap_or_default()
}

/// Helm's `mustToYaml`: `toYaml` that reports sigs.k8s.io/yaml's error.
fn must_to_yaml(value: &Value) -> Result<String, String> {
    let text = match v2_node(value, 0) {
        Some(node) => emit_v2(&node),
        None => yaml_through_json(value)?,
    };
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_owned())
}

/// sigs.k8s.io/yaml's way: `encoding/json`, then go-yaml v2 reading that JSON and writing YAML.
fn yaml_through_json(value: &Value) -> Result<String, String> {
    let json = marshal(value, true, 0).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    json_to_yaml(&json).map_err(|e| format!("error converting JSON to YAML: {e}"))
}

/// The node go-yaml v2 reads back from the JSON of `value`, built without writing the JSON,
/// for values where the round trip is known to change nothing but number types: a JSON number
/// becomes an int when its text is an integer (`3`, `-0`) and a float otherwise. `None` where
/// the round trip has effects of its own (characters go-yaml's reader refuses or rewrites,
/// long keys, NaN), so the caller takes the real round trip.
fn v2_node(value: &Value, depth: usize) -> Option<Node> {
    if depth > crate::engine::value::MAX_NESTING {
        return None;
    }
    Some(match value {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i, _) => Node::Int(*i),
        Value::Uint(u) => Node::Uint(*u),
        Value::Float(f) => {
            let text = json::go_json_float(*f).ok()?;
            if text.contains(['.', 'e', 'E']) {
                Node::Float(*f)
            } else if let Ok(i) = text.parse::<i64>() {
                Node::Int(i)
            } else if let Ok(u) = text.parse::<u64>() {
                Node::Uint(u)
            } else {
                return None;
            }
        }
        Value::String(s) if plain_through_json(s) => Node::Str(s.to_string()),
        Value::String(_) => return None,
        Value::List(items, _) => Node::Seq(
            items
                .iter()
                .map(|v| v2_node(v, depth + 1))
                .collect::<Option<_>>()?,
        ),
        Value::Map(m) => Node::Map(
            m.entries()
                .into_iter()
                .map(|(k, v)| {
                    (k.len() <= 160 && plain_through_json(&k))
                        .then_some(())
                        .and_then(|()| Some((k, v2_node(&v, depth + 1)?)))
                })
                .collect::<Option<_>>()?,
        ),
        Value::Object(o) => v2_node(&o.to_data(), depth + 1)?,
    })
}

/// Whether a string survives the JSON round trip into go-yaml v2 unchanged: no control
/// characters but tab and newline, nothing from DEL to U+009F, no line or paragraph separator,
/// byte-order mark or non-character.
fn plain_through_json(s: &str) -> bool {
    s.chars().all(|c| match c {
        '\t' | '\n' => true,
        c if (c as u32) < 0x20 => false,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => {
            false
        }
        _ => true,
    })
}

/// A template value as go-yaml v3 encodes Go values (`toYamlPretty` encodes them directly,
/// without a JSON round trip).
fn yaml_node(value: &Value, depth: usize) -> Node {
    if depth > crate::engine::value::MAX_NESTING {
        return Node::Null;
    }
    match value {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i, _) => Node::Int(*i),
        Value::Uint(u) => Node::Uint(*u),
        Value::Float(f) => Node::Float(*f),
        Value::String(s) => Node::Str(s.to_string()),
        Value::List(items, _) => Node::Seq(items.iter().map(|v| yaml_node(v, depth + 1)).collect()),
        Value::Map(m) => Node::Map(
            m.entries()
                .into_iter()
                .map(|(k, v)| (k, yaml_node(&v, depth + 1)))
                .collect(),
        ),
        Value::Object(o) => yaml_node(&o.to_data(), depth + 1),
    }
}

/// What Helm's `fromYaml` and `fromJson` return for unreadable text: the error under `Error`.
fn error_map(error: String) -> Value {
    let map = crate::engine::value::Map::default();
    map.insert("Error", Value::string(error));
    Value::Map(map)
}

/// Helm's `fromJson`: a map, or a map holding the error under `Error`.
fn from_json(text: &str) -> Value {
    let (value, error) = match json::unmarshal_partial(text) {
        Ok(decoded) => decoded,
        Err(e) => (Value::Nil, Some(e)),
    };
    let map = match value {
        Value::Map(m) => m,
        Value::Nil => Default::default(),
        other => {
            let m = crate::engine::value::Map::default();
            m.insert(
                "Error",
                Value::string(json::type_error(&other, "map[string]interface {}")),
            );
            return Value::Map(m);
        }
    };
    if let Some(e) = error {
        map.insert("Error", Value::string(e));
    }
    Value::Map(map)
}

/// Helm's `fromJsonArray`: a list, or a list holding only the error text.
fn from_json_array(text: &str) -> Value {
    match json::unmarshal_partial(text) {
        Ok((Value::List(items, _), None)) => Value::List(items, ListKind::Interface),
        Ok((Value::Nil, None)) => Value::list(vec![]),
        Ok((_, Some(e))) | Err(e) => Value::list(vec![Value::string(e)]),
        Ok((other, None)) => Value::list(vec![Value::string(json::type_error(
            &other,
            "[]interface {}",
        ))]),
    }
}

fn include(args: &[Value], ctx: &mut Context<'_>) -> Result<Value, String> {
    let name = str_arg(&args[0]);
    if !ctx.set.has(name) {
        // Helm executes includes through its root template, named "gotpl"
        return Err(format!(
            "template: no template {} associated with template {}",
            go_quote(name),
            go_quote(TPL_NAME)
        ));
    }
    match ctx.includes.get_mut(name) {
        Some(count) if *count > MAX_INCLUDE_NESTING => {
            return Err(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            ));
        }
        Some(count) => *count += 1,
        None => {
            ctx.includes.insert(name.to_owned(), 1);
        }
    }
    // included templates are mostly a few lines; starting with room saves regrowing
    let mut out = String::with_capacity(256);
    let result = execute(ctx, name, &args[1], &mut out);
    if let Some(count) = ctx.includes.get_mut(name) {
        *count -= 1;
    }
    result.map_err(|e| e.0)?;
    Ok(Value::string(out))
}

/// The name Helm v4.2.3 parses `tpl` text under (its root template's name).
const TPL_NAME: &str = "gotpl";

fn tpl(args: &[Value], ctx: &mut Context<'_>) -> Result<Value, String> {
    let text = str_arg(&args[0]);
    let funcs = ctx.funcs;
    let parsed = ctx.set.parsed_text(text, || {
        let parsed =
            crate::engine::parse::parse(TPL_NAME, text, &|n| BUILTINS.contains(&n) || funcs.has(n))
                .map_err(|e| format!("cannot parse template {}: {e}", go_quote(text)))?;
        let mut trees: Vec<Arc<Tree>> = parsed.defined.into_values().map(Arc::new).collect();
        trees.push(Arc::new(parsed.main));
        Ok::<_, String>(ParsedText {
            trees,
            source: Arc::from(text),
        })
    })?;
    // the text's templates lie over the chart's for this call only, as Helm's clone does
    let mut overlay = TemplateSet::overlay(Arc::clone(ctx.set));
    for tree in &parsed.trees {
        overlay.add_shared(Arc::clone(tree), Arc::clone(&parsed.source));
    }
    let overlay = Arc::new(overlay);
    let mut inner = Context {
        set: &overlay,
        funcs,
        limits: ctx.limits,
        depth: ctx.depth,
        includes: std::mem::take(&mut ctx.includes),
        lookup: ctx.lookup,
    };
    let mut out = String::new();
    // the text's own tree runs, even when it is empty and the name resolves to another
    let main = parsed
        .trees
        .last()
        .map(Arc::clone)
        .ok_or("tpl text without a tree")?;
    let result = execute_tree(
        &mut inner,
        main,
        Arc::clone(&parsed.source),
        &args[1],
        &mut out,
    );
    ctx.includes = inner.includes;
    result.map_err(|e| {
        format!(
            "error during tpl function execution for {}: {e}",
            go_quote(text)
        )
    })?;
    Ok(Value::string(crate::engine::render::without_no_value(out)))
}

fn warn_wrap(message: &str) -> String {
    format!("{WARN_START}{message}{WARN_END}")
}

fn required(args: &[Value], _: &mut Context<'_>) -> Result<Value, String> {
    match &args[1] {
        Value::Nil => Err(warn_wrap(str_arg(&args[0]))),
        Value::String(s) if s.is_empty() => Err(warn_wrap(str_arg(&args[0]))),
        other => Ok(other.clone()),
    }
}

fn fail(args: &[Value], _: &mut Context<'_>) -> Result<Value, String> {
    Err(warn_wrap(str_arg(&args[0])))
}

fn lookup(args: &[Value], ctx: &mut Context<'_>) -> Result<Value, String> {
    match ctx.lookup {
        Some(reader) => reader.lookup(
            str_arg(&args[0]),
            str_arg(&args[1]),
            str_arg(&args[2]),
            str_arg(&args[3]),
        ),
        None => Ok(Value::map(Default::default())),
    }
}

/// The message Helm v4.2.3 shows for a template execution error (Go's one-line form in
/// `error`): `required` and `fail` become `execution error at (LOCATION): MESSAGE`; an error
/// reached through nothing but `include` calls is laid out one frame per line
/// (`LOCATION\n  executing "NAME" at <NODE>:\n    MESSAGE`); anything else stays as Go wrote it.
pub fn helm_exec_error(error: &str) -> String {
    let mut tokens = error.splitn(3, ": ");
    if let (Some("template"), Some(location), Some(rest)) =
        (tokens.next(), tokens.next(), tokens.next())
        && let Some(start) = rest.find(WARN_START)
    {
        let after = &rest[start + WARN_START.len()..];
        if let Some(end) = after.rfind(WARN_END) {
            return format!("execution error at ({location}): {}", &after[..end]);
        }
    }
    layered_include_error(error).unwrap_or_else(|| error.to_owned())
}

/// One frame of Go's error text, `template: LOCATION: executing "NAME" at <NODE>: MESSAGE`,
/// as (LOCATION, `executing "NAME" at <NODE>`, MESSAGE).
fn split_frame(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix("template: ")?;
    let at = rest.find(": executing \"")?;
    let frame = &rest[at + 2..];
    let node_start = frame.find("\" at <")? + "\" at <".len();
    let close = frame[node_start..].find(">: ")? + node_start;
    Some((&rest[..at], &frame[..=close], &frame[close + 3..]))
}

fn layered_include_error(error: &str) -> Option<String> {
    const VIA_INCLUDE: &str = "error calling include: ";
    let mut out = String::new();
    let mut rest = error;
    loop {
        let Some((location, head, message)) = split_frame(rest) else {
            // the innermost error of an include chain that is not itself a frame
            if out.is_empty() || !rest.starts_with("template: ") {
                return None;
            }
            out.push_str(rest);
            return Some(out);
        };
        out.push_str(location);
        out.push_str("\n  ");
        out.push_str(head);
        out.push_str(":\n    ");
        if let Some(inner) = message.strip_prefix(VIA_INCLUDE) {
            out.push_str("error calling include:\n");
            rest = inner;
        } else if message.starts_with("error calling ") {
            return None;
        } else {
            // Helm lays the message out on its own line, without trailing blanks
            out.push_str(message.trim_end());
            return Some(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic generator of values like the ones charts hold, with the numbers and
    /// strings that make the JSON round trip interesting.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn value(&mut self, depth: usize) -> Value {
            let strings = [
                "",
                "a",
                "true",
                "yes",
                "1e3",
                "0x1F",
                "- x",
                "a: b",
                "#c",
                "multi\nline\n",
                " lead",
                "trail ",
                "ünï",
                "x<y&z",
                "\u{85}",
                "tab\there",
                "\u{7f}",
                "~",
                "null",
                "'q'",
                "\"dq\"",
                "1:20",
                "2001-12-14",
                "@at",
                "long long long long long long long long long long long long long long long long long long",
            ];
            match self.below(if depth > 3 { 6 } else { 9 }) {
                0 => Value::Nil,
                1 => Value::Bool(self.below(2) == 0),
                2 => Value::int(self.next() as i64 >> self.below(64)),
                3 => Value::Float(f64::from_bits(self.next())),
                4 => Value::Float(
                    (self.below(2_000_000) as f64 - 1e6)
                        / [1.0, 3.0, 1e3, 1e-9][self.below(4) as usize],
                ),
                5 => Value::string(strings[self.below(strings.len() as u64) as usize]),
                6 | 7 => Value::map(
                    (0..self.below(5))
                        .map(|_| {
                            let k = strings[self.below(strings.len() as u64) as usize].to_owned();
                            (k, self.value(depth + 1))
                        })
                        .collect(),
                ),
                _ => Value::list((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            }
        }
    }

    #[test]
    fn to_yaml_without_writing_json_matches_the_json_round_trip() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut direct = 0;
        for _ in 0..20_000 {
            let value = g.value(0);
            let through_json = yaml_through_json(&value);
            if let Some(node) = v2_node(&value, 0) {
                direct += 1;
                assert_eq!(Ok(emit_v2(&node)), through_json, "{value:?}");
            }
        }
        // most values take the direct path; the rest are covered by the round trip itself
        assert!(direct > 10_000, "only {direct} values took the direct path");
    }
}
