//! HCL files: blocks read into [`Document`]s shaped like Karmada's YAML objects.
//!
//! A block's label is `metadata.name`, `snake_case` names become camelCase, repeated blocks become
//! lists (`resource_selector` → `resourceSelectors`) and overriders move under `overriders`, so
//! HCL and YAML decode through the same types (DESIGN.md §3). Spans come from hcl-edit.

use std::ops::Range;

use hcl::edit::Span as _;
use hcl::edit::expr::{Expression, TraversalOperator};
use hcl::edit::structure::{Attribute, Block};
use serde_json::{Map, Value};

use crate::config::functions::Scope;
use crate::config::source::{Dialect, Document, SpanIndex, pointer_segment};
use crate::config::variables::{self, VarType};
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceFile, Span};

/// Repeated blocks and the list field each one fills, as (block, field).
const LIST_BLOCKS: &[(&str, &str)] = &[
    ("resource_selector", "resourceSelectors"),
    ("spread_constraint", "spreadConstraints"),
    ("static_weight", "staticWeightList"),
    ("override_rule", "overrideRules"),
    ("cluster_toleration", "clusterTolerations"),
    ("cluster_affinity_term", "clusterAffinities"),
    ("overflow_affinity", "overflowAffinities"),
    ("match_expression", "matchExpressions"),
    ("taint", "taints"),
    ("image_overrider", "imageOverrider"),
    ("plaintext", "plaintext"),
    ("command_overrider", "commandOverrider"),
    ("args_overrider", "argsOverrider"),
    ("labels_overrider", "labelsOverrider"),
    ("annotations_overrider", "annotationsOverrider"),
    ("field_overrider", "fieldOverrider"),
    ("rule", "rules"),
    ("json", "json"),
    ("yaml", "yaml"),
    ("resource_model", "resourceModels"),
    ("range", "ranges"),
];

/// Overrider blocks sit directly in `override_rule`; Karmada nests them under `overriders`.
const OVERRIDER_BLOCKS: &[&str] = &[
    "image_overrider",
    "plaintext",
    "command_overrider",
    "args_overrider",
    "labels_overrider",
    "annotations_overrider",
    "field_overrider",
];

/// The block name that fills a camelCase list field, if the field is filled by blocks.
#[must_use]
pub fn block_for_list(field: &str) -> Option<&'static str> {
    LIST_BLOCKS
        .iter()
        .find(|(_, list)| *list == field)
        .map(|(block, _)| *block)
}

/// What a top-level block declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `settings`.
    Settings,
    /// `cluster "name"`.
    Cluster,
    /// `template "name"`.
    Template,
    /// `propagation_policy "name"`.
    PropagationPolicy,
    /// `cluster_propagation_policy "name"`.
    ClusterPropagationPolicy,
    /// `override_policy "name"`.
    OverridePolicy,
    /// `cluster_override_policy "name"`.
    ClusterOverridePolicy,
}

const TOP_LEVEL: &[(&str, BlockKind)] = &[
    ("settings", BlockKind::Settings),
    ("cluster", BlockKind::Cluster),
    ("template", BlockKind::Template),
    ("propagation_policy", BlockKind::PropagationPolicy),
    (
        "cluster_propagation_policy",
        BlockKind::ClusterPropagationPolicy,
    ),
    ("override_policy", BlockKind::OverridePolicy),
    ("cluster_override_policy", BlockKind::ClusterOverridePolicy),
];

impl BlockKind {
    /// The Karmada kind the block is decoded as, if it is one.
    #[must_use]
    pub fn karmada_kind(self) -> Option<&'static str> {
        match self {
            Self::PropagationPolicy => Some("PropagationPolicy"),
            Self::ClusterPropagationPolicy => Some("ClusterPropagationPolicy"),
            Self::OverridePolicy => Some("OverridePolicy"),
            Self::ClusterOverridePolicy => Some("ClusterOverridePolicy"),
            Self::Settings | Self::Cluster | Self::Template => None,
        }
    }

    fn namespaced(self) -> bool {
        matches!(self, Self::PropagationPolicy | Self::OverridePolicy)
    }
}

