//! Differential tests of the template engine against real Helm v4.2.3 (`helm_python`): every
//! case is a one-template chart rendered both ways, and the outputs (or error messages) must be
//! identical byte for byte. A curated part covers each action and function family; a generated
//! part builds a few hundred random templates from a seed that changes per run (printed, so a
//! failure can be replayed with `ENGINE_DIFF_SEED=<seed>`).

mod common;

use std::collections::BTreeMap;
use std::io::Write;

use helm_operator::engine::exec::Limits;
use helm_operator::engine::render::Templates;
use helm_operator::engine::value::{MapType, Value};
use serde_json::{Value as Json, json};

const TEMPLATE: &str = "c/templates/t.yaml";

/// A case: template text and the values passed to the render.
struct Case {
    template: String,
    values: Json,
}

fn case(template: &str, values: Json) -> Case {
    Case {
        template: template.to_owned(),
        values,
    }
}

/// What Helm (or we) produced for a case.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(String),
    Error(String),
}

/// Renders every case with real Helm in one Python process.
fn helm_render(python: &std::path::Path, cases: &[Case]) -> Vec<Outcome> {
    let inputs: Vec<Json> = cases
        .iter()
        .map(|c| json!({"template": c.template, "values": c.values}))
        .collect();
    common::oracle::run_oracle(python, "render.py", &inputs)
        .into_iter()
        .map(|v| match (v.get("ok"), v.get("error")) {
            (Some(Json::String(s)), _) => Outcome::Ok(s.clone()),
            (_, Some(Json::String(e))) => Outcome::Error(e.clone()),
            _ => panic!("unexpected oracle line {v}"),
        })
        .collect()
}

/// The top-level object Helm gives a one-template chart `c` rendered as release `rel` in `ns`.
fn top_level(values: &Json) -> Value {
    let data = json!({
        "Values": values,
        "Release": {"Name": "rel", "Namespace": "ns", "IsInstall": true, "IsUpgrade": false,
                    "Revision": 1, "Service": "Helm"},
        "Chart": {"Name": "c", "Version": "0.1.0", "APIVersion": "v2"},
        "Template": {"Name": TEMPLATE, "BasePath": "c/templates"},
    });
    let Value::Map(m) = Value::from_json(&data) else {
        unreachable!()
    };
    // Release.Revision is an int in Helm, not a float64 from JSON
    if let Some(Value::Map(release)) = m.get("Release") {
        release.insert("Revision", Value::int(1));
    }
    // the root object and .Values are Helm's named map type common.Values
    if let Some(Value::Map(values)) = m.get("Values") {
        m.insert("Values", Value::Map(values.as_type(MapType::Values)));
    }
    Value::Map(m.as_type(MapType::Values))
}

fn our_render(c: &Case) -> Outcome {
    let files = [(TEMPLATE.to_owned(), c.template.clone())];
    let result = Templates::parse(&files)
        .and_then(|t| t.render(TEMPLATE, &top_level(&c.values), Limits::default(), None));
    match result {
        Ok(s) => Outcome::Ok(s),
        Err(e) => Outcome::Error(e),
    }
}

/// Compares every case; returns the descriptions of the disagreements.
fn compare(python: &std::path::Path, cases: &[Case]) -> Vec<String> {
    let helm = helm_render(python, cases);
    cases
        .iter()
        .zip(helm)
        .filter_map(|(c, expected)| {
            let ours = our_render(c);
            (ours != expected).then(|| {
                format!(
                    "template {:?} values {}\n  helm: {expected:?}\n  ours: {ours:?}",
                    c.template, c.values
                )
            })
        })
        .collect()
}

