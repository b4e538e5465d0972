//! API errors as the real API server reports them: a `Status` object with the same code, reason,
//! message wording and details, so clients branch on them exactly as they would on a cluster.

use serde_json::{Value, json};

/// One failed request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// `Status.reason`.
    pub reason: &'static str,
    /// `Status.message`.
    pub message: String,
    /// `Status.details`, if any.
    pub details: Option<Value>,
    /// Seconds for a `Retry-After` header (429, 500 with retry).
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// The URL names no resource the server serves.
    pub fn not_served() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    /// An object does not exist.
    pub fn not_found(qualified: &str, name: &str, group: &str, resource: &str) -> Self {
        Self::new(404, "NotFound", format!("{qualified} \"{name}\" not found"))
            .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// A namespace named in the URL does not exist (on create).
    pub fn namespace_not_found(namespace: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        )
        .with_details(json!({"name": namespace, "kind": "namespaces"}))
    }

    /// Create of an existing name.
    pub fn already_exists(qualified: &str, name: &str, group: &str, resource: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{qualified} \"{name}\" already exists"),
        )
        .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// An update whose resourceVersion is stale.
    pub fn conflict(qualified: &str, name: &str, group: &str, resource: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {qualified} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"),
        )
        .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// A server-side apply that would take fields owned by other managers.
    pub fn apply_conflict(
        conflicts: &[(String, String)],
        qualified_kind: &str,
        name: &str,
    ) -> Self {
        let count = conflicts.len();
        let list: Vec<String> = conflicts
            .iter()
            .map(|(manager, field)| format!("- {manager}: {field}"))
            .collect();
        let causes: Vec<Value> = conflicts
            .iter()
            .map(|(manager, field)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{manager}\""), "field": field}))
            .collect();
        let noun = if count == 1 { "conflict" } else { "conflicts" };
        Self::new(
            409,
            "Conflict",
            format!("Apply failed with {count} {noun}: {}", list.join("\n")),
        )
        .with_details(json!({"name": name, "kind": qualified_kind, "causes": causes}))
    }

    /// A request the object's validation rejects.
    pub fn invalid(
        qualified_kind: &str,
        name: &str,
        causes: &[(String, String, &'static str)],
    ) -> Self {
        let summary: Vec<String> = causes
            .iter()
            .map(|(field, msg, _)| format!("{field}: {msg}"))
            .collect();
        let message = match summary.len() {
            1 => format!("{qualified_kind} \"{name}\" is invalid: {}", summary[0]),
            _ => format!(
                "{qualified_kind} \"{name}\" is invalid: [{}]",
                summary.join(", ")
            ),
        };
        let (group, kind) = qualified_kind
            .split_once('.')
            .map_or(("", qualified_kind), |(k, g)| (g, k));
        let details = json!({
            "name": name,
            "group": group,
            "kind": kind,
            "causes": causes.iter().map(|(field, msg, reason)| json!({"reason": reason, "message": msg, "field": field})).collect::<Vec<_>>(),
        });
        Self::new(422, "Invalid", message).with_details(details)
    }

    /// A body that does not decode, or a request that makes no sense.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// A content type the server cannot decode.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type})"
            ),
        )
    }

    /// A verb the resource does not support.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
    }

    /// A watch or list from a resourceVersion older than the history kept.
    pub fn gone(requested: u64, oldest: u64) -> Self {
        Self::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    /// A deliberately injected failure.
    pub fn injected(code: u16, retry_after: Option<u64>) -> Self {
        let reason = match code {
            409 => "Conflict",
            429 => "TooManyRequests",
            500 => "InternalError",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            _ => "Unknown",
        };
        let mut e = Self::new(code, reason, format!("injected fault: {reason}"));
        e.retry_after = retry_after;
        if code == 429 || code == 500 {
            e.details = Some(json!({"retryAfterSeconds": retry_after.unwrap_or(1)}));
        }
        e
    }

    /// The `Status` object.
    pub fn status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_api_servers_wording() {
        let e = ApiError::not_found("deployments.apps", "web", "apps", "deployments");
        assert_eq!(e.status()["message"], "deployments.apps \"web\" not found");
        assert_eq!(e.status()["details"]["kind"], "deployments");
        let e = ApiError::invalid(
            "Deployment.apps",
            "X",
            &[(
                "metadata.name".into(),
                "Invalid value: \"X\": must be lowercase".into(),
                "FieldValueInvalid",
            )],
        );
        assert_eq!(e.code, 422);
        assert_eq!(
            e.status()["message"],
            "Deployment.apps \"X\" is invalid: metadata.name: Invalid value: \"X\": must be lowercase"
        );
        assert_eq!(e.status()["details"]["group"], "apps");
        assert_eq!(e.status()["details"]["kind"], "Deployment");
    }
}