/// A reference in a `depends_on` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `template.<name>`: every object of that template block.
    Template(String),
    /// An object address string, `apps/Deployment/default/web`.
    Object(String),
}

/// One top-level block, converted.
#[derive(Debug, Clone)]
pub struct HclBlock {
    /// What it declares.
    pub kind: BlockKind,
    /// Its label (`None` for `settings`).
    pub name: Option<String>,
    /// The block as a document (Karmada-shaped for policies).
    pub document: Document,
    /// Where the block header is.
    pub span: Span,
    /// `depends_on` of a `template` block, with spans.
    pub depends_on: Vec<(Reference, Span)>,
}

/// Parses an HCL file; a syntax error is reported and gives `None`.
pub fn parse_body(
    file_id: FileId,
    file: &SourceFile,
    diagnostics: &mut Diagnostics,
) -> Option<hcl::edit::structure::Body> {
    match hcl::edit::parser::parse_body(&file.text) {
        Ok(body) => Some(body),
        Err(error) => {
            let location = error.location();
            diagnostics.push(syntax_error(
                file_id,
                file,
                location.line(),
                location.column(),
                error.message(),
            ));
            None
        }
    }
}

/// A `variable` block.
#[derive(Debug, Clone)]
pub struct VariableBlock {
    /// Name.
    pub name: String,
    /// Type constraint (`any` when absent).
    pub ty: VarType,
    /// Default value expression.
    pub default: Option<(hcl::Expression, Span)>,
    /// `validation` blocks.
    pub validations: Vec<Validation>,
    /// The block header.
    pub span: Span,
}

/// A `validation` block of a variable.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Must evaluate to `true`.
    pub condition: hcl::Expression,
    /// Shown when it does not.
    pub message: String,
    /// The block.
    pub span: Span,
}

/// One attribute of a `locals` block.
#[derive(Debug, Clone)]
pub struct Local {
    /// Name.
    pub name: String,
    /// Its expression.
    pub expression: hcl::Expression,
    /// Where it is.
    pub span: Span,
}

/// Reads the `variable` and `locals` blocks of a file.
pub fn definitions(
    file_id: FileId,
    body: &hcl::edit::structure::Body,
    diagnostics: &mut Diagnostics,
) -> (Vec<VariableBlock>, Vec<Local>) {
    let span = |bytes: Option<Range<usize>>| Span::new(file_id, bytes.unwrap_or(0..0));
    let mut variables = Vec::new();
    let mut locals = Vec::new();
    for block in body.blocks() {
        match block.ident.as_str() {
            "locals" => {
                if !block.labels.is_empty() {
                    diagnostics.push(
                        Diagnostic::error(
                            "mcctl::config::block_labels",
                            "`locals` takes no labels",
                        )
                        .with_label(span(block.ident.span()), "here")
                        .with_help("write `locals { name = value }`"),
                    );
                }
                for structure in &block.body {
                    match structure.as_attribute() {
                        Some(attribute) => locals.push(Local {
                            name: attribute.key.as_str().to_owned(),
                            expression: attribute.value.clone().into(),
                            span: span(attribute.span()),
                        }),
                        None => diagnostics.push(
                            Diagnostic::error(
                                "mcctl::config::locals",
                                "`locals` holds attributes only",
                            )
                            .with_label(span(structure.span()), "a block")
                            .with_help("write `name = value` lines"),
                        ),
                    }
                }
            }
            "variable" => {
                if let Some(variable) = variable_block(file_id, block, diagnostics) {
                    variables.push(variable);
                }
            }
            _ => {}
        }
    }
    (variables, locals)
}

