//! Checks a HelmRelease spec for what the CRD schema cannot check, or could not when the object
//! was stored: the chart source, the version constraint, durations, the values document, names.
//! Pure: the same spec always gives the same problems.

use crate::api::conditions::reason;
use crate::api::duration::parse_duration;
use crate::api::release::HelmReleaseSpec;
use crate::controller::SpecProblem;
use crate::source::constraint::Constraint;

/// Helm's limit on release names.
const MAX_RELEASE_NAME: usize = 53;

/// Every problem of the spec, most fundamental first. `release_name` and `release_namespace`
/// are the effective ones (defaults applied).
pub fn validate_release(
    spec: &HelmReleaseSpec,
    release_name: &str,
    release_namespace: &str,
    own_namespace: &str,
    own_name: &str,
) -> Vec<SpecProblem> {
    let mut problems = Vec::new();
    let chart = &spec.chart;
    match (&chart.repository, &chart.oci_repository) {
        (None, None) => problems.push(SpecProblem::new(
            reason::INVALID_CHART_SOURCE,
            "spec.chart needs a source: set chart.repository (a HelmRepository) or chart.ociRepository (oci://...)",
        )),
        (Some(_), Some(_)) => problems.push(SpecProblem::new(
            reason::INVALID_CHART_SOURCE,
            "spec.chart.repository and spec.chart.ociRepository are both set; choose one",
        )),
        (None, Some(oci)) if !oci.starts_with("oci://") || oci.len() <= "oci://".len() => {
            problems.push(SpecProblem::new(reason::INVALID_CHART_SOURCE, format!("spec.chart.ociRepository {oci:?} must look like oci://registry/path/chart")));
        }
        (None, Some(oci)) if oci.contains('@') || oci.rsplit('/').next().is_some_and(|last| last.contains(':')) => {
            problems.push(SpecProblem::new(
                reason::INVALID_CHART_SOURCE,
                format!("spec.chart.ociRepository {oci:?} must not carry a tag or digest; put the version in spec.chart.version"),
            ));
        }
        (Some(repo), None) if repo.name.is_empty() => {
            problems.push(SpecProblem::new(reason::INVALID_CHART_SOURCE, "spec.chart.repository.name is empty"));
        }
        _ => {}
    }
    if chart.name.trim().is_empty() {
        problems.push(SpecProblem::new(
            reason::INVALID_SPEC,
            "spec.chart.name is empty",
        ));
    }
    if let Some(version) = &chart.version
        && let Err(e) = Constraint::parse(version)
    {
        problems.push(SpecProblem::new(
            reason::INVALID_VERSION_CONSTRAINT,
            format!("spec.chart.version: {e}"),
        ));
    }
    for (field, value) in [
        ("spec.interval", Some(&spec.interval)),
        ("spec.install.timeout", Some(&spec.install.timeout)),
        ("spec.upgrade.timeout", Some(&spec.upgrade.timeout)),
        ("spec.uninstall.timeout", Some(&spec.uninstall.timeout)),
        ("spec.rollback.timeout", Some(&spec.rollback.timeout)),
        ("spec.test.timeout", spec.test.timeout.as_ref()),
    ] {
        if let Some(value) = value
            && let Err(e) = parse_duration(value)
        {
            problems.push(SpecProblem::new(
                reason::INVALID_DURATION,
                format!("{field}: {e}"),
            ));
        }
    }
    if spec.interval.trim() != "" && parse_duration(&spec.interval).is_ok_and(|d| d.is_zero()) {
        problems.push(SpecProblem::new(
            reason::INVALID_DURATION,
            "spec.interval must be greater than zero",
        ));
    }
    if let Some(values) = &spec.values
        && let Some(problem) = values_problem("spec.values", values)
    {
        problems.push(problem);
    }
    for (i, source) in spec.values_from.iter().enumerate() {
        if source.name.is_empty() || source.values_key.is_empty() {
            problems.push(SpecProblem::new(
                reason::INVALID_SPEC,
                format!("spec.valuesFrom[{i}] needs a name and a valuesKey"),
            ));
        }
        if let Some(path) = &source.target_path
            && (path.is_empty() || path.split('.').any(str::is_empty))
        {
            problems.push(SpecProblem::new(
                reason::INVALID_SPEC,
                format!("spec.valuesFrom[{i}].targetPath {path:?} is not a dotted path"),
            ));
        }
    }
    if let Some(problem) = release_name_problem(release_name) {
        problems.push(problem);
    }
    if !is_dns_label(release_namespace) {
        problems.push(SpecProblem::new(
            reason::INVALID_SPEC,
            format!("release namespace {release_namespace:?} is not a valid namespace name"),
        ));
    }
    if spec.max_history < 0 || spec.upgrade.max_history.is_some_and(|m| m < 0) {
        problems.push(SpecProblem::new(
            reason::INVALID_SPEC,
            "spec.maxHistory must not be negative",
        ));
    }
    if spec.rollback.to_revision < 0 {
        problems.push(SpecProblem::new(
            reason::INVALID_SPEC,
            "spec.rollback.toRevision must not be negative",
        ));
    }
    for (i, dep) in spec.depends_on.iter().enumerate() {
        let namespace = dep.namespace.as_deref().unwrap_or(own_namespace);
        if dep.name == own_name && namespace == own_namespace {
            problems.push(SpecProblem::new(
                reason::INVALID_SPEC,
                format!("spec.dependsOn[{i}] names this HelmRelease itself"),
            ));
        }
    }
    if let Some(sa) = &spec.service_account_name
        && !is_dns_subdomain(sa)
    {
        problems.push(SpecProblem::new(
            reason::INVALID_SPEC,
            format!("spec.serviceAccountName {sa:?} is not a valid ServiceAccount name"),
        ));
    }
    problems
}