/// Prints a summary line past the test harness's output capture, so CI logs show it.
fn report(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn curated_cases() -> Vec<Case> {
    let v = json!({
        "n": 3, "big": 1000000, "f": 1.5, "s": "hello", "empty": "", "t": true, "nul": null,
        "list": [1, "two", 3.5, null, {"k": "v"}], "m": {"b": 2, "a": 1, "nested": {"x": "y"}},
        "html": "<a href='x'>&</a>",
    });
    let mut cases = vec![
        // text, actions, trim markers, comments
        "plain text\n",
        "{{ .Values.s }} {{- .Values.n }} {{ .Values.big }} {{ .Values.f }}",
        "a {{- /* comment */ -}} b",
        "{{ .Values.nul }}|{{ .Values.missing }}|{{ .Values.m }}|{{ .Values.list }}",
        "{{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Chart.Name }}/{{ .Template.Name }}",
        // control structures
        "{{ if .Values.t }}yes{{ else }}no{{ end }}",
        "{{ if .Values.empty }}a{{ else if .Values.n }}b{{ else }}c{{ end }}",
        "{{ with .Values.m }}{{ .a }}{{ else }}none{{ end }}",
        "{{ with .Values.missing }}x{{ else }}none{{ end }}",
        "{{ range $i, $e := .Values.list }}{{ $i }}={{ $e }};{{ end }}",
        "{{ range $k, $v := .Values.m }}{{ $k }}:{{ $v }} {{ end }}",
        "{{ range .Values.missing }}x{{ else }}empty{{ end }}",
        "{{ range 3 }}{{ . }}{{ end }}",
        "{{ range $i, $e := .Values.list }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $e }}{{ end }}",
        "{{ range .Values.list }}{{ if not . }}{{ continue }}{{ end }}[{{ . }}]{{ end }}",
        "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
        // define / template / block / include / tpl
        "{{ define \"a\" }}A{{ . }}{{ end }}{{ template \"a\" 1 }}{{ include \"a\" 2 }}",
        "{{ block \"b\" . }}default {{ .Values.s }}{{ end }}",
        "{{ define \"x\" }}{{ .Values.s | upper }}{{ end }}{{ include \"x\" . | len }}",
        "{{ tpl \"{{ .Values.s }}-{{ .Release.Name }}\" . }}",
        "{{ tpl \"{{ .Template.Name }} {{ .Template.BasePath }}\" . }}",
        "{{ tpl \"{{ define \\\"q\\\" }}Q{{ end }}{{ include \\\"q\\\" . }}\" . }}",
        "{{ with .Values.missing }}a{{ else with .Values.s }}b:{{ . }}{{ else }}c{{ end }}",
        "{{ with .Values.missing }}a{{ else with .Values.nul }}b{{ else }}c{{ end }}",
        "{{- if false -}} x {{- else if true -}} y {{- end -}}",
        "{{ `raw\\n{{` }} {{ 'x' }} {{ (.Values).s }} {{ $.Values.s }} {{ (.Values.m).nested.x }}",
        "{{ define \"d\" }}[{{ . }}]{{ end }}{{ template \"d\" }}{{ template \"d\" .Values.n }}",
        "{{ $x := 1 }}{{ range $x := .Values.list }}{{ $x }}{{ end }}{{ $x }}",
        "{{ range $i, $_ := .Values.list }}{{ $i }}{{ end }}",
        "{{ lookup \"v1\" \"Secret\" \"ns\" \"x\" }} {{ (lookup \"v1\" \"Secret\" \"ns\" \"x\").data }} {{ lookup \"v1\" \"Pod\" \"\" \"\" | len }}",
        "{{ .Values.s.x }}",
        "{{ .Values.list.x }}",
        "{{ $x := .Values.m }}{{ $x.nested.x }} {{ $x.missing.y }}",
        "{{ if and .Values.t (eq .Values.s \"hello\") (not .Values.empty) }}ok{{ end }}",
        "{{ range $k, $v := dict \"b\" 1 \"a\" 2 }}{{ $k }}={{ $v }};{{ end }}",
        "{{ block \"x\" . }}one{{ end }}{{ define \"x\" }}two{{ end }}",
        "{{ .Values.n | printf \"%03d|%-5s|%5.1f|%x|%X|%o|%b|%e|%g|%U|%c\" 7 \"ab\" 3.14159 255 255 8 5 1234.5678 0.000012 0x1F600 65 }}",
        "{{ (.Values.missing).x }}|{{ $x := .Values.missing }}{{ $x.y }}|{{ (.Values.m.zz).x.y }}|{{ define \"dd\" }}{{ .a.b }}{{ end }}{{ include \"dd\" .Values.missing }}|",
        "{{ range .Values.list }}{{ .k }}{{ end }}",
        "{{ (.Values.s).x }}",
        "{{ $s := .Values.s }}{{ $s.x }}",
        "{{ range $e := .Values.list }}{{ $e.k }}{{ end }}",
        "{{ with .Values.s }}{{ .x }}{{ end }}",
        "{{ ne .Values.s nil }} {{ eq nil nil }} {{ not nil }} {{ and nil 1 }}|{{ or nil 1 }} {{ print nil }} {{ html nil }}",
        "{{ tpl \"a{{ tpl \\\"\\\" . }}b\" . }}|{{ tpl \"\" . }}|",
        // builtins
        "{{ len .Values.list }} {{ index .Values.list 1 }} {{ index .Values.m \"a\" }}",
        "{{ eq .Values.n 3.0 }} {{ ne .Values.s \"x\" }} {{ lt 1 2 }} {{ ge 2.5 .Values.f }}",
        "{{ and 1 0 }} {{ or 0 \"\" \"z\" }} {{ not .Values.t }}",
        "{{ printf \"%s-%d-%v-%5.2f|%-4s|%q|%x|%T\" \"a\" 7 .Values.m 3.14159 \"b\" \"q\" 255 .Values.f }}",
        "{{ print 1 2 \"a\" \"b\" 3 }}{{ println \"z\" }}",
        "{{ html .Values.html }} {{ js .Values.html }} {{ urlquery .Values.html }}",
        // JSON
        "{{ toJson .Values }}",
        "{{ toPrettyJson .Values.m }}",
        "{{ toRawJson .Values.html }}",
        "{{ (fromJson \"{\\\"a\\\": [1, 2]}\").a }} {{ fromJson \"x\" }} {{ fromJsonArray \"[1,\\\"a\\\"]\" }}",
        // dates (fixed instants only)
        "{{ date \"2006-01-02 15:04 MST\" 86400 }} {{ dateInZone \"2006-01-02T15:04:05Z07:00\" 1700000000 \"America/New_York\" }}",
        "{{ toDate \"2006-01-02\" \"2024-02-29\" | date \"Mon Jan 2, 2006\" }} {{ toDate \"2006-01-02\" \"2024-02-29\" }}",
        "{{ duration \"95\" }} {{ duration 95 }} {{ durationRound \"3725s\" }} {{ htmlDateInZone 0 \"Asia/Kolkata\" }}",
        "{{ (toDate \"2006-01-02\" \"2024-02-29\").Year }} {{ unixEpoch (toDate \"2006-01-02\" \"2024-02-29\") }}",
        "{{ toDate \"2006-01-02\" \"2024-02-29\" | toJson }} {{ dateModify \"-1.5h\" (toDate \"2006-01-02\" \"2024-02-29\") }}",
        "{{ mustToDate \"2006-01-02\" \"x\" }}",
        "{{ unixEpoch 3 }}",
        // Sprig strings, encodings, regex, URLs
        "{{ .Values.s | upper | quote }} {{ squote .Values.n }} {{ trunc 3 .Values.s }} {{ trimSuffix \"lo\" .Values.s }} {{ title \"hello world\" }}",
        "{{ printf \"%s-%s\" .Release.Name .Chart.Name | trunc 63 | trimSuffix \"-\" }} {{ replace \"l\" \"L\" .Values.s }} {{ contains \"ell\" .Values.s }}",
        "{{ .Values.s | b64enc }} {{ \"aGVsbG8=\" | b64dec }} {{ b64dec \"!!\" }} {{ sha256sum .Values.s }} {{ .Values.html | nospace }}",
        "a:{{ .Values.m | toYaml | indent 2 }}\nb:{{ .Values.list | toYaml | nindent 4 }}",
        "{{ join \",\" .Values.list }} {{ splitList \",\" \"a,b,,c\" }} {{ (split \":\" \"img:tag\")._1 }} {{ toStrings .Values.list }} {{ toString .Values.f }}",
        "{{ regexMatch \"^h.*o$\" .Values.s }} {{ regexReplaceAll \"(l+)\" .Values.s \"[$1]\" }} {{ regexFindAll \"[a-z]\" \"a1b2\" -1 }} {{ regexSplit \"l\" .Values.s -1 }}",
        "{{ mustRegexMatch \"(\" \"x\" }}",
        "{{ (urlParse \"https://u:p@example.com:8443/a/b?q=1#f\").host }} {{ urlJoin (dict \"scheme\" \"https\" \"host\" \"x.io\" \"path\" \"/p\") }}",
        "{{ snakecase \"HelloWorld\" }} {{ camelcase \"hello_world\" }} {{ kebabcase \"HelloWorld\" }} {{ abbrev 8 \"hello world\" }} {{ wrap 5 \"hello big world\" }} {{ plural \"one\" \"many\" 2 }}",
        "{{ substr 1 3 .Values.s }} {{ repeat 3 \"ab\" }} {{ cat \"a\" 1 nil \"b\" }} {{ initials \"hello big world\" }} {{ trimAll \"h\" \"hhohh\" }} {{ lower \"ÀB\" }}",
        "{{ randAlphaNum 12 | len }} {{ randNumeric 4 | len }}",
        "{{ upper 3 }}",
        // crypto (deterministic ones exactly; random ones by shape)
        "{{ sha1sum .Values.s }} {{ sha512sum .Values.s }} {{ adler32sum .Values.s }} {{ derivePassword 1 \"long\" \"pw\" \"user\" \"example.com\" }}",
        "{{ $ca := genCA \"my-ca\" 365 }}{{ $c := genSignedCert \"svc\" (list \"10.0.0.1\") (list \"svc.ns\") 30 $ca }}{{ hasPrefix \"-----BEGIN CERTIFICATE-----\" $c.Cert }} {{ hasPrefix \"-----BEGIN RSA PRIVATE KEY-----\" $c.Key }} {{ typeOf $ca }} {{ kindOf $ca }}",
        "{{ uuidv4 | len }} {{ randBytes 9 | len }} {{ genPrivateKey \"nope\" }} {{ decryptAES \"pw\" (encryptAES \"pw\" \"plain text\") }}",
        "{{ genSignedCert \"x\" (list 5) nil 3 (genCA \"ca\" 3) }}",
        // TOML
        "{{ toToml .Values }}",
        "{{ toToml (list 1 2) }}|{{ toToml (dict \"a\" (list (dict \"b\" 1))) }}|{{ mustToToml (dict) }}",
        "{{ fromToml \"a = 1\\n[t]\\nb = \\\"x\\\"\\nd = 1979-05-27T07:32:00Z\" | toJson }} {{ fromToml \"a = \" }}",
        "{{ mustToToml (list (dict \"a\" 1)) }}",
        // paths and the rest
        "{{ base \"a/b/c.txt\" }} {{ dir \"a/b/c.txt\" }} {{ clean \"a//b/../c/.\" }} {{ ext \"x.tar.gz\" }} {{ isAbs \"/x\" }} {{ base \"\" }} {{ dir \"/\" }} {{ clean \"../../x\" }} {{ osBase \"/a/b/\" }}",
        "{{ mustFromJson \"[1, {\\\"a\\\": null}]\" }} {{ hello }}",
        "{{ mustFromJson \"{\" }}",
        // Sprig collections, math, defaults, reflection
        "{{ get .Values.missing \"a\" }}",
        "{{ get (fromJsonArray \"[]\") \"a\" }}",
        "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"b\" 2 }}{{ toJson $d }} {{ $_ := set .Values \"added\" 1 }}{{ .Values.added }}",
        "{{ merge (dict \"a\" 9 \"n\" (dict \"x\" 1)) .Values.m | toJson }} {{ mergeOverwrite (dict \"a\" 9) .Values.m | toJson }}",
        "{{ default \"d\" .Values.empty }} {{ default 5 .Values.n }} {{ empty .Values.list }} {{ coalesce .Values.nul .Values.empty \"c\" }}",
        "{{ add 1 .Values.n 2.5 }} {{ div 7 2 }} {{ mul .Values.f 2 }} {{ max 1 5 3 }} {{ int \"12abc\" }} {{ int64 .Values.f }} {{ float64 \"1.5\" }} {{ add1 .Values.big }}",
        "{{ until 5 }} {{ untilStep 1 10 3 }} {{ seq 1 5 }} {{ divf 1 3 }} {{ round 2.567 2 }} {{ floor 2.5 }} {{ ceil .Values.f }}",
        "{{ ternary \"a\" \"b\" .Values.t }} {{ typeOf .Values.n }} {{ kindOf .Values.list }} {{ kindIs \"map\" .Values.m }} {{ deepEqual .Values.m .Values.m }} {{ typeOf (until 2) }}",
        "{{ keys .Values.m | sortAlpha }} {{ pluck \"a\" .Values.m (dict \"a\" 9) }} {{ pick .Values.m \"a\" }} {{ omit .Values.m \"a\" }} {{ dig \"m\" \"nested\" \"x\" \"def\" .Values }}",
        "{{ first .Values.list }} {{ rest .Values.list }} {{ last .Values.list }} {{ initial .Values.list }} {{ reverse .Values.list }} {{ uniq (list 1 1 2) }}",
        "{{ without .Values.list 1 }} {{ has 1 .Values.list }} {{ concat .Values.list (list 9) }} {{ compact (list 1 \"\" nil 0 2) }} {{ chunk 2 (list 1 2 3) }}",
        "{{ slice .Values.list 1 3 }} {{ slice (list 1 2 3) true }} {{ hasKey .Values.m \"a\" }} {{ values .Values.m | len }}",
        "{{ until (ceil 2.5) }}",
        "{{ first 3 }}",
        "{{ div 1 0 }}",
        // YAML in
        "{{ (fromYaml \"a: 1\\nb: [x, yes, 012, 1e3]\\nc: {d: ~}\") | toJson }}",
        "{{ fromYaml \"a: b: c\" }}|{{ fromYamlArray \"- 1\\n- two\" }}|{{ fromYamlArray \"a: 1\" }}",
        "{{ $m := fromYaml (toYaml .Values) }}{{ toJson $m }}",
        // semver
        "{{ semverCompare \">=1.19-0\" \"v1.36.0\" }} {{ semverCompare \"^1.2.0\" \"1.3.0\" }} {{ semverCompare \"~1.2\" \"1.3.0\" }}",
        "{{ semver \"1.2.3\" }} {{ (semver \"v1.2.3-beta.1+build\").Major }} {{ (semver \"1.2.3-rc.1+m\").Prerelease }} {{ (semver \"v1.2\").Original }}",
        "{{ (semver \"1.2.3\").Compare (semver \"1.3.0\") }} {{ (semver \"1.2.3\").LessThan (semver \"1.3.0\") }}",
        "{{ semverCompare \"bad constraint !\" \"1.0.0\" }}",
        "{{ semver \"1.2.3-01\" }}",
        // YAML out
        "{{ toYaml .Values }}\n{{ toYamlPretty .Values }}",
        "{{ toYaml .Values.m | nindent 2 }}|{{ toYaml (list) }}|{{ toYaml nil }}|{{ toYaml \"yes\" }}",
        "{{ .Values.x }} {{ toJson .Values.x }} {{ toYaml .Values.x }} {{ toYamlPretty .Values.x }}",
        "{{ mustToYaml (list 1 (dict \"b\" 2)) }} {{ toYaml (float64 \"NaN\") }}|",
        "{{ mustToYaml (float64 \"NaN\") }}",
        // required / fail / errors
        "{{ required \"need x\" .Values.x }}",
        "{{ required \"have s\" .Values.s }}",
        "{{ fail \"boom\" }}",
        "{{ .Values.missing.x }}",
        "{{ define \"a\" }}{{ .Values.missing.y }}{{ end }}{{ include \"a\" . }}",
        "{{ define \"a\" }}{{ index .Values.list 9 }}{{ end }}{{ include \"a\" . }}",
        "{{ include \"nope\" . }}",
        "{{ template \"nope\" . }}",
        "{{ tpl \"{{ .Values.missing.q }}\" . }}",
        "{{ tpl \"{{\" . }}",
        "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}",
        "{{ if }}",
        "{{ nosuchfunc 1 }}",
        "{{ .Values.n | printf \"%d\" }}",
        "{{ index .Values.list 10 }}",
        "{{ include \"a\" }}",
        "{{ toJson }}",
    ];
    // values given as strings must stay strings, others float64
    let mut out: Vec<Case> = cases.drain(..).map(|t| case(t, v.clone())).collect();
    out.push(case(
        "{{ .Values.a }} {{ typeOf .Values.a }}",
        json!({"a": 1e21}),
    ));
    out
}

/// A small deterministic generator (xorshift), seeded per run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn random_scalar(rng: &mut Rng) -> Json {
    match rng.below(7) {
        0 => json!(rng.below(1000) as i64 - 500),
        1 => json!((rng.below(100000) as f64) / 64.0),
        2 => json!(10f64.powi(rng.below(30) as i32 - 10)),
        3 => json!(rng.below(2) == 0),
        4 => Json::Null,
        5 => json!(""),
        _ => json!(rng.pick(&[
            "a",
            "hello world",
            "x<y&z",
            "ünï",
            "line\nbreak",
            "\"q\"",
            "tab\t"
        ])),
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Json {
    if depth > 2 {
        return random_scalar(rng);
    }
    match rng.below(4) {
        0 => Json::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        1 => Json::Object(
            (0..rng.below(4))
                .map(|i| {
                    (
                        format!("{}{i}", rng.pick(&["k", "a", "Z", "b_"])),
                        random_value(rng, depth + 1),
                    )
                })
                .collect(),
        ),
        _ => random_scalar(rng),
    }
}

/// An operand: a literal, a value path, or a parenthesized pipeline.
fn random_operand(rng: &mut Rng, depth: usize) -> String {
    match rng.below(if depth > 1 { 3 } else { 5 }) {
        0 => rng
            .pick(&[
                "1", "0", "-2", "2.5", "1e6", "\"s\"", "\"\"", "true", "false", "'a'",
            ])
            .to_owned(),
        1 | 2 => rng
            .pick(&[
                ".Values.v0",
                ".Values.v1",
                ".Values.v2",
                "$.Values.v1",
                "(index .Values.v2 0)",
            ])
            .to_owned(),
        3 => format!("({})", random_pipeline(rng, depth + 1)),
        _ => format!("(index .Values.v0 {})", rng.pick(&["0", "1", "\"k0\""])),
    }
}

fn random_pipeline(rng: &mut Rng, depth: usize) -> String {
    let a = random_operand(rng, depth);
    let b = random_operand(rng, depth);
    match rng.below(28) {
        12 => format!("default {a} {b}"),
        13 => format!("empty {a}"),
        14 => format!("coalesce {a} {b}"),
        15 => format!("list {a} {b}"),
        16 => format!("dict \"k0\" {a} \"k1\" {b}"),
        17 => format!("hasKey (dict \"k0\" {a}) \"k0\""),
        18 => format!(
            "{} {a}",
            rng.pick(&[
                "typeOf", "kindOf", "first", "last", "int", "int64", "float64", "add1", "toJson"
            ])
        ),
        19 => format!("ternary {a} {b} (empty {a})"),
        20 => format!(
            "{} {a} {b}",
            rng.pick(&["add", "sub", "mul", "max", "min", "addf", "subf", "mulf"])
        ),
        21 => format!(
            "{} {a} {b}",
            rng.pick(&["has", "without", "append", "prepend", "concat", "deepEqual"])
        ),
        22 => format!(
            "{} (dict \"k0\" {a}) (dict \"k0\" {b} \"k1\" 1) | toJson",
            rng.pick(&["merge", "mergeOverwrite"])
        ),
        24 => format!(
            "{} {a}",
            rng.pick(&[
                "quote",
                "squote",
                "toString",
                "upper",
                "b64enc",
                "trim",
                "toStrings",
                "kebabcase"
            ])
        ),
        25 => format!(
            "{} 2 {a}",
            rng.pick(&["trunc", "indent", "nindent", "repeat", "abbrev"])
        ),
        26 => format!("join \",\" {a}"),
        27 => format!("{a} | toYaml | nindent 2"),
        23 => format!("dig \"k0\" \"k1\" {a} (dict \"k0\" (dict \"k1\" {b}))"),
        0 => a,
        1 => format!("{a} | toJson"),
        2 => format!("len {a}"),
        3 => format!("eq {a} {b}"),
        4 => format!("{} {a} {b}", rng.pick(&["lt", "le", "gt", "ge", "ne"])),
        5 => format!("{} {a} {b}", rng.pick(&["and", "or"])),
        6 => format!("not {a}"),
        7 => format!(
            "printf \"{}\" {a}",
            rng.pick(&["%v", "%d", "%s", "%q", "%5.1f", "%x", "%T", "%t", "%-3v|"])
        ),
        8 => format!("print {a} {b}"),
        9 => format!("index {a} {}", rng.pick(&["0", "\"k0\"", "1"])),
        10 => format!("{a} | html"),
        _ => format!("{a} | toPrettyJson"),
    }
}

fn random_template(rng: &mut Rng) -> String {
    let mut t = String::new();
    for _ in 0..1 + rng.below(3) {
        let p = random_pipeline(rng, 0);
        match rng.below(6) {
            0 => t.push_str(&format!("{{{{ if {p} }}}}T{{{{ else }}}}F{{{{ end }}}}")),
            1 => t.push_str(&format!(
                "{{{{ range $i, $e := {p} }}}}{{{{ $i }}}}:{{{{ $e }}}},{{{{ end }}}}"
            )),
            2 => t.push_str(&format!("{{{{ with {p} }}}}<{{{{ . }}}}>{{{{ end }}}}")),
            3 => t.push_str(&format!("{{{{- {p} -}}}}\n")),
            _ => t.push_str(&format!("[{{{{ {p} }}}}]\n")),
        }
    }
    t
}

#[test]
fn curated_templates_render_exactly_as_helm_renders_them() {
    let test = "curated_templates_render_exactly_as_helm_renders_them";
    let Some(python) = common::helm_oracle(test) else {
        return;
    };
    let cases = curated_cases();
    let failures = compare(&python, &cases);
    report(format_args!(
        "engine differential (curated): {} of {} cases identical to Helm",
        cases.len() - failures.len(),
        cases.len()
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_templates_render_exactly_as_helm_renders_them() {
    let test = "generated_templates_render_exactly_as_helm_renders_them";
    let Some(python) = common::helm_oracle(test) else {
        return;
    };
    let seed = std::env::var("ENGINE_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    let mut rng = Rng(seed);
    let cases: Vec<Case> = (0..300)
        .map(|_| {
            let values: BTreeMap<String, Json> = (0..3)
                .map(|i| (format!("v{i}"), random_value(&mut rng, 0)))
                .collect();
            case(&random_template(&mut rng), json!(values))
        })
        .collect();
    let failures = compare(&python, &cases);
    report(format_args!(
        "engine differential (generated, ENGINE_DIFF_SEED={seed}): {} of {} cases identical to Helm",
        cases.len() - failures.len(),
        cases.len()
    ));
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}
