//! Routes requests: discovery paths to their documents, resource paths to GET, LIST, PATCH (apply
//! or merge) and DELETE. Resource paths are parsed by hand, as `/api/v1/namespaces/{name}` (a
//! Namespace) and `/api/v1/namespaces/{namespace}/{plural}` (a list) share a shape.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::Shared;
use super::apply::{self, Apply};
use super::discovery;
use super::faults;
use super::kinds::Kind;
use super::selector::Selector;
use super::status::{self, ApiError};
use super::store::{Entry, ObjectKey};
use super::updater;

/// The router of one instance.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared.controls),
            faults::intercept,
        ))
        .with_state(shared)
}

/// A resource path, parsed.
struct Target {
    kind: Kind,
    /// The namespace in the path; `None` for cluster-scoped kinds and all-namespaces lists.
    namespace: Option<String>,
    name: Option<String>,
    status: bool,
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if matches!(uri.path(), "/api" | "/apis") && discovery::wants_aggregated(accept) {
        let document = discovery::aggregated(shared.lock_store().kinds(), uri.path() == "/api");
        return (
            [(header::CONTENT_TYPE, discovery::AGGREGATED)],
            Json(document),
        )
            .into_response();
    }
    let query = parse_query(uri.query().unwrap_or_default());
    match route(&shared, &method, uri.path(), &query, &headers, &body) {
        Ok(Reply::Object(value)) => Json(value).into_response(),
        Ok(Reply::Serialized(bytes)) => {
            ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// What a request gets: an object, or a list already serialized (from references into the
/// store, so that a large LIST neither copies its objects nor keeps them after the reply).
enum Reply {
    Object(Value),
    Serialized(Vec<u8>),
}

/// A page of a LIST, borrowing its items.
#[derive(serde::Serialize)]
struct ListBody<T> {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
    metadata: Value,
    items: Vec<T>,
}

fn route(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let store = shared.lock_store();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] => return Ok(Reply::Object(discovery::version())),
        ["api"] => return Ok(Reply::Object(discovery::core_versions())),
        ["apis"] => return Ok(Reply::Object(discovery::groups(store.kinds()))),
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(ApiError::not_found("paths", path)),
    };
    if rest.is_empty() {
        return discovery::resources(store.kinds(), group, version)
            .map(Reply::Object)
            .ok_or_else(|| ApiError::not_found("groupversions", &format!("{group}/{version}")));
    }
    let find = |plural: &str| {
        store
            .kind_by_plural(group, version, plural)
            .ok_or_else(|| ApiError::not_found("resources", plural))
    };
    let owned = |text: &&str| (*text).to_owned();
    let target = match rest {
        ["namespaces", namespace, plural, tail @ ..] if *plural != "status" && tail.len() <= 2 => {
            Target {
                kind: find(plural)?,
                namespace: Some((*namespace).to_owned()),
                name: tail.first().map(owned),
                status: tail.get(1) == Some(&"status"),
            }
        }
        [plural, tail @ ..] if tail.len() <= 2 => Target {
            kind: find(plural)?,
            namespace: None,
            name: tail.first().map(owned),
            status: tail.get(1) == Some(&"status"),
        },
        _ => return Err(ApiError::not_found("paths", path)),
    };
    // A namespaced object needs its namespace in the path; a cluster-scoped kind has none.
    let misplaced = if target.kind.namespaced {
        target.name.is_some() && target.namespace.is_none()
    } else {
        target.namespace.is_some()
    };
    if misplaced {
        return Err(ApiError::not_found("paths", path));
    }
    drop(store);
    match (method.as_str(), &target.name) {
        ("GET", Some(name)) => get(shared, &target, name).map(Reply::Object),
        ("GET", None) => {
            let metadata_only = headers
                .get(header::ACCEPT)
                .and_then(|value| value.to_str().ok())
                .is_some_and(wants_metadata);
            list(shared, &target, query, metadata_only).map(Reply::Serialized)
        }
        ("PATCH", Some(name)) => {
            patch(shared, &target, name, query, headers, body).map(Reply::Object)
        }
        ("DELETE", Some(name)) => delete(shared, &target, name, query).map(Reply::Object),
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn key(target: &Target, name: &str) -> ObjectKey {
    ObjectKey {
        resource: target.kind.resource(),
        namespace: target.namespace.clone().unwrap_or_default(),
        name: name.to_owned(),
    }
}

fn get(shared: &Shared, target: &Target, name: &str) -> Result<Value, ApiError> {
    let store = shared.lock_store();
    store
        .get(&key(target, name))
        .map(|entry| entry.object.clone())
        .ok_or_else(|| ApiError::not_found(&target.kind.plural, name))
}

/// Whether an `Accept` header asks for `PartialObjectMetadataList` first.
fn wants_metadata(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=PartialObjectMetadataList"))
}

/// A LIST item reduced to its metadata (`PartialObjectMetadata`), borrowing it.
#[derive(serde::Serialize)]
struct MetadataItem<'a> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: &'a Value,
}

/// A page of objects in (namespace, name) order. The continue token is the hex of the last key
/// returned, so a page boundary survives objects added or removed before it.
fn list(
    shared: &Shared,
    target: &Target,
    query: &BTreeMap<String, String>,
    metadata_only: bool,
) -> Result<Vec<u8>, ApiError> {
    let selector = Selector::parse(query.get("labelSelector").map_or("", String::as_str))
        .map_err(ApiError::bad_request)?;
    let limit = match query.get("limit") {
        Some(limit) => limit
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit {limit:?}")))?,
        None => 0,
    };
    let after = match query.get("continue") {
        Some(token) => Some(
            decode_token(token).ok_or_else(|| ApiError::bad_request("invalid continue token"))?,
        ),
        None => None,
    };
    let store = shared.lock_store();
    let resource = target.kind.resource();
    let matching: Vec<(&ObjectKey, &Entry)> = store
        .list(&resource, target.namespace.as_deref())
        .filter(|(key, _)| {
            after
                .as_ref()
                .is_none_or(|after| (&key.namespace, &key.name) > (&after.0, &after.1))
        })
        .filter(|(_, entry)| selector.matches(&entry.object))
        .collect();
    let page = if limit > 0 && matching.len() > limit {
        &matching[..limit]
    } else {
        &matching[..]
    };
    let mut metadata = json!({"resourceVersion": store.resource_version()});
    if page.len() < matching.len() {
        let (last, _) = page[page.len() - 1];
        metadata["continue"] = Value::String(encode_token(&last.namespace, &last.name));
        metadata["remainingItemCount"] = Value::from(matching.len() - page.len());
    }
    let written = if metadata_only {
        serde_json::to_vec(&ListBody {
            kind: "PartialObjectMetadataList".to_owned(),
            api_version: "meta.k8s.io/v1".to_owned(),
            metadata,
            items: page
                .iter()
                .map(|(_, entry)| MetadataItem {
                    kind: "PartialObjectMetadata",
                    api_version: "meta.k8s.io/v1",
                    metadata: &entry.object["metadata"],
                })
                .collect(),
        })
    } else {
        serde_json::to_vec(&ListBody {
            kind: format!("{}List", target.kind.kind),
            api_version: target.kind.api_version(),
            metadata,
            items: page.iter().map(|(_, entry)| entry.json()).collect(),
        })
    };
    written.map_err(|_| ApiError::injected(StatusCode::INTERNAL_SERVER_ERROR))
}

fn patch(
    shared: &Arc<Shared>,
    target: &Target,
    name: &str,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let dry_run = query.get("dryRun").is_some_and(|value| value == "All");
    if content_type.starts_with("application/merge-patch+json") {
        return merge_patch(shared, target, name, body, dry_run);
    }
    if !content_type.starts_with("application/apply-patch+yaml") || target.status {
        return Err(ApiError::unsupported_media_type(content_type));
    }
    let manager = query
        .get("fieldManager")
        .filter(|manager| !manager.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                "PATCH with apply-patch requires the fieldManager query parameter",
            )
        })?;
    let force = match query.get("force").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(ApiError::bad_request(format!("invalid force {other:?}"))),
    };
    // YAML is a superset of JSON, but serde-saphyr reads `0644` and `yes` as YAML 1.2 would; JSON
    // bodies are parsed as JSON so they round-trip exactly.
    let applied: Value = if let Ok(value) = serde_json::from_slice(body) {
        value
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::bad_request("the body is not UTF-8"))?;
        serde_saphyr::from_str(text)
            .map_err(|error| ApiError::bad_request(format!("the body is not YAML: {error}")))?
    };
    let request = Apply {
        kind: &target.kind,
        key: key(target, name),
        applied,
        manager,
        force,
        dry_run,
    };
    let result = apply::apply(&mut shared.lock_store(), request)?;
    if !dry_run {
        updater::written(shared, &target.kind, &key(target, name), &result);
    }
    Ok(result)
}

