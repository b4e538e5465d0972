//! The objects a chart's templates see besides `.Values` (`.Chart`, `.Files`, `.Capabilities`,
//! `.Release`, `.Template`, `.Subcharts`), rendered by the engine's chart pipeline and by real
//! Helm v4.2.3 from the same chart directory, compared byte for byte.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use helm_operator::engine::chart::objects::Capabilities;
use helm_operator::engine::chart::render::{ParsedChart, ReleaseInfo};
use helm_operator::engine::chart::{Chart, File, Maintainer, Metadata};
use helm_operator::engine::exec::Limits;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "templates/files.yaml",
        r#"get: {{ .Files.Get "files/a.txt" | quote }}
missing: {{ .Files.Get "nope" | quote }}
bytes: {{ .Files.GetBytes "files/a.txt" }}
lines: {{ range .Files.Lines "files/a.txt" }}[{{ . }}]{{ end }} {{ .Files.Lines "nope" }} {{ .Files.Lines "files/b/c.conf" }}
glob: {{ range $path, $_ := .Files.Glob "files/**" }}{{ $path }} {{ end }}
glob1: {{ range $path, $_ := .Files.Glob "files/*" }}{{ $path }} {{ end }}
braces: {{ range $path, $_ := .Files.Glob "{config.json,files/a.txt}" }}{{ $path }} {{ end }}
config: {{ (.Files.Glob "files/**").AsConfig | nindent 2 }}
secrets: {{ (.Files.Glob "files/b/*").AsSecrets | nindent 2 }}
len: {{ len .Files }} {{ len (.Files.Glob "files/**") }}
truth: {{ if .Files.Glob "nope" }}yes{{ else }}no{{ end }} {{ if .Files.Glob "files/*" }}yes{{ end }} {{ if .Capabilities.APIVersions }}apis{{ end }} {{ if .Chart.Annotations }}ann{{ else }}none{{ end }}
empty: [{{ (.Files.Glob "nope").AsConfig }}] [{{ (.Files.Glob "nope").AsSecrets }}] [{{ .Files.GetBytes "nope" }}]
index: {{ index .Files "config.json" }}
printed: {{ .Files }} {{ printf "%v" (.Files.Glob "files/b/*") }}
type: {{ typeOf .Files }} {{ kindOf .Files }} {{ typeOf (.Files.Glob "*") }} {{ typeOf (.Files.GetBytes "config.json") }}
"#,
    ),
    (
        "templates/chart.yaml",
        r#"chart: {{ .Chart }}
json: {{ toJson .Chart }}
name: {{ .Chart.Name }}-{{ .Chart.Version }} app={{ .Chart.AppVersion }} root={{ .Chart.IsRoot }}
maintainers: {{ range .Chart.Maintainers }}{{ .Name }} <{{ .Email }}> {{ end }}
keywords: {{ .Chart.Keywords }} annotations: {{ .Chart.Annotations }}
release: {{ .Release }}
template: {{ .Template }} {{ typeOf .Template }}
subcharts: {{ .Subcharts }}
"#,
    ),
    (
        "templates/caps.yaml",
        r#"kube: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.GitVersion }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}
has: {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "example.com/v1" }}
apis: {{ len .Capabilities.APIVersions }} {{ index .Capabilities.APIVersions 5 }}
helm: {{ .Capabilities.HelmVersion }} {{ .Capabilities.HelmVersion.Version }}
semver: {{ semverCompare ">=1.19-0" .Capabilities.KubeVersion.GitVersion }}
types: {{ typeOf .Capabilities }} {{ typeOf .Capabilities.KubeVersion }} {{ typeOf .Capabilities.APIVersions }} {{ typeOf .Capabilities.HelmVersion }}
yaml: {{ toYaml .Capabilities.HelmVersion | nindent 2 }}
"#,
    ),
];

const FILES: &[(&str, &str)] = &[
    ("files/a.txt", "line one\nline two\n"),
    ("files/b/c.conf", "key=value"),
    ("files/b/d.conf", "other=1\n"),
    ("config.json", "{\"a\": 1}"),
];

fn chart() -> Chart {
    let file = |(name, text): &(&str, &str)| File {
        name: (*name).to_owned(),
        data: text.as_bytes().into(),
    };
    Chart {
        metadata: Metadata {
            api_version: "v2".into(),
            name: "objs".into(),
            version: "1.2.3".into(),
            app_version: "4.5".into(),
            description: "objects".into(),
            keywords: vec!["a".into(), "b".into()],
            maintainers: vec![Maintainer {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                url: String::new(),
            }],
            ..Metadata::default()
        },
        templates: TEMPLATES.iter().map(file).collect(),
        files: FILES.iter().map(file).collect(),
        ..Chart::default()
    }
}

const CHART_YAML: &str = "apiVersion: v2\nname: objs\nversion: 1.2.3\nappVersion: \"4.5\"\ndescription: objects\nkeywords: [a, b]\nmaintainers:\n  - name: Ann\n    email: ann@example.com\n";

fn write_chart(dir: &Path) {
    std::fs::write(dir.join("Chart.yaml"), CHART_YAML).unwrap();
    for (name, text) in TEMPLATES.iter().chain(FILES) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn chart_objects_render_as_helm_renders_them() {
    let test = "chart_objects_render_as_helm_renders_them";
    let Some(python) = common::helm_oracle(test) else {
        return;
    };
    let dir = common::scratch_dir("engine-chart-objects").join("objs");
    std::fs::create_dir_all(&dir).unwrap();
    write_chart(&dir);
    let script = "import helm_python as h, json, sys\nprint(json.dumps(h.Chart.load(sys.argv[1]).render({}, name='rel', namespace='ns')))";
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let helm: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).unwrap();

    let release = ReleaseInfo {
        name: "rel".into(),
        namespace: "ns".into(),
        ..ReleaseInfo::default()
    };
    let ours = ParsedChart::new(chart())
        .unwrap()
        .render(
            &serde_json::Map::new(),
            &release,
            &Capabilities::default(),
            Limits::default(),
            None,
        )
        .unwrap();
    for (name, expected) in &helm {
        assert_eq!(ours.get(name), Some(expected), "{name}");
    }
    assert_eq!(ours.len(), helm.len());
}
