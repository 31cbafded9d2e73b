//! YAML files: multi-document streams read into [`Document`]s with spans.
//!
//! Numbers follow kubectl (`0644` is octal), duplicate keys are errors, merge keys are merged.
//! Pure: takes the text, never reads files itself.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::{Location, Spanned};

use crate::config::source::{Dialect, Document, SpanIndex, pointer_segment};
use crate::diag::{Diagnostic, FileId, SourceFile};

/// A YAML node with the location of every child.
enum Node {
    Null,
    Bool(bool),
    Integer(Number),
    Float(f64),
    String(String),
    Sequence(Vec<Spanned<Node>>),
    Mapping(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Integer(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Integer(value.into()))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Node, E> {
        i64::try_from(value)
            .map(|value| Node::Integer(value.into()))
            .or_else(|_| u64::try_from(value).map(|value| Node::Integer(value.into())))
            .map_err(|_| E::custom(format!("the number {value} is too large")))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Node, E> {
        u64::try_from(value)
            .map(|value| Node::Integer(value.into()))
            .map_err(|_| E::custom(format!("the number {value} is too large")))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Float(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        Ok(Node::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Node, E> {
        Ok(Node::String(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Node, E> {
        String::from_utf8(value.to_vec())
            .map(Node::String)
            .map_err(|_| E::custom("binary values are not supported"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Mapping(entries))
    }
}

/// Parses every document of a YAML file. Empty and comment-only documents are skipped.
pub fn parse(file_id: FileId, file: &SourceFile) -> Result<Vec<Document>, Box<Diagnostic>> {
    // The parser's default budget (1,024 documents, 250,000 nodes per file) guards services
    // against hostile input; a workspace is the user's own, and a fleet's manifests may be one
    // large generated file. The byte cap and the alias guards stay as they are.
    let options = serde_saphyr::options! {
        legacy_octal_numbers: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_documents: 1_000_000,
            max_nodes: 50_000_000,
            max_events: 200_000_000,
        },
    };
    let nodes: Vec<Spanned<Node>> = serde_saphyr::from_multiple_with_options(&file.text, options)
        .map_err(|error| {
        let offset = error
            .location()
            .map_or(0, |location| byte_offset(file, &location));
        let message = error.to_string();
        let span = crate::diag::Span::new(file_id, offset..offset);
        if message.contains("budget breached") {
            return Box::new(
                Diagnostic::error(
                    "mcctl::config::yaml_too_large",
                    format!(
                        "this file is too large to read in one piece ({})",
                        strip_location(&message)
                    ),
                )
                .with_label(span, "the limit is reached here")
                .with_help("split it into several files"),
            );
        }
        Box::new(
            Diagnostic::error(
                "mcctl::config::yaml_syntax",
                format!("invalid YAML: {}", strip_location(&message)),
            )
            .with_label(span, "here")
            .with_help("fix the YAML syntax at this position"),
        )
    })?;
    let mut documents = Vec::with_capacity(nodes.len());
    for node in nodes {
        let root = span_of(file, &node);
        let mut spans = SpanIndex::new(file_id, root.clone());
        let value = convert(file, node, "", &mut spans)?;
        if value.is_null() {
            continue;
        }
        documents.push(Document {
            value,
            spans,
            dialect: Dialect::Yaml,
        });
    }
    Ok(documents)
}

fn convert(
    file: &SourceFile,
    node: Spanned<Node>,
    pointer: &str,
    spans: &mut SpanIndex,
) -> Result<Value, Box<Diagnostic>> {
    let span = span_of(file, &node);
    spans.insert_value(pointer.to_owned(), span.clone());
    Ok(match node.value {
        Node::Null => Value::Null,
        Node::Bool(value) => Value::Bool(value),
        Node::Integer(number) => Value::Number(number),
        Node::Float(value) => match Number::from_f64(value) {
            Some(number) => Value::Number(number),
            None => {
                return Err(Box::new(
                    Diagnostic::error(
                        "mcctl::config::yaml_number",
                        format!("`{value}` cannot be represented in a Kubernetes object"),
                    )
                    .with_label(crate::diag::Span::new(spans.root().file, span), "here")
                    .with_help("quote it to make it a string"),
                ));
            }
        },
        Node::String(text) => Value::String(text),
        Node::Sequence(items) => {
            let mut values = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                values.push(convert(file, item, &format!("{pointer}/{index}"), spans)?);
            }
            Value::Array(values)
        }
        Node::Mapping(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let child = format!("{pointer}/{}", pointer_segment(&key.value));
                spans.insert_key(
                    child.clone(),
                    span_of_location(file, &key.referenced, &key.value),
                );
                let value = convert(file, value, &child, spans)?;
                map.insert(key.value, value);
            }
            Value::Object(map)
        }
    })
}

fn byte_offset(file: &SourceFile, location: &Location) -> usize {
    match location.span().byte_offset() {
        Some(offset) => usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(file.text.len()),
        None => file.offset(
            usize::try_from(location.line()).unwrap_or(usize::MAX),
            usize::try_from(location.column()).unwrap_or(usize::MAX),
        ),
    }
}

fn span_of(file: &SourceFile, node: &Spanned<Node>) -> std::ops::Range<usize> {
    let start = byte_offset(file, &node.referenced);
    let len = node
        .referenced
        .span()
        .byte_len()
        .and_then(|len| usize::try_from(len).ok())
        .unwrap_or(0);
    start..(start + len).min(file.text.len())
}

fn span_of_location(file: &SourceFile, location: &Location, text: &str) -> std::ops::Range<usize> {
    let start = byte_offset(file, location);
    let len = location
        .span()
        .byte_len()
        .and_then(|len| usize::try_from(len).ok())
        .filter(|len| *len > 0)
        .unwrap_or(text.len());
    start..(start + len).min(file.text.len())
}

/// serde-saphyr appends " at line L column C"; the diagnostic shows the location itself.
fn strip_location(message: &str) -> &str {
    let message = message
        .find(" at line ")
        .map_or(message, |index| &message[..index]);
    // The parser's advice names its own options, which mean nothing to a user.
    message
        .find(", set DuplicateKeyPolicy")
        .map_or(message, |index| &message[..index])
        .trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;

    fn parse_text(text: &str) -> Result<(Sources, Vec<Document>), Box<Diagnostic>> {
        let mut sources = Sources::default();
        let id = sources.add("test.yaml".into(), text.to_owned());
        let documents = parse(id, sources.get(id))?;
        Ok((sources, documents))
    }

    #[test]
    fn reads_every_document_and_skips_empty_ones() {
        let (_, documents) = parse_text("a: 1\n---\n# only a comment\n---\nb: [x, z]\n").unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1].value, serde_json::json!({"b": ["x", "z"]}));
    }

    #[test]
    fn spans_point_at_values_and_keys() {
        let text = "metadata:\n  name: web\nspec:\n  replicas: 8\n";
        let (sources, documents) = parse_text(text).unwrap();
        let spans = &documents[0].spans;
        let value = spans.value("/spec/replicas");
        assert_eq!(&text[value.bytes.clone()], "8");
        let key = spans.key("/metadata/name");
        assert_eq!(&text[key.bytes.clone()], "name");
        let (_, position) = sources.locate(&value);
        assert_eq!((position.line, position.column), (4, 13));
    }

    #[test]
    fn octal_numbers_read_as_kubectl_reads_them() {
        let (_, documents) = parse_text("defaultMode: 0644\n").unwrap();
        assert_eq!(documents[0].value["defaultMode"], 420);
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let text = "a: 1\nb: [unclosed\n";
        let error = parse_text(text).unwrap_err();
        assert!(
            error.message.starts_with("invalid YAML"),
            "{}",
            error.message
        );
        assert!(!error.labels.is_empty());
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert!(parse_text("a: 1\na: 2\n").is_err());
    }
}