fn variable_block(
    file_id: FileId,
    block: &Block,
    diagnostics: &mut Diagnostics,
) -> Option<VariableBlock> {
    let span = |bytes: Option<Range<usize>>| Span::new(file_id, bytes.unwrap_or(0..0));
    let [label] = block.labels.as_slice() else {
        diagnostics.push(
            Diagnostic::error(
                "mcctl::config::block_labels",
                "`variable` takes exactly one label, its name",
            )
            .with_label(span(block.ident.span()), "here")
            .with_help("write `variable \"<name>\" { … }`"),
        );
        return None;
    };
    let name = label.as_str().to_owned();
    let header = Span::new(
        file_id,
        block.ident.span().map_or(0..0, |ident| {
            ident.start..label.span().map_or(ident.end, |label| label.end)
        }),
    );
    let errors = diagnostics.error_count();
    let mut variable = VariableBlock {
        name,
        ty: VarType::Any,
        default: None,
        validations: Vec::new(),
        span: header,
    };
    for structure in &block.body {
        if let Some(attribute) = structure.as_attribute() {
            let value_span = span(attribute.value.span());
            match attribute.key.as_str() {
                "type" => match variables::parse_type(&attribute.value) {
                    Ok(ty) => variable.ty = ty,
                    Err(message) => diagnostics.push(
                        Diagnostic::error("mcctl::config::variable_type", message)
                            .with_label(value_span, "this type")
                            .with_help("write a type such as `string`, `list(string)` or `object({ name = string })`"),
                    ),
                },
                "default" => variable.default = Some((attribute.value.clone().into(), value_span)),
                "description" | "sensitive" | "nullable" => {}
                other => diagnostics.push(
                    Diagnostic::error("mcctl::config::invalid_field", format!("unknown attribute or block `{other}`"))
                        .with_label(span(attribute.key.span()), "here")
                        .with_help(closest_help(other, &["type", "default", "description", "validation", "sensitive", "nullable"])),
                ),
            }
        } else if let Some(validation) = structure.as_block() {
            if validation.ident.as_str() != "validation" {
                diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::invalid_field",
                        format!("unknown attribute or block `{}`", validation.ident.as_str()),
                    )
                    .with_label(span(validation.ident.span()), "here")
                    .with_help(closest_help(validation.ident.as_str(), &["validation"])),
                );
                continue;
            }
            let block_span = span(validation.span());
            let condition = validation
                .body
                .get_attribute("condition")
                .map(|attribute| hcl::Expression::from(attribute.value.clone()));
            let message = validation
                .body
                .get_attribute("error_message")
                .and_then(|attribute| match &attribute.value {
                    Expression::String(text) => Some(text.as_str().to_owned()),
                    _ => None,
                });
            match (condition, message) {
                (Some(condition), Some(message)) => variable.validations.push(Validation {
                    condition,
                    message,
                    span: block_span,
                }),
                _ => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_validation",
                        "a `validation` block needs `condition` and a string `error_message`",
                    )
                    .with_label(block_span, "this block")
                    .with_help("write `condition = <expression>` and `error_message = \"…\"`"),
                ),
            }
        }
    }
    (diagnostics.error_count() == errors).then_some(variable)
}

fn closest_help(name: &str, candidates: &[&str]) -> String {
    crate::config::source::one_of(name, candidates)
}

/// Converts and evaluates every block of a parsed HCL file but `variable` and `locals`, whose
/// values `context` carries. Blocks with errors are left out of the result.
pub fn convert(
    file_id: FileId,
    body: &hcl::edit::structure::Body,
    scope: &Scope,
    diagnostics: &mut Diagnostics,
) -> Vec<HclBlock> {
    let mut converter = Converter {
        file: file_id,
        diagnostics,
        scope,
        tainted: false,
    };
    let mut blocks = Vec::new();
    for structure in body {
        if let Some(attribute) = structure.as_attribute() {
            let span = converter.span(attribute.span());
            converter.diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::hcl_top_level_attribute",
                    format!(
                        "unexpected attribute `{}` at the top level",
                        attribute.key.as_str()
                    ),
                )
                .with_label(span, "not inside a block")
                .with_help("top-level attributes are not allowed; put it inside a block"),
            );
        } else if let Some(block) = structure.as_block()
            && !matches!(block.ident.as_str(), "variable" | "locals")
            && let Some(block) = converter.top_level(block)
        {
            blocks.push(block);
        }
    }
    blocks
}

