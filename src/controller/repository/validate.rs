//! Checks a HelmRepository spec for what the CRD schema cannot check: the URL against the type,
//! durations, and which credentials fit which kind of repository. Pure.

use crate::api::conditions::reason;
use crate::api::duration::parse_duration;
use crate::api::repository::{HelmRepositorySpec, RepositoryType};
use crate::controller::SpecProblem;

/// Every problem of the spec, most fundamental first.
pub fn validate_repository(spec: &HelmRepositorySpec) -> Vec<SpecProblem> {
    let mut problems = Vec::new();
    let kind = spec.effective_type();
    match url_problem(&spec.url, kind) {
        Some(message) => problems.push(SpecProblem::new(reason::INVALID_URL, message)),
        None if spec
            .type_
            .is_some_and(|t| (t == RepositoryType::Oci) != spec.url.starts_with("oci://")) =>
        {
            problems.push(SpecProblem::new(
                reason::INVALID_URL,
                format!(
                    "spec.type is {} but spec.url {:?} {} an oci:// URL",
                    type_name(kind),
                    spec.url,
                    if kind == RepositoryType::Oci {
                        "is not"
                    } else {
                        "is"
                    }
                ),
            ))
        }
        None => {}
    }
    for (field, value) in [
        ("spec.interval", &spec.interval),
        ("spec.timeout", &spec.timeout),
        (
            "spec.valuesConfigMapRetention",
            &spec.values_config_map_retention,
        ),
    ] {
        match parse_duration(value) {
            Err(e) => problems.push(SpecProblem::new(
                reason::INVALID_DURATION,
                format!("{field}: {e}"),
            )),
            Ok(d) if d.is_zero() && field != "spec.valuesConfigMapRetention" => {
                problems.push(SpecProblem::new(
                    reason::INVALID_DURATION,
                    format!("{field} must be greater than zero"),
                ));
            }
            Ok(_) => {}
        }
    }
    if let Some(auth) = &spec.auth {
        if let Some(basic) = &auth.basic
            && basic.secret_ref.is_none()
            && (basic.username.as_deref().unwrap_or("").is_empty()
                || basic.password.as_deref().unwrap_or("").is_empty())
        {
            problems.push(SpecProblem::new(
                reason::INVALID_SPEC,
                "spec.auth.basic needs a secretRef, or both username and password",
            ));
        }
        if auth.secret_ref.is_some() && kind == RepositoryType::Helm {
            problems.push(SpecProblem::new(
                reason::INVALID_SPEC,
                "spec.auth.secretRef (a dockerconfigjson Secret) applies to OCI registries; use spec.auth.basic for an HTTP repository",
            ));
        }
    }
    if spec.plain_http && kind == RepositoryType::Helm {
        problems.push(SpecProblem::new(
            reason::INVALID_SPEC,
            "spec.plainHTTP applies to OCI registries; an HTTP repository's scheme is in its URL",
        ));
    }
    problems
}

fn type_name(kind: RepositoryType) -> &'static str {
    match kind {
        RepositoryType::Helm => "helm",
        RepositoryType::Oci => "oci",
    }
}

/// The URL must have the scheme of its type and a host.
fn url_problem(url: &str, kind: RepositoryType) -> Option<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some(format!(
            "spec.url {url:?} has no scheme; use https://, http:// or oci://"
        ));
    };
    let (allowed, expected): (&[&str], &str) = match kind {
        RepositoryType::Helm => (&["https", "http"], "https:// or http://"),
        RepositoryType::Oci => (&["oci"], "oci://"),
    };
    if !allowed.contains(&scheme) {
        return Some(format!(
            "spec.url {url:?} must start with {expected} for a repository of type {}",
            type_name(kind)
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_only = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host_only.is_empty() || host_only.starts_with(':') || rest.chars().any(char::is_whitespace) {
        return Some(format!("spec.url {url:?} has no valid host"));
    }
    if host.contains('@') {
        return Some("spec.url must not embed credentials; use spec.auth".to_owned());
    }
    if kind == RepositoryType::Oci
        && let Err(e) = crate::source::oci::OciChartRef::parse(url)
    {
        return Some(format!(
            "spec.url {url:?} must name a path in the registry, such as oci://{host}/charts: {}",
            match e {
                crate::source::oci::OciError::InvalidReference { why, .. } => why,
                other => other.to_string(),
            }
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::HelmRepository;

    fn problems(yaml: &str) -> Vec<SpecProblem> {
        let r: HelmRepository = serde_saphyr::from_str(&format!(
            "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {{name: r}}\nspec:\n{yaml}"
        ))
        .unwrap();
        validate_repository(&r.spec)
    }

    #[test]
    fn seed_style_repositories_are_valid() {
        assert_eq!(
            problems("  url: https://charts.bitnami.com/bitnami\n  type: helm\n"),
            []
        );
        assert_eq!(
            problems(
                "  url: oci://ghcr.io/myorg/charts\n  type: oci\n  auth: {secretRef: {name: s}}\n"
            ),
            []
        );
        assert_eq!(
            problems("  url: oci://localhost:5000/charts\n  plainHTTP: true\n"),
            []
        );
    }

    #[test]
    fn type_and_scheme_must_agree() {
        let p = problems("  url: https://example.com/charts\n  type: oci\n");
        assert_eq!(p[0].reason, reason::INVALID_URL);
        assert!(p[0].message.contains("oci://"), "{}", p[0].message);
        assert_eq!(
            problems("  url: oci://r/charts\n  type: helm\n")[0].reason,
            reason::INVALID_URL
        );
        assert_eq!(
            problems("  url: ftp://r/charts\n")[0].reason,
            reason::INVALID_URL
        );
        assert_eq!(problems("  url: https://\n")[0].reason, reason::INVALID_URL);
    }

    #[test]
    fn a_registry_needs_a_path_its_charts_live_under() {
        let p = problems("  url: oci://ghcr.io\n");
        assert_eq!(p[0].reason, reason::INVALID_URL);
        assert!(
            p[0].message.contains("oci://ghcr.io/charts"),
            "{}",
            p[0].message
        );
        let p = problems("  url: oci://ghcr.io/Org\n");
        assert_eq!(p[0].reason, reason::INVALID_URL);
        assert!(problems("  url: oci://ghcr.io/org/charts\n").is_empty());
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_them() {
        let p = problems("  url: https://user:hunter2@example.com\n");
        assert_eq!(p[0].reason, reason::INVALID_URL);
        assert!(!p[0].message.contains("hunter2"), "{}", p[0].message);
    }

    #[test]
    fn auth_must_fit_the_repository_type() {
        assert_eq!(
            problems("  url: https://r\n  auth: {secretRef: {name: s}}\n")[0].reason,
            reason::INVALID_SPEC
        );
        assert_eq!(
            problems("  url: https://r\n  auth: {basic: {username: u}}\n")[0].reason,
            reason::INVALID_SPEC
        );
        assert_eq!(
            problems("  url: https://r\n  plainHTTP: true\n")[0].reason,
            reason::INVALID_SPEC
        );
    }

    #[test]
    fn durations_are_checked() {
        let p = problems("  url: https://r\n  interval: 1d\n  timeout: 0s\n");
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|p| p.reason == reason::INVALID_DURATION));
    }
}
