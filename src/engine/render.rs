//! Rendering a set of template files as Helm's engine does: every file parsed once into a
//! shared [`Templates`] (Helm's parse order, so the winning `define` of a duplicated name is
//! the one Helm picks), then any file executed with its values, concurrently if wanted, with
//! Helm's function set, `<no value>` removed, limits enforced, and errors worded as Helm words
//! them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use super::exec::{BUILTINS, Context, Limits, Lookup, TemplateSet, execute};
use super::funcs::{Registry, collections, crypto, dates, helm, paths, semver, strings, toml};
use super::value::{Map, Value};

/// Every function Helm v4.2.3 offers templates, besides Go's builtins.
pub fn helm_functions() -> &'static Registry {
    static FUNCS: OnceLock<Registry> = OnceLock::new();
    FUNCS.get_or_init(|| {
        let mut r = Registry::new();
        collections::register(&mut r);
        crypto::register(&mut r);
        dates::register(&mut r);
        helm::register(&mut r);
        paths::register(&mut r);
        semver::register(&mut r);
        strings::register(&mut r);
        toml::register(&mut r);
        r
    })
}

/// Helm's removal of every `<no value>` from a render's output, quick when there is none.
pub fn without_no_value(text: String) -> String {
    // finding a character uses memchr, much cheaper than a substring search
    if text.contains('<') && text.contains("<no value>") {
        text.replace("<no value>", "")
    } else {
        text
    }
}

/// Parsed template files, shared by every render of them.
#[derive(Debug, Clone)]
pub struct Templates {
    set: Arc<TemplateSet>,
    funcs: &'static Registry,
    /// The files in Helm's order (it parses and renders in the same order).
    files: Vec<String>,
}

/// Helm's parse order: files with more path segments first, and among equals the
/// reverse of byte order (Helm sorts by path length and then reverses the whole order).
fn helm_parse_order(names: &mut [&str]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
}