/// A JSON merge patch; on the `/status` subresource only `status` is taken from the patch.
fn merge_patch(
    shared: &Shared,
    target: &Target,
    name: &str,
    body: &[u8],
    dry_run: bool,
) -> Result<Value, ApiError> {
    let mut patch: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("the body is not JSON: {error}")))?;
    if target.status {
        patch = json!({"status": patch["status"].clone()});
    }
    let mut store = shared.lock_store();
    let key = key(target, name);
    let mut entry = store
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&target.kind.plural, name))?;
    let before = apply::spec_of(&entry.object);
    json_patch::merge(&mut entry.object, &patch);
    if apply::spec_of(&entry.object) != before {
        let generation = entry.object["metadata"]["generation"].as_i64().unwrap_or(1);
        entry.object["metadata"]["generation"] = Value::from(generation + 1);
    }
    entry.object["metadata"]["resourceVersion"] = Value::String(if dry_run {
        store.resource_version()
    } else {
        store.next_resource_version()
    });
    let object = entry.object.clone();
    if !dry_run {
        store.put(key, entry);
    }
    Ok(object)
}

/// Deletes an object. Unless `propagationPolicy=Orphan`, objects whose ownerReferences name it go
/// too, and deleting a Namespace deletes everything in it.
fn delete(
    shared: &Shared,
    target: &Target,
    name: &str,
    query: &BTreeMap<String, String>,
) -> Result<Value, ApiError> {
    let orphan = query
        .get("propagationPolicy")
        .is_some_and(|policy| policy == "Orphan");
    let dry_run = query.get("dryRun").is_some_and(|value| value == "All");
    let mut store = shared.lock_store();
    let key = key(target, name);
    let entry = store
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&target.kind.plural, name))?;
    if dry_run {
        return Ok(status::deleted(
            &target.kind.plural,
            name,
            &entry.object["metadata"]["uid"],
        ));
    }
    store.remove(&key);
    if target.kind.resource() == "namespaces" {
        for contained in store.in_namespace(name) {
            store.remove(&contained);
        }
    }
    if !orphan {
        let mut pending = vec![
            entry.object["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ];
        while let Some(uid) = pending.pop() {
            for dependent in store.owned_by(&uid) {
                if let Some(removed) = store.remove(&dependent) {
                    pending.push(
                        removed.object["metadata"]["uid"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
        }
    }
    store.next_resource_version();
    Ok(status::deleted(
        &target.kind.plural,
        name,
        &entry.object["metadata"]["uid"],
    ))
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        decoded.push(byte);
                        index += 3;
                        continue;
                    }
                    None => decoded.push(b'%'),
                }
            }
            b'+' => decoded.push(b' '),
            byte => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn encode_token(namespace: &str, name: &str) -> String {
    use std::fmt::Write as _;
    let mut token = String::new();
    for byte in format!("{namespace}/{name}").bytes() {
        let _ = write!(token, "{byte:02x}");
    }
    token
}

fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|index| {
            token
                .get(index..index + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (namespace, name) = text.split_once('/')?;
    Some((namespace.to_owned(), name.to_owned()))
}
