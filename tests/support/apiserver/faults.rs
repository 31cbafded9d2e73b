//! What tests observe and inject: request counters by verb and resource, added latency, error
//! replies for the next N requests, and connections dropped on accept. The middleware counts every
//! request that reaches the server, including those it then fails, so retries are visible.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::status::ApiError;

/// What a request does, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verb {
    /// `/version`, `/api…` and `/apis…` without a resource.
    Discovery,
    Get,
    List,
    /// PATCH with `application/apply-patch+yaml`.
    Apply,
    /// Any other PATCH (merge patches of status).
    Patch,
    Delete,
    /// Anything else (POST, PUT, unknown paths).
    Other,
}

/// Faults and counters of one instance, shared between the handle and the server.
#[derive(Debug, Default)]
pub(crate) struct Controls {
    state: Mutex<ControlState>,
}

#[derive(Debug, Default)]
struct ControlState {
    /// Requests per verb and resource (`deployments`, `apps/deployments`; the path for discovery).
    counts: BTreeMap<(Verb, String), u64>,
    /// LISTs that carried a `continue` token, by resource: later pages of a list counted once.
    continued: BTreeMap<String, u64>,
    latency: Duration,
    /// The status to answer with, and how many more requests get it.
    failing: Option<(StatusCode, u32)>,
    drop_connections: u32,
}

impl Controls {
    fn lock(&self) -> std::sync::MutexGuard<'_, ControlState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many requests of `verb` arrived, for any resource.
    pub(crate) fn count(&self, verb: Verb) -> u64 {
        self.lock()
            .counts
            .iter()
            .filter(|((counted, _), _)| *counted == verb)
            .map(|(_, count)| count)
            .sum()
    }

    /// How many requests of `verb` arrived for `resource` (`deployments`, `apps/deployments`).
    pub(crate) fn count_for(&self, verb: Verb, resource: &str) -> u64 {
        self.lock()
            .counts
            .get(&(verb, resource.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Every counter, for assertions that compare the whole picture.
    pub(crate) fn counts(&self) -> BTreeMap<(Verb, String), u64> {
        self.lock().counts.clone()
    }

    /// How many of the LISTs were later pages (`continue` token) of a paginated list.
    pub(crate) fn count_continued(&self) -> u64 {
        self.lock().continued.values().sum()
    }

    /// How many of the LISTs of `resource` were later pages of a paginated list.
    pub(crate) fn count_continued_for(&self, resource: &str) -> u64 {
        self.lock().continued.get(resource).copied().unwrap_or(0)
    }

    pub(crate) fn reset_counts(&self) {
        let mut state = self.lock();
        state.counts.clear();
        state.continued.clear();
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Answers the next `count` requests with `status` (429 carries `Retry-After: 1`).
    pub(crate) fn fail_next(&self, count: u32, status: StatusCode) {
        self.lock().failing = (count > 0).then_some((status, count));
    }

    /// Closes the next `count` connections as soon as they are accepted, before any reply.
    pub(crate) fn drop_next_connections(&self, count: u32) {
        self.lock().drop_connections = count;
    }

    /// Takes one dropped connection from the budget, if any is left.
    pub(crate) fn take_drop(&self) -> bool {
        let mut state = self.lock();
        if state.drop_connections == 0 {
            return false;
        }
        state.drop_connections -= 1;
        true
    }

    /// Counts the request and takes one injected failure, if any.
    fn record(
        &self,
        verb: Verb,
        resource: String,
        continued: bool,
    ) -> (Duration, Option<StatusCode>) {
        let mut state = self.lock();
        if verb == Verb::List && continued {
            *state.continued.entry(resource.clone()).or_default() += 1;
        }
        *state.counts.entry((verb, resource)).or_default() += 1;
        let failure = match &mut state.failing {
            Some((status, remaining)) => {
                let status = *status;
                *remaining -= 1;
                if *remaining == 0 {
                    state.failing = None;
                }
                Some(status)
            }
            None => None,
        };
        (state.latency, failure)
    }
}

/// The middleware: count, wait, then fail or pass the request on.
pub(crate) async fn intercept(
    State(controls): State<Arc<Controls>>,
    request: Request,
    next: Next,
) -> Response {
    let (verb, resource) = classify(request.method(), request.uri().path(), request.headers());
    let continued = request
        .uri()
        .query()
        .is_some_and(|query| query.split('&').any(|pair| pair.starts_with("continue=")));
    let (latency, failure) = controls.record(verb, resource, continued);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match failure {
        Some(status) => ApiError::injected(status).into_response(),
        None => next.run(request).await,
    }
}

/// The verb and resource of a request, from its method and path alone.
fn classify(method: &Method, path: &str, headers: &axum::http::HeaderMap) -> (Verb, String) {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let (group, rest) = match segments.as_slice() {
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => return (Verb::Discovery, path.to_owned()),
    };
    let (plural, has_name) = match rest {
        [] => return (Verb::Discovery, path.to_owned()),
        ["namespaces", _, plural] | [plural] => (*plural, false),
        ["namespaces", _, plural, _, ..] | [plural, _, ..] => (*plural, true),
    };
    let resource = if group.is_empty() {
        plural.to_owned()
    } else {
        format!("{group}/{plural}")
    };
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let verb = match (method.as_str(), has_name) {
        ("GET", true) => Verb::Get,
        ("GET", false) => Verb::List,
        ("PATCH", _) if content_type.starts_with("application/apply-patch") => Verb::Apply,
        ("PATCH", _) => Verb::Patch,
        ("DELETE", _) => Verb::Delete,
        _ => Verb::Other,
    };
    (verb, resource)
}
