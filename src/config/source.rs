//! A parsed document as a JSON value plus the spans of its parts.
//!
//! YAML and HCL both load into a [`Document`]: the value as `serde_json::Value` and a
//! [`SpanIndex`] from JSON pointers to byte ranges. Typed decoding ([`Document::decode`]) maps a
//! serde error's path back to the span it came from, so both languages report errors alike.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diag::{Diagnostic, FileId, Span};

/// The language a document was written in; it decides how field names are spelled in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Kubernetes YAML: camelCase fields.
    Yaml,
    /// HCL: `snake_case` attributes and blocks.
    Hcl,
}

/// Where each part of a document is in its file.
#[derive(Debug, Clone)]
pub struct SpanIndex {
    file: FileId,
    root: Range<usize>,
    values: HashMap<String, Range<usize>>,
    keys: HashMap<String, Range<usize>>,
}

impl SpanIndex {
    /// An index whose root covers `root`.
    #[must_use]
    pub fn new(file: FileId, root: Range<usize>) -> Self {
        Self {
            file,
            root,
            values: HashMap::new(),
            keys: HashMap::new(),
        }
    }

    /// Records the span of the value at `pointer`.
    pub fn insert_value(&mut self, pointer: String, bytes: Range<usize>) {
        self.values.insert(pointer, bytes);
    }

    /// Records the span of the key that names the value at `pointer`.
    pub fn insert_key(&mut self, pointer: String, bytes: Range<usize>) {
        self.keys.insert(pointer, bytes);
    }

    /// The whole document.
    #[must_use]
    pub fn root(&self) -> Span {
        Span::new(self.file, self.root.clone())
    }

    /// The span of the value at `pointer`, or of its nearest recorded ancestor.
    #[must_use]
    pub fn value(&self, pointer: &str) -> Span {
        self.nearest(&self.values, pointer)
    }

    /// The span of the key naming `pointer`, else of its value, else of an ancestor.
    #[must_use]
    pub fn key(&self, pointer: &str) -> Span {
        match self.keys.get(pointer) {
            Some(bytes) => Span::new(self.file, bytes.clone()),
            None => self.value(pointer),
        }
    }

    fn nearest(&self, map: &HashMap<String, Range<usize>>, pointer: &str) -> Span {
        let mut current = pointer;
        loop {
            if let Some(bytes) = map.get(current) {
                return Span::new(self.file, bytes.clone());
            }
            match current.rfind('/') {
                Some(index) => current = &current[..index],
                None => return self.root(),
            }
        }
    }

    /// A copy whose pointers are relative to `prefix` (for a part decoded on its own).
    #[must_use]
    pub fn subtree(&self, prefix: &str) -> SpanIndex {
        let strip = |map: &HashMap<String, Range<usize>>| {
            map.iter()
                .filter_map(|(pointer, bytes)| {
                    let rest = pointer.strip_prefix(prefix)?;
                    (rest.is_empty() || rest.starts_with('/'))
                        .then(|| (rest.to_owned(), bytes.clone()))
                })
                .collect()
        };
        SpanIndex {
            file: self.file,
            root: self
                .values
                .get(prefix)
                .cloned()
                .unwrap_or_else(|| self.root.clone()),
            values: strip(&self.values),
            keys: strip(&self.keys),
        }
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
#[must_use]
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// One parsed document: its value and where its parts are.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document as JSON.
    pub value: Value,
    /// Spans of its parts.
    pub spans: SpanIndex,
    /// The language it was written in.
    pub dialect: Dialect,
}

impl Document {
    /// Decodes the document (or the part at `pointer`, "" for all) into a typed value.
    ///
    /// Errors name the offending field with its span; HCL documents get `snake_case` names.
    pub fn decode<T: DeserializeOwned>(&self, pointer: &str) -> Result<T, Box<Diagnostic>> {
        let value = if pointer.is_empty() {
            &self.value
        } else {
            self.value.pointer(pointer).unwrap_or(&Value::Null)
        };
        serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
            let path = path_to_pointer(error.path());
            let full = format!("{pointer}{path}");
            let inner = error.into_inner().to_string();
            Box::new(self.decode_error(&full, &inner))
        })
    }

    fn decode_error(&self, pointer: &str, message: &str) -> Diagnostic {
        let (message, suggestion, label_at_key) = describe_serde_error(message, self.dialect);
        // For an unknown field the path ends at the field itself; name the object it is in.
        let container = if label_at_key {
            pointer.rfind('/').map_or("", |index| &pointer[..index])
        } else {
            pointer
        };
        let field = display_pointer(container, self.dialect);
        let span = if label_at_key {
            self.spans.key(pointer)
        } else {
            self.spans.value(pointer)
        };
        let message = match (field.is_empty(), label_at_key) {
            (true, _) => message,
            (false, true) => format!("{message} in `{field}`"),
            (false, false) => format!("{message} at `{field}`"),
        };
        let mut diagnostic =
            Diagnostic::error("mcctl::config::invalid_field", message).with_label(span, "here");
        diagnostic.help = Some(suggestion.unwrap_or_else(|| match self.dialect {
            Dialect::Yaml => "see docs/config.md for the fields of this kind".to_owned(),
            Dialect::Hcl => {
                "see docs/config.md for the attributes and blocks of this block".to_owned()
            }
        }));
        diagnostic
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&pointer_segment(key));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