/// Checks that a values document is a YAML mapping. The message gives only the position and the
/// kind of document, never the content: values may hold secrets.
pub fn values_problem(field: &str, text: &str) -> Option<SpecProblem> {
    if text.trim().is_empty() {
        return None;
    }
    match serde_saphyr::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_) | serde_json::Value::Null) => None,
        Ok(other) => {
            let kind = match other {
                serde_json::Value::Array(_) => "a list",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                _ => "a boolean",
            };
            Some(SpecProblem::new(
                reason::INVALID_VALUES,
                format!("{field} must be a YAML mapping, but it is {kind}"),
            ))
        }
        Err(e) => {
            let at = e
                .location()
                .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
                .unwrap_or_default();
            Some(SpecProblem::new(
                reason::INVALID_VALUES,
                format!("{field} is not valid YAML{at}"),
            ))
        }
    }
}

/// Helm's rule for release names: at most 53 characters, lowercase DNS-1123 labels joined by dots.
fn release_name_problem(name: &str) -> Option<SpecProblem> {
    let valid =
        !name.is_empty() && name.len() <= MAX_RELEASE_NAME && name.split('.').all(is_dns_label);
    (!valid).then(|| {
        SpecProblem::new(
            reason::INVALID_SPEC,
            format!("release name {name:?} is invalid: Helm needs at most {MAX_RELEASE_NAME} lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (set spec.release.name)"),
        )
    })
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::HelmRelease;

    fn spec(yaml: &str) -> HelmReleaseSpec {
        let hr: HelmRelease = serde_saphyr::from_str(&format!(
            "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: app, namespace: team}}\nspec:\n{yaml}"
        ))
        .unwrap();
        hr.spec
    }

    fn problems(yaml: &str) -> Vec<SpecProblem> {
        validate_release(&spec(yaml), "app", "team", "team", "app")
    }

    fn reasons(yaml: &str) -> Vec<&'static str> {
        problems(yaml).into_iter().map(|p| p.reason).collect()
    }

    #[test]
    fn a_valid_spec_has_no_problems() {
        assert_eq!(
            problems(
                "  chart: {name: nginx, version: '~15.0.0', repository: {name: bitnami}}\n  values: 'a: 1'\n"
            ),
            []
        );
        assert_eq!(
            problems("  chart: {name: app, ociRepository: 'oci://ghcr.io/org/charts/app'}\n"),
            []
        );
    }

    #[test]
    fn chart_needs_exactly_one_source() {
        assert_eq!(
            reasons("  chart: {name: app}\n"),
            [reason::INVALID_CHART_SOURCE]
        );
        assert_eq!(
            reasons("  chart: {name: app, repository: {name: r}, ociRepository: 'oci://r/app'}\n"),
            [reason::INVALID_CHART_SOURCE]
        );
        assert_eq!(
            reasons("  chart: {name: app, ociRepository: 'oci://r/app:1.0.0'}\n"),
            [reason::INVALID_CHART_SOURCE]
        );
        assert_eq!(
            reasons("  chart: {name: app, ociRepository: 'https://r/app'}\n"),
            [reason::INVALID_CHART_SOURCE]
        );
    }

    #[test]
    fn an_unparsable_constraint_is_reported_with_its_text() {
        let p = problems("  chart: {name: app, version: '>>1.0', repository: {name: r}}\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].reason, reason::INVALID_VERSION_CONSTRAINT);
        assert!(
            p[0].message.contains("spec.chart.version") && p[0].message.contains(">>1.0"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn durations_name_their_field() {
        let p = problems(
            "  chart: {name: app, repository: {name: r}}\n  upgrade: {timeout: 10 minutes}\n  interval: 0s\n",
        );
        let messages: Vec<_> = p.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("spec.upgrade.timeout")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("spec.interval must be greater than zero")),
            "{messages:?}"
        );
    }

    #[test]
    fn values_must_be_a_mapping_and_errors_do_not_echo_content() {
        let p = problems("  chart: {name: app, repository: {name: r}}\n  values: '- hunter2'\n");
        assert_eq!(p[0].reason, reason::INVALID_VALUES);
        assert!(
            p[0].message.contains("a list") && !p[0].message.contains("hunter2"),
            "{}",
            p[0].message
        );
        let p = problems(
            "  chart: {name: app, repository: {name: r}}\n  values: \"password: [hunter2\"\n",
        );
        assert_eq!(p[0].reason, reason::INVALID_VALUES);
        assert!(!p[0].message.contains("hunter2"), "{}", p[0].message);
    }

    #[test]
    fn release_names_follow_helm() {
        let long = "a".repeat(54);
        let s = spec("  chart: {name: app, repository: {name: r}}\n");
        assert!(
            validate_release(&s, &long, "team", "team", "x")
                .iter()
                .any(|p| p.message.contains("at most 53"))
        );
        assert!(!validate_release(&s, "Upper", "team", "team", "x").is_empty());
        assert!(validate_release(&s, "my.app-1", "team", "team", "x").is_empty());
    }

    #[test]
    fn depending_on_itself_is_refused() {
        assert_eq!(
            reasons("  chart: {name: app, repository: {name: r}}\n  dependsOn: [{name: app}]\n"),
            [reason::INVALID_SPEC]
        );
        assert_eq!(
            reasons(
                "  chart: {name: app, repository: {name: r}}\n  dependsOn: [{name: app, namespace: other}]\n"
            ),
            Vec::<&str>::new()
        );
    }
}
