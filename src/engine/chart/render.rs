//! A chart's render as Helm v4.2.3's engine does it: every template of the chart and of its
//! enabled subcharts parsed together, each rendered with its own chart's objects (`.Chart`,
//! `.Files`, `.Values` scoped to the subchart, `.Subcharts`, and the shared `.Release` and
//! `.Capabilities`), partials and library charts' templates not emitted, giving Helm's render
//! map (`<chart>/templates/<file>`, `<chart>/charts/<sub>/templates/<file>`).

use std::collections::BTreeMap;

use super::Chart;
use super::objects::{Capabilities, Files, capabilities_value, chart_value};
use crate::engine::exec::{Limits, Lookup};
use crate::engine::render::Templates;
use crate::engine::value::{Map, MapType, Value};

/// `.Release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Revision being rendered.
    pub revision: i64,
    /// Whether this is an install (else an upgrade).
    pub is_install: bool,
}

impl Default for ReleaseInfo {
    fn default() -> Self {
        Self {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_install: true,
        }
    }
}

fn release_value(release: &ReleaseInfo) -> Value {
    let m = Map::default();
    m.insert("Name", Value::string(release.name.as_str()));
    m.insert("Namespace", Value::string(release.namespace.as_str()));
    m.insert("Revision", Value::int(release.revision));
    m.insert("IsInstall", Value::Bool(release.is_install));
    m.insert("IsUpgrade", Value::Bool(!release.is_install));
    m.insert("Service", Value::string("Helm"));
    Value::Map(m)
}

/// What one chart's files render with.
struct Scope {
    root: Map,
    base_path: String,
}

/// The template files of a chart and its subcharts, named as Helm names them (a library
/// chart lends only its partials).
fn template_files(chart: &Chart, full_path: &str, files: &mut Vec<(String, String)>) {
    for child in &chart.dependencies {
        template_files(
            child,
            &format!("{full_path}/charts/{}", child.metadata.name),
            files,
        );
    }
    for template in &chart.templates {
        let name = format!("{full_path}/{}", template.name);
        let base = name.rsplit('/').next().unwrap_or(&name);
        if chart.is_library() && !base.starts_with('_') {
            continue;
        }
        let text = match std::str::from_utf8(&template.data) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(&template.data).into_owned(),
        };
        files.push((name, text));
    }
}

/// Builds each chart's root object (Helm's `recAllTpls`): `.Values` scoped to the chart,
/// `.Subcharts` holding the children's root objects.
fn scopes(
    chart: &Chart,
    full_path: &str,
    values: &Value,
    shared: &(Value, Value),
    by_file: &mut BTreeMap<String, usize>,
    roots: &mut Vec<Scope>,
) -> Map {
    let root = Map::typed(BTreeMap::new(), MapType::Values);
    root.insert(
        "Chart",
        chart_value(&chart.metadata, full_path == chart.metadata.name),
    );
    root.insert("Files", Value::object(Files::new(&chart.files)));
    root.insert("Release", shared.0.clone());
    root.insert("Capabilities", shared.1.clone());
    root.insert("Values", values.clone());
    let subcharts = Map::default();
    for child in &chart.dependencies {
        let child_values = match values {
            Value::Map(m) => match m.get(&child.metadata.name) {
                Some(Value::Map(table)) => Value::Map(table.as_type(MapType::Values)),
                _ => Value::Map(Map::typed(BTreeMap::new(), MapType::Values)),
            },
            _ => Value::Map(Map::typed(BTreeMap::new(), MapType::Values)),
        };
        let child_path = format!("{full_path}/charts/{}", child.metadata.name);
        let child_root = scopes(child, &child_path, &child_values, shared, by_file, roots);
        subcharts.insert(child.metadata.name.clone(), Value::Map(child_root));
    }
    root.insert("Subcharts", Value::Map(subcharts));
    let index = roots.len();
    roots.push(Scope {
        root: root.clone(),
        base_path: format!("{full_path}/templates"),
    });
    if !chart.is_library() {
        for template in &chart.templates {
            by_file.insert(format!("{full_path}/{}", template.name), index);
        }
    }
    root
}

/// A chart whose dependencies were processed (disabled subcharts removed, aliases applied),
/// with its templates parsed once for any number of renders.
#[derive(Debug, Clone)]
pub struct ParsedChart {
    chart: Chart,
    templates: Templates,
}

impl ParsedChart {
    /// Parses every template of the chart and its subcharts, as Helm parses them for a render.
    ///
    /// # Errors
    /// The first parse error, worded as Helm words it.
    pub fn new(chart: Chart) -> Result<Self, String> {
        let mut files = Vec::new();
        template_files(&chart, &chart.metadata.name, &mut files);
        let templates = Templates::parse(&files)?;
        Ok(Self { chart, templates })
    }

    /// The chart.
    pub fn chart(&self) -> &Chart {
        &self.chart
    }

    /// Renders the chart with its coalesced values: Helm's render map.
    ///
    /// # Errors
    /// An execution error, worded as Helm words it.
    pub fn render(
        &self,
        values: &serde_json::Map<String, serde_json::Value>,
        release: &ReleaseInfo,
        capabilities: &Capabilities,
        limits: Limits,
        lookup: Option<&dyn Lookup>,
    ) -> Result<BTreeMap<String, String>, String> {
        let values = Value::Map(Value::from_values_json_object(values).as_type(MapType::Values));
        let shared = (release_value(release), capabilities_value(capabilities));
        let mut by_file = BTreeMap::new();
        let mut roots = Vec::new();
        let name = &self.chart.metadata.name;
        scopes(
            &self.chart,
            name,
            &values,
            &shared,
            &mut by_file,
            &mut roots,
        );
        self.templates.render_scoped(
            &|file| {
                let scope = &roots[*by_file.get(file)?];
                Some((scope.root.clone(), scope.base_path.clone()))
            },
            limits,
            lookup,
        )
    }
}

/// Parses and renders a processed chart once: Helm's render map.
///
/// # Errors
/// A parse or execution error, worded as Helm words it.
pub fn render_chart(
    chart: &Chart,
    values: &serde_json::Map<String, serde_json::Value>,
    release: &ReleaseInfo,
    capabilities: &Capabilities,
    limits: Limits,
    lookup: Option<&dyn Lookup>,
) -> Result<BTreeMap<String, String>, String> {
    ParsedChart::new(chart.clone())?.render(values, release, capabilities, limits, lookup)
}