/// The field path as the user wrote it: `spec.placement.clusterAffinity` (YAML) or
/// `placement.cluster_affinity` (HCL, where `spec` does not exist).
fn display_pointer(pointer: &str, dialect: Dialect) -> String {
    let segments = pointer.split('/').filter(|segment| !segment.is_empty());
    let mut parts: Vec<String> = Vec::new();
    for segment in segments {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.chars().all(|c| c.is_ascii_digit())
            && let Some(last) = parts.last_mut()
        {
            let _ = write!(last, "[{segment}]");
            continue;
        }
        match dialect {
            Dialect::Yaml => parts.push(segment),
            Dialect::Hcl => {
                if parts.is_empty() && (segment == "spec" || segment == "metadata") {
                    continue;
                }
                parts.push(hcl_name(&segment));
            }
        }
    }
    parts.join(".")
}

/// The HCL spelling of a camelCase field: `propagateDeps` → `propagate_deps`, and lists become
/// the singular block name (`resourceSelectors` → `resource_selector`).
#[must_use]
pub fn hcl_name(field: &str) -> String {
    if let Some(block) = crate::config::hcl::block_for_list(field) {
        return block.to_owned();
    }
    let mut out = String::with_capacity(field.len() + 4);
    for (index, c) in field.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Turns serde's message into ours: (message, help, whether to label the key).
fn describe_serde_error(message: &str, dialect: Dialect) -> (String, Option<String>, bool) {
    let rename = |name: &str| match dialect {
        Dialect::Yaml => name.to_owned(),
        Dialect::Hcl => hcl_name(name),
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<String> = expected.split('`').skip(1).step_by(2).map(rename).collect();
        let name = rename(name);
        let help = closest(&name, &candidates).map_or_else(
            || {
                if candidates.is_empty() {
                    "remove it".to_owned()
                } else {
                    format!("remove it; allowed here: `{}`", candidates.join("`, `"))
                }
            },
            |best| format!("did you mean `{best}`?"),
        );
        let kind = match dialect {
            Dialect::Yaml => "field",
            Dialect::Hcl => "attribute or block",
        };
        return (format!("unknown {kind} `{name}`"), Some(help), true);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        let name = rename(name);
        return (
            format!("missing required field `{name}`"),
            Some(format!("add `{name}`")),
            false,
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (name, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        let help = closest(name, &candidates).map_or_else(
            || format!("use one of `{}`", candidates.join("`, `")),
            |best| format!("did you mean `{best}`?"),
        );
        return (format!("unknown value `{name}`"), Some(help), false);
    }
    (plain_types(message), None, false)
}

/// serde speaks of Rust types (`expected i32`); users write YAML and HCL.
fn plain_types(message: &str) -> String {
    let mut text = message.to_owned();
    for (rust, plain) in [
        ("i8", "an integer"),
        ("i16", "an integer"),
        ("i32", "an integer"),
        ("i64", "an integer"),
        ("u8", "a whole number"),
        ("u16", "a whole number"),
        ("u32", "a whole number"),
        ("u64", "a whole number"),
        ("f32", "a number"),
        ("f64", "a number"),
        ("a sequence", "a list"),
        ("a map", "a mapping"),
        ("struct ", "an object "),
    ] {
        text = text.replace(&format!("expected {rust}"), &format!("expected {plain}"));
    }
    text.replace("invalid type: ", "wrong type: ")
        .replace("sequence,", "list,")
}

/// A help line for a value that must be one of `allowed`: a suggestion when it looks like a
/// typo, else the list.
#[must_use]
pub fn one_of(value: &str, allowed: &[&str]) -> String {
    let candidates: Vec<String> = allowed.iter().map(|item| (*item).to_owned()).collect();
    match closest(value, &candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("use one of `{}`", allowed.join("`, `")),
    }
}

/// The candidate closest to `name`, if any is close enough to be a typo.
#[must_use]
pub fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only decoded")]
    struct Spec {
        propagate_deps: Option<bool>,
        priority: Option<i32>,
    }

    fn document(value: Value, dialect: Dialect) -> Document {
        let mut sources = crate::diag::Sources::default();
        let file = sources.add("t".into(), String::new());
        let mut spans = SpanIndex::new(file, 0..100);
        spans.insert_value("/spec".into(), 10..50);
        spans.insert_key("/spec/propagatDeps".into(), 12..24);
        spans.insert_value("/spec/priority".into(), 30..35);
        Document {
            value,
            spans,
            dialect,
        }
    }

    #[test]
    fn unknown_fields_point_at_the_key_and_suggest_a_fix() {
        let doc = document(
            serde_json::json!({"spec": {"propagatDeps": true}}),
            Dialect::Yaml,
        );
        let error = doc.decode::<Spec>("/spec").unwrap_err();
        assert_eq!(error.message, "unknown field `propagatDeps` in `spec`");
        assert_eq!(error.help.as_deref(), Some("did you mean `propagateDeps`?"));
        assert_eq!(error.labels[0].span.bytes, 12..24);
    }

    #[test]
    fn hcl_errors_use_snake_case() {
        let doc = document(
            serde_json::json!({"spec": {"propagatDeps": true}}),
            Dialect::Hcl,
        );
        let error = doc.decode::<Spec>("/spec").unwrap_err();
        assert_eq!(error.message, "unknown attribute or block `propagat_deps`");
        assert_eq!(
            error.help.as_deref(),
            Some("did you mean `propagate_deps`?")
        );
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let doc = document(
            serde_json::json!({"spec": {"priority": "high"}}),
            Dialect::Yaml,
        );
        let error = doc.decode::<Spec>("/spec").unwrap_err();
        assert!(
            error.message.contains("at `spec.priority`"),
            "{}",
            error.message
        );
        assert_eq!(error.labels[0].span.bytes, 30..35);
    }
}