/// Helm's wording of a parse error: `parse error at (LOCATION): MESSAGE`.
pub fn helm_parse_error(file: &str, error: &str) -> String {
    let tokens: Vec<&str> = error.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({file}): {error}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

impl Templates {
    /// Parses `files` (name, text) with Helm's function set.
    ///
    /// # Errors
    /// The first parse error in Helm's parse order, worded as Helm words it.
    pub fn parse(files: &[(String, String)]) -> Result<Self, String> {
        let funcs = helm_functions();
        let texts: HashMap<&str, &str> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let mut names: Vec<&str> = texts.keys().copied().collect();
        helm_parse_order(&mut names);
        let mut set = TemplateSet::default();
        let files = names.iter().map(|n| (*n).to_owned()).collect();
        for name in names {
            let text = texts[name];
            let parsed =
                super::parse::parse(name, text, &|n| BUILTINS.contains(&n) || funcs.has(n))
                    .map_err(|e| helm_parse_error(name, &e.to_string()))?;
            let source: Arc<str> = Arc::from(text);
            for (_, tree) in parsed.defined {
                set.add(tree, Arc::clone(&source));
            }
            set.add(parsed.main, source);
        }
        Ok(Self {
            set: Arc::new(set),
            funcs,
            files,
        })
    }

    /// Renders every file but partials (`_*`) as Helm does: in Helm's order, one after another
    /// on the same root object (so what one template `set`s, later ones see), with
    /// `.Template.Name` and `.Template.BasePath` set for each file; `base_path` gives a file's
    /// base path (`<chart>/templates`).
    ///
    /// # Errors
    /// The first failing file's error, as Helm words it.
    pub fn render_files(
        &self,
        root: &Map,
        base_path: &dyn Fn(&str) -> String,
        limits: Limits,
        lookup: Option<&dyn Lookup>,
    ) -> Result<BTreeMap<String, String>, String> {
        self.render_scoped(
            &|file| Some((root.clone(), base_path(file))),
            limits,
            lookup,
        )
    }

    /// [`Templates::render_files`] with a root object per file: `scope` gives the object a file
    /// renders with and its base path, or `None` for a file that is not rendered (a library
    /// chart's template). Files sharing a root object share it as Helm's do.
    ///
    /// # Errors
    /// The first failing file's error, as Helm words it.
    pub fn render_scoped(
        &self,
        scope: &dyn Fn(&str) -> Option<(Map, String)>,
        limits: Limits,
        lookup: Option<&dyn Lookup>,
    ) -> Result<BTreeMap<String, String>, String> {
        let mut rendered = BTreeMap::new();
        for file in &self.files {
            let base = file.rsplit('/').next().unwrap_or(file);
            if base.starts_with('_') {
                continue;
            }
            let Some((root, base_path)) = scope(file) else {
                continue;
            };
            let template = Map::typed(BTreeMap::new(), super::value::MapType::Values);
            template.insert("Name", Value::string(file.as_str()));
            template.insert("BasePath", Value::string(base_path));
            root.insert("Template", Value::Map(template));
            let text = self.render(file, &Value::Map(root), limits, lookup)?;
            rendered.insert(file.clone(), text);
        }
        Ok(rendered)
    }

    /// Runs template `name` with `data` as dot: Helm's output (with `<no value>` removed).
    ///
    /// # Errors
    /// The execution error as Helm words it.
    pub fn render(
        &self,
        name: &str,
        data: &Value,
        limits: Limits,
        lookup: Option<&dyn Lookup>,
    ) -> Result<String, String> {
        let mut ctx = Context {
            set: &self.set,
            funcs: self.funcs,
            limits,
            depth: 0,
            includes: crate::engine::fasthash::FastMap::default(),
            lookup,
        };
        let mut out = String::new();
        execute(&mut ctx, name, data, &mut out).map_err(|e| helm::helm_exec_error(&e.0))?;
        Ok(without_no_value(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn templates(text: &str) -> Templates {
        Templates::parse(&[("t".to_owned(), text.to_owned())]).unwrap()
    }

    #[test]
    fn a_template_that_loops_forever_stops_at_the_deadline() {
        let t = templates("{{ range 1000000000000 }}{{ end }}");
        let limits = Limits {
            deadline: Some(Instant::now() + Duration::from_millis(50)),
            ..Limits::default()
        };
        let err = t.render("t", &Value::Nil, limits, None).unwrap_err();
        assert!(err.contains("render deadline exceeded"), "{err}");
    }

    #[test]
    fn output_beyond_the_cap_fails_the_render() {
        let t = templates("{{ range 100000 }}0123456789{{ end }}");
        let limits = Limits {
            max_output: 10_000,
            ..Limits::default()
        };
        let err = t.render("t", &Value::Nil, limits, None).unwrap_err();
        assert!(
            err.contains("output exceeds the limit of 10000 bytes"),
            "{err}"
        );
        assert!(t.render("t", &Value::Nil, Limits::default(), None).is_ok());
    }

    #[test]
    fn unbounded_template_recursion_is_refused_without_exhausting_the_stack() {
        let t = templates(r#"{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}"#);
        let err = t
            .render("t", &Value::Nil, Limits::default(), None)
            .unwrap_err();
        assert!(
            err.contains("exceeded maximum template depth (2000)"),
            "{err}"
        );
    }

    #[test]
    fn include_recursion_stops_with_helms_message() {
        let t = templates(r#"{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}"#);
        let err = t
            .render("t", &Value::Nil, Limits::default(), None)
            .unwrap_err();
        assert!(
            err.ends_with(
                "error calling include: rendering template has a nested reference name: r: unable to execute template"
            ),
            "{}",
            &err[err.len().saturating_sub(300)..]
        );
    }

    #[test]
    fn one_parse_serves_concurrent_renders() {
        let t = templates(
            r#"{{ define "x" }}<{{ . }}>{{ end }}{{ range . }}{{ include "x" . }}{{ end }}"#,
        );
        let outputs: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let t = &t;
                    s.spawn(move || {
                        let data = Value::list(vec![Value::int(i), Value::int(i + 1)]);
                        t.render("t", &data, Limits::default(), None).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(outputs, ["<0><1>", "<1><2>", "<2><3>", "<3><4>"]);
    }
}