/// The diagnostic for HCL that does not parse, at a 1-based `line` and `column` of `file`.
#[must_use]
pub fn syntax_error(
    file_id: FileId,
    file: &SourceFile,
    line: usize,
    column: usize,
    message: &str,
) -> Diagnostic {
    let offset = file.offset(line, column);
    Diagnostic::error(
        "mcctl::config::hcl_syntax",
        format!("invalid HCL: {message}"),
    )
    .with_label(Span::new(file_id, offset..offset), "here")
    .with_help("fix the HCL syntax at this position")
}

struct Converter<'a> {
    file: FileId,
    diagnostics: &'a mut Diagnostics,
    scope: &'a Scope,
    /// Whether the current block uses a value that already failed (and so is left out).
    tainted: bool,
}

impl Converter<'_> {
    fn span(&self, bytes: Option<Range<usize>>) -> Span {
        Span::new(self.file, bytes.unwrap_or(0..0))
    }

    fn header_span(&self, block: &Block) -> Span {
        let start = block.ident.span().map_or(0, |span| span.start);
        let end = block
            .labels
            .last()
            .and_then(hcl::edit::Span::span)
            .or_else(|| block.ident.span())
            .map_or(start, |span| span.end);
        Span::new(self.file, start..end)
    }

    fn top_level(&mut self, block: &Block) -> Option<HclBlock> {
        let ident = block.ident.as_str();
        let header = self.header_span(block);
        let Some(&(_, kind)) = TOP_LEVEL.iter().find(|(name, _)| *name == ident) else {
            let names: Vec<String> = TOP_LEVEL
                .iter()
                .map(|(name, _)| (*name).to_owned())
                .collect();
            let help = match ident {
                "output" => "`output` blocks are not supported: mcctl has no outputs".to_owned(),
                _ => crate::config::source::closest(ident, &names).map_or_else(
                    || format!("use one of `{}`", names.join("`, `")),
                    |best| format!("did you mean `{best}`?"),
                ),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::unknown_block",
                    format!("unknown block `{ident}`"),
                )
                .with_label(header, "not a block mcctl knows")
                .with_help(help),
            );
            return None;
        };
        let want_labels = usize::from(kind != BlockKind::Settings);
        if block.labels.len() != want_labels {
            let help = if want_labels == 0 {
                format!("write `{ident} {{ … }}` without a label")
            } else {
                format!("write `{ident} \"<name>\" {{ … }}` with exactly one name")
            };
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::block_labels",
                    format!(
                        "`{ident}` takes {want_labels} label(s), found {}",
                        block.labels.len()
                    ),
                )
                .with_label(header, "here")
                .with_help(help),
            );
            return None;
        }
        let name = block.labels.first().map(|label| label.as_str().to_owned());
        let errors_before = self.diagnostics.error_count();
        self.tainted = false;
        let root = block.span().unwrap_or(0..0);
        let mut spans = SpanIndex::new(self.file, root);
        let mut depends_on = Vec::new();

        let value = if let Some(karmada_kind) = kind.karmada_kind() {
            let mut metadata = Map::new();
            metadata.insert(
                "name".into(),
                Value::String(name.clone().unwrap_or_default()),
            );
            let mut spec_body = Vec::new();
            for structure in &block.body {
                match structure.as_attribute() {
                    Some(attribute)
                        if attribute.key.as_str() == "namespace" && kind.namespaced() =>
                    {
                        let value = self.evaluate(attribute, "/metadata/namespace", &mut spans);
                        metadata.insert("namespace".into(), value);
                    }
                    _ => spec_body.push(structure),
                }
            }
            spans.insert_value("/metadata/name".into(), header.bytes.clone());
            let spec = self.body(spec_body.into_iter(), "/spec", &mut spans, Context::Spec);
            let mut object = Map::new();
            object.insert(
                "apiVersion".into(),
                Value::String(crate::config::karmada::POLICY_API_VERSION.into()),
            );
            object.insert("kind".into(), Value::String(karmada_kind.into()));
            object.insert("metadata".into(), Value::Object(metadata));
            object.insert("spec".into(), Value::Object(spec));
            Value::Object(object)
        } else {
            let mut structures = Vec::new();
            for structure in &block.body {
                match structure.as_attribute() {
                    Some(attribute)
                        if kind == BlockKind::Template
                            && attribute.key.as_str() == "depends_on" =>
                    {
                        depends_on = self.references(&attribute.value);
                    }
                    _ => structures.push(structure),
                }
            }
            Value::Object(self.body(structures.into_iter(), "", &mut spans, Context::Plain))
        };
        (self.diagnostics.error_count() == errors_before && !self.tainted).then_some(HclBlock {
            kind,
            name,
            document: Document {
                value,
                spans,
                dialect: Dialect::Hcl,
            },
            span: header,
            depends_on,
        })
    }

    fn body<'b>(
        &mut self,
        structures: impl Iterator<Item = &'b hcl::edit::structure::Structure>,
        pointer: &str,
        spans: &mut SpanIndex,
        context: Context,
    ) -> Map<String, Value> {
        let mut map = Map::new();
        let mut single_blocks: Vec<(String, Span)> = Vec::new();
        for structure in structures {
            if let Some(attribute) = structure.as_attribute() {
                let key = camel_case(attribute.key.as_str());
                let child = format!("{pointer}/{}", pointer_segment(&key));
                if let Some(key_span) = attribute.key.span() {
                    spans.insert_key(child.clone(), key_span);
                }
                let value = self.evaluate(attribute, &child, spans);
                map.insert(key, value);
                continue;
            }
            let Some(block) = structure.as_block() else {
                continue;
            };
            let ident = block.ident.as_str();
            let header = self.header_span(block);
            if !block.labels.is_empty() {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::block_labels",
                        format!("`{ident}` takes no labels"),
                    )
                    .with_label(header.clone(), "here")
                    .with_help(format!("write `{ident} {{ … }}`")),
                );
                continue;
            }
            // In an `override_rule`, or the deprecated single-rule form directly in the spec.
            let in_overriders = matches!(context, Context::Rule | Context::Spec)
                && OVERRIDER_BLOCKS.contains(&ident);
            let base = if in_overriders {
                format!("{pointer}/overriders")
            } else {
                pointer.to_owned()
            };
            let child_context = if ident == "override_rule"
                || (context == Context::Spec && OVERRIDER_BLOCKS.contains(&ident))
            {
                Context::Rule
            } else {
                Context::Plain
            };
            if let Some(&(_, list)) = LIST_BLOCKS
                .iter()
                .find(|(block_name, _)| *block_name == ident)
            {
                let container = if in_overriders {
                    map.entry("overriders")
                        .or_insert_with(|| Value::Object(Map::new()))
                        .as_object_mut()
                        .map(|overriders| {
                            overriders
                                .entry(list)
                                .or_insert_with(|| Value::Array(Vec::new()))
                        })
                } else {
                    Some(map.entry(list).or_insert_with(|| Value::Array(Vec::new())))
                };
                let Some(Value::Array(items)) = container else {
                    self.duplicate(&header, ident);
                    continue;
                };
                let index = items.len();
                let child = format!("{base}/{list}/{index}");
                spans.insert_key(child.clone(), header.bytes.clone());
                spans.insert_value(child.clone(), block.span().unwrap_or(0..0));
                let value = self.body(block.body.iter(), &child, spans, child_context);
                // Re-borrow: `body` needed `self` mutably while the list was borrowed.
                let items = if in_overriders {
                    map.get_mut("overriders")
                        .and_then(|overriders| overriders.get_mut(list))
                } else {
                    map.get_mut(list)
                };
                if let Some(Value::Array(items)) = items {
                    items.push(Value::Object(value));
                }
            } else {
                let key = camel_case(ident);
                if let Some((_, first)) = single_blocks.iter().find(|(name, _)| *name == key) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::config::duplicate_block",
                            format!("`{ident}` is declared twice"),
                        )
                        .with_label(header.clone(), "declared again here")
                        .with_label(first.clone(), "first declared here")
                        .with_help(format!("merge the two `{ident}` blocks into one")),
                    );
                    continue;
                }
                single_blocks.push((key.clone(), header.clone()));
                let child = format!("{base}/{}", pointer_segment(&key));
                spans.insert_key(child.clone(), header.bytes.clone());
                spans.insert_value(child.clone(), block.span().unwrap_or(0..0));
                let value = self.body(block.body.iter(), &child, spans, child_context);
                map.insert(key, Value::Object(value));
            }
        }
        map
    }

    fn duplicate(&mut self, header: &Span, ident: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                "mcctl::config::duplicate_block",
                format!("`{ident}` conflicts with an attribute of the same name"),
            )
            .with_label(header.clone(), "here")
            .with_help("use either the attribute or the blocks"),
        );
    }

    fn evaluate(&mut self, attribute: &Attribute, pointer: &str, spans: &mut SpanIndex) -> Value {
        let value_span = attribute.value.span().unwrap_or(0..0);
        spans.insert_value(pointer.to_owned(), value_span.clone());
        // A list written out keeps each item's span, so an error about one item points at it.
        if let Expression::Array(array) = &attribute.value {
            for (index, item) in array.iter().enumerate() {
                if let Some(item_span) = item.span() {
                    spans.insert_value(format!("{pointer}/{index}"), item_span);
                }
            }
        }
        let expression: hcl::Expression = attribute.value.clone().into();
        match self.scope.evaluate(&expression) {
            Ok(value) => match serde_json::to_value(&value) {
                Ok(json) => json,
                Err(error) => {
                    self.diagnostics.push(
                        Diagnostic::error("mcctl::config::hcl_value", error.to_string())
                            .with_label(Span::new(self.file, value_span), "this value")
                            .with_help("use a value that JSON can represent"),
                    );
                    Value::Null
                }
            },
            // It uses a variable or local that already failed: that error says it all.
            Err(None) => {
                self.tainted = true;
                Value::Null
            }
            Err(Some(failure)) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::hcl_eval",
                        format!(
                            "cannot evaluate `{}`: {}",
                            attribute.key.as_str(),
                            failure.message
                        ),
                    )
                    .with_label(Span::new(self.file, value_span), "this expression")
                    .with_help(failure.help),
                );
                Value::Null
            }
        }
    }

    fn references(&mut self, expression: &Expression) -> Vec<(Reference, Span)> {
        let Expression::Array(array) = expression else {
            let span = self.span(expression.span());
            self.diagnostics.push(
                Diagnostic::error("mcctl::config::depends_on", "`depends_on` must be a list")
                    .with_label(span, "not a list")
                    .with_help("write `depends_on = [template.<name>, \"<object address>\"]`"),
            );
            return Vec::new();
        };
        let mut references = Vec::new();
        for element in array {
            let span = self.span(element.span());
            match element {
                Expression::String(text) => {
                    references.push((Reference::Object(text.as_str().to_owned()), span));
                }
                Expression::Traversal(traversal) => {
                    let is_template = matches!(&traversal.expr, Expression::Variable(variable) if variable.as_str() == "template");
                    match (is_template, traversal.operators.as_slice()) {
                        (true, [operator]) => {
                            if let TraversalOperator::GetAttr(name) = operator.value() {
                                references
                                    .push((Reference::Template(name.as_str().to_owned()), span));
                                continue;
                            }
                            self.bad_reference(span);
                        }
                        _ => self.bad_reference(span),
                    }
                }
                _ => self.bad_reference(span),
            }
        }
        references
    }

    fn bad_reference(&mut self, span: Span) {
        self.diagnostics.push(
            Diagnostic::error(
                "mcctl::config::depends_on",
                "a `depends_on` entry must be `template.<name>` or an object address string",
            )
            .with_label(span, "not a reference")
            .with_help("e.g. `depends_on = [template.config, \"core/ConfigMap/default/web\"]`"),
        );
    }
}

