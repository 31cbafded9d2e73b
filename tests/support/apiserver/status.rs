//! Kubernetes `Status` bodies: every failure the server returns is one, so clients see the same
//! `reason` and `code` a real API server sends.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A failed request, rendered as a `Status`.
#[derive(Debug)]
pub(crate) struct ApiError {
    code: StatusCode,
    reason: &'static str,
    message: String,
    details: Value,
}

impl ApiError {
    fn new(code: StatusCode, reason: &'static str, message: String) -> Self {
        Self {
            code,
            reason,
            message,
            details: Value::Null,
        }
    }

    pub(crate) fn not_found(resource: &str, name: &str) -> Self {
        let mut error = Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{resource} \"{name}\" not found"),
        );
        error.details = json!({"name": name, "kind": resource});
        error
    }

    /// A write whose resourceVersion precondition no longer holds.
    pub(crate) fn modified(resource: &str, name: &str) -> Self {
        let mut error = Self::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            ),
        );
        error.details = json!({"name": name, "kind": resource});
        error
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message.into())
    }

    pub(crate) fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml, application/merge-patch+json; got {content_type:?}"
            ),
        )
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
        )
    }

    /// An apply that would change fields other managers own; `conflicts` pairs a manager with a
    /// field path in its readable form.
    pub(crate) fn apply_conflict(
        api_version: &str,
        name: &str,
        conflicts: &[(String, String)],
    ) -> Self {
        let causes: Vec<Value> = conflicts
            .iter()
            .map(|(manager, field)| {
                json!({
                    "type": "FieldManagerConflict",
                    "message": format!("conflict with \"{manager}\" using {api_version}"),
                    "field": field,
                })
            })
            .collect();
        let listed: Vec<String> = conflicts
            .iter()
            .map(|(manager, field)| {
                format!("- conflict with \"{manager}\" using {api_version}: {field}")
            })
            .collect();
        let mut error = Self::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "Apply failed with {} conflict{}:\n{}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                listed.join("\n")
            ),
        );
        error.details = json!({"name": name, "causes": causes});
        error
    }

    /// A fault injected by the test: throttling (429) or an internal error (500).
    pub(crate) fn injected(code: StatusCode) -> Self {
        let reason = if code == StatusCode::TOO_MANY_REQUESTS {
            "TooManyRequests"
        } else {
            "InternalError"
        };
        let mut error = Self::new(code, reason, format!("injected fault: {code}"));
        error.details = json!({"retryAfterSeconds": 1});
        error
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code.as_u16(),
        });
        if !self.details.is_null() {
            body["details"] = self.details;
        }
        let mut response = (self.code, axum::Json(body)).into_response();
        if self.code == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        response
    }
}

/// The `Status` a successful DELETE returns.
pub(crate) fn deleted(kind: &str, name: &str, uid: &Value) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "kind": kind, "uid": uid},
    })
}