/// Where a body sits, which decides where overrider blocks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A policy's spec (the deprecated single-rule override form lives here).
    Spec,
    /// An `override_rule`.
    Rule,
    /// Anything else.
    Plain,
}

/// `propagate_deps` → `propagateDeps`.
#[must_use]
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;

    fn parse_text(text: &str) -> (Vec<HclBlock>, Diagnostics) {
        let mut sources = Sources::default();
        let id = sources.add("main.hcl".into(), text.to_owned());
        let mut diagnostics = Diagnostics::new();
        let Some(body) = parse_body(id, sources.get(id), &mut diagnostics) else {
            return (Vec::new(), diagnostics);
        };
        let scope = Scope::new(
            ::hcl::Map::new(),
            ::hcl::Map::new(),
            std::collections::BTreeSet::new(),
        );
        let blocks = convert(id, &body, &scope, &mut diagnostics);
        (blocks, diagnostics)
    }

    #[test]
    fn policies_become_karmada_objects() {
        let (blocks, diagnostics) = parse_text(
            r#"
propagation_policy "web" {
  namespace      = "shop"
  propagate_deps = true

  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
  }
  resource_selector {
    api_version = "v1"
    kind        = "Service"
  }

  placement {
    cluster_affinity {
      cluster_names = ["a", "b"]
    }
  }
}
"#,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            blocks[0].document.value,
            serde_json::json!({
                "apiVersion": "policy.karmada.io/v1alpha1",
                "kind": "PropagationPolicy",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {
                    "propagateDeps": true,
                    "resourceSelectors": [
                        {"apiVersion": "apps/v1", "kind": "Deployment"},
                        {"apiVersion": "v1", "kind": "Service"}
                    ],
                    "placement": {"clusterAffinity": {"clusterNames": ["a", "b"]}}
                }
            })
        );
    }

    #[test]
    fn overriders_move_under_overriders() {
        let (blocks, diagnostics) = parse_text(
            r#"
override_policy "registry" {
  override_rule {
    image_overrider {
      component = "Registry"
      operator  = "replace"
      value     = "eu.example"
    }
    plaintext {
      path     = "/spec/replicas"
      operator = "replace"
      value    = 3
    }
  }
}
"#,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let rule = &blocks[0].document.value["spec"]["overrideRules"][0];
        assert_eq!(
            rule["overriders"]["imageOverrider"][0]["value"],
            "eu.example"
        );
        assert_eq!(rule["overriders"]["plaintext"][0]["value"], 3);
    }

    #[test]
    fn template_depends_on_is_read_as_references() {
        let (blocks, diagnostics) = parse_text(
            r#"
template "web" {
  manifest   = { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "web" } }
  depends_on = [template.config, "core/Secret/default/token"]
}
"#,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let references: Vec<_> = blocks[0]
            .depends_on
            .iter()
            .map(|(reference, _)| reference.clone())
            .collect();
        assert_eq!(
            references,
            [
                Reference::Template("config".into()),
                Reference::Object("core/Secret/default/token".into())
            ]
        );
        assert_eq!(blocks[0].document.value["manifest"]["kind"], "ConfigMap");
    }

    #[test]
    fn unknown_and_duplicate_blocks_are_reported_together() {
        let (blocks, diagnostics) = parse_text(
            r#"
clustr "a" {}
propagation_policy "p" {
  placement {}
  placement {}
}
"#,
        );
        assert!(blocks.is_empty());
        let messages: Vec<_> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["unknown block `clustr`", "`placement` is declared twice"]
        );
        assert_eq!(
            diagnostics.iter().next().unwrap().help.as_deref(),
            Some("did you mean `cluster`?")
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let (_, diagnostics) = parse_text("cluster \"a\" {\n  region = \n}\n");
        let error = diagnostics.iter().next().unwrap();
        assert!(
            error.message.starts_with("invalid HCL"),
            "{}",
            error.message
        );
    }
}
