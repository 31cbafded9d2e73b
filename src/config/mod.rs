//! Stage 1, load: the workspace's files → [`Config`], the declarations as written.
//!
//! Reads the top-level `*.hcl`, `*.yaml` and `*.yml` files and the files `template` blocks name,
//! recognises Karmada's kinds and mcctl's own, and keeps every other YAML document as a resource
//! template. Nothing is defaulted or cross-checked here (that is `model`); every syntax and field
//! error of every file is collected before returning.

pub mod format;
pub mod functions;
pub mod guard;
pub mod hcl;
pub mod karmada;
pub mod source;
pub mod variables;
pub mod workspace;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use self::hcl::{BlockKind, HclBlock, Local, Reference, VariableBlock};
use self::source::{Dialect, Document, SpanIndex};
use self::variables::VariableInputs;
use crate::diag::{Diagnostic, Diagnostics, FileId, Sources, Span};

/// A declaration decoded from one document, with the spans of its parts.
#[derive(Debug, Clone)]
pub struct Declared<T> {
    /// The decoded value.
    pub value: T,
    /// Where its parts are.
    pub spans: SpanIndex,
    /// The language it was written in.
    pub dialect: Dialect,
}

/// Workspace settings and the name they give the workspace.
#[derive(Debug, Clone)]
pub struct SettingsDecl {
    /// The settings.
    pub settings: workspace::Settings,
    /// The workspace name, if the declaration gives one.
    pub name: Option<String>,
    /// Where the name is written.
    pub name_span: Span,
    /// Where the settings' parts are (pointers relative to the settings, as in HCL).
    pub spans: SpanIndex,
}

/// How a cluster was declared.
#[derive(Debug, Clone)]
pub enum ClusterSource {
    /// A Karmada `Cluster` YAML object.
    Karmada(Box<karmada::Cluster>),
    /// An HCL `cluster` block.
    Hcl(Box<workspace::HclCluster>),
}

/// A declared member cluster.
#[derive(Debug, Clone)]
pub struct ClusterDecl {
    /// Its name.
    pub name: String,
    /// The declaration.
    pub source: ClusterSource,
    /// Where its parts are.
    pub spans: SpanIndex,
}

/// The HCL `template` block a template came from.
#[derive(Debug, Clone)]
pub struct TemplateBlock {
    /// Block label.
    pub name: String,
    /// Where the block header is.
    pub span: Span,
    /// `depends_on` references.
    pub depends_on: Vec<(Reference, Span)>,
    /// `prune`.
    pub prune: Option<bool>,
    /// `ignore_fields`: JSON pointers mcctl leaves out of what it applies, each with its span.
    pub ignore_fields: Vec<(String, Span)>,
}

/// A resource template: a Kubernetes object as written.
#[derive(Debug, Clone)]
pub struct TemplateDecl {
    /// The manifest.
    pub manifest: Value,
    /// Where its parts are.
    pub spans: SpanIndex,
    /// The HCL block that declared or sourced it.
    pub block: Option<TemplateBlock>,
}

/// Everything the workspace declares, as written.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The workspace directory.
    pub root: PathBuf,
    /// Every file read, for error reports and input digests.
    pub sources: Sources,
    /// `settings` blocks and `Workspace` documents (more than one is an error in `model`).
    pub settings: Vec<SettingsDecl>,
    /// Member clusters.
    pub clusters: Vec<ClusterDecl>,
    /// Resource templates.
    pub templates: Vec<TemplateDecl>,
    /// `PropagationPolicies` and `ClusterPropagationPolicies`.
    pub propagation_policies: Vec<Declared<karmada::PropagationPolicy>>,
    /// `OverridePolicies` and `ClusterOverridePolicies`.
    pub override_policies: Vec<Declared<karmada::OverridePolicy>>,
    /// The resolved value of every HCL variable (an input of saved plans).
    pub variables: BTreeMap<String, serde_json::Value>,
}

/// Reads the workspace at `root`, with variable values from `inputs`. Problems go to
/// `diagnostics`; what could be read is returned.
pub fn load(root: &Path, inputs: &VariableInputs, diagnostics: &mut Diagnostics) -> Config {
    let files = match top_level_files(root) {
        Ok(files) => files,
        Err(error) => {
            diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::read_workspace",
                    format!("cannot read the workspace `{}`: {error}", root.display()),
                )
                .with_help("pass an existing workspace directory with `-C DIR`"),
            );
            return Config {
                root: root.to_path_buf(),
                ..Config::default()
            };
        }
    };
    if files.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "mcctl::config::empty_workspace",
                format!(
                    "no `*.hcl`, `*.yaml` or `*.yml` files in `{}`",
                    root.display()
                ),
            )
            .with_help("run mcctl in a workspace directory, or pass one with `-C DIR`"),
        );
        return Config {
            root: root.to_path_buf(),
            ..Config::default()
        };
    }
    let mut texts = Vec::with_capacity(files.len());
    for relative in files {
        match std::fs::read_to_string(root.join(&relative)) {
            Ok(text) => texts.push((relative, text)),
            Err(error) => diagnostics.push(read_error(&relative, &error)),
        }
    }
    load_texts(root, texts, inputs, diagnostics)
}

/// Loads top-level files already in memory, as `(path relative to root, text)`. `template`
/// sources are still read from disk under `root`.
pub fn load_texts(
    root: &Path,
    files: Vec<(PathBuf, String)>,
    inputs: &VariableInputs,
    diagnostics: &mut Diagnostics,
) -> Config {
    let mut config = Config {
        root: root.to_path_buf(),
        ..Config::default()
    };
    let mut template_blocks = Vec::new();
    // Forget what an earlier load on this thread read.
    drop(functions::take_read_files());
    functions::with_base_dir(root, || {
        let mut bodies = Vec::new();
        let mut entries = Vec::new();
        for (relative, text) in files {
            if config.sources.find(&relative).is_some() {
                continue;
            }
            let hcl_file = is_hcl(&relative);
            entries.push((config.sources.add(relative, text), hcl_file));
        }
        // YAML files are parsed side by side (a fleet's manifests are megabytes), then taken in
        // file order, so diagnostics and declarations keep the order of the files.
        let sources = &config.sources;
        let mut parsed: Vec<Option<Result<Vec<Document>, Box<Diagnostic>>>> = entries
            .par_iter()
            .map(|(file_id, hcl_file)| {
                (!hcl_file).then(|| yaml::parse(*file_id, sources.get(*file_id)))
            })
            .collect();
        for ((file_id, hcl_file), parsed) in entries.into_iter().zip(parsed.iter_mut()) {
            if hcl_file {
                if let Some(body) =
                    hcl::parse_body(file_id, config.sources.get(file_id), diagnostics)
                {
                    bodies.push((file_id, body));
                }
            } else if let Some(parsed) = parsed.take() {
                add_yaml_documents(&mut config, parsed, None, diagnostics);
            }
        }
        // Variables and locals first: every other block may refer to them.
        let mut variables = Vec::new();
        let mut locals = Vec::new();
        for (file_id, body) in &bodies {
            let (file_variables, file_locals) = hcl::definitions(*file_id, body, diagnostics);
            variables.extend(file_variables);
            locals.extend(file_locals);
        }
        let values = resolve_variables(&mut config, &variables, inputs, diagnostics);
        let mut failed: BTreeSet<String> = variables
            .iter()
            .filter(|variable| !values.contains_key(&variable.name))
            .map(|variable| format!("var.{}", variable.name))
            .collect();
        let local_values = evaluate_locals(&values, &locals, &mut failed, diagnostics);
        let scope = functions::Scope::new(values, local_values, failed);
        for (file_id, body) in &bodies {
            for block in hcl::convert(*file_id, body, &scope, diagnostics) {
                if block.kind == BlockKind::Template {
                    template_blocks.push(block);
                } else {
                    add_hcl_block(&mut config, block, diagnostics);
                }
            }
        }
    });
    let excluded = excluded_dirs(&config);
    for block in template_blocks {
        add_template_block(&mut config, &block, &excluded, diagnostics);
    }
    // Files read through `file()` are inputs as much as the config files: a saved plan must see
    // them change.
    for (path, text) in functions::take_read_files() {
        if config.sources.find(&path).is_none() {
            config.sources.add(path, text);
        }
    }
    config
}

/// Resolves every variable: its default, then `MCCTL_VAR_<name>`, then each var file, then each
/// `--var`; converts it to its type and checks its `validation` blocks.
fn resolve_variables(
    config: &mut Config,
    variables: &[VariableBlock],
    inputs: &VariableInputs,
    diagnostics: &mut Diagnostics,
) -> ::hcl::Map<String, ::hcl::Value> {
    let mut declared: BTreeMap<&str, &VariableBlock> = BTreeMap::new();
    for variable in variables {
        if let Some(first) = declared.get(variable.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::duplicate_variable",
                    format!("variable `{}` is declared twice", variable.name),
                )
                .with_label(variable.span.clone(), "declared again here")
                .with_label(first.span.clone(), "first declared here")
                .with_help("variable names are unique; rename or remove one"),
            );
            continue;
        }
        declared.insert(&variable.name, variable);
    }
    let names: Vec<String> = declared.keys().map(|name| (*name).to_owned()).collect();
    let unknown_help = |name: &str| match source::closest(name, &names) {
        Some(best) => format!("did you mean `{best}`?"),
        None if names.is_empty() => "declare it with a `variable` block".to_owned(),
        None => format!("declared variables: `{}`", names.join("`, `")),
    };
    // (value, where it came from) per variable; later sources replace earlier ones.
    let mut given: BTreeMap<String, (::hcl::Value, String, Option<Span>)> = BTreeMap::new();
    let empty = functions::context_with(::hcl::Map::new(), ::hcl::Map::new());
    for variable in declared.values() {
        if let Some((expression, span)) = &variable.default {
            match guard::evaluate(expression, &empty) {
                Ok(value) => {
                    given.insert(
                        variable.name.clone(),
                        (value, "its default".to_owned(), Some(span.clone())),
                    );
                }
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_default",
                        format!(
                            "cannot evaluate the default of `{}`: {error}",
                            variable.name
                        ),
                    )
                    .with_label(span.clone(), "this default")
                    .with_help(
                        "a default is a value; it cannot refer to other variables or locals",
                    ),
                ),
            }
        }
    }
    for (name, text) in &inputs.environment {
        match declared.get(name.as_str()) {
            Some(variable) => match variables::parse_value(text, &variable.ty) {
                Ok(value) => {
                    given.insert(name.clone(), (value, format!("`MCCTL_VAR_{name}`"), None));
                }
                Err(message) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_value",
                        format!("`MCCTL_VAR_{name}`: {message}"),
                    )
                    .with_label(
                        variable.span.clone(),
                        format!("declared as {}", variable.ty),
                    )
                    .with_help("fix the environment variable's value"),
                ),
            },
            None => diagnostics.push(
                Diagnostic::warning(
                    "mcctl::config::unknown_variable",
                    format!("`MCCTL_VAR_{name}` sets variable `{name}`, which is not declared"),
                )
                .with_help(unknown_help(name)),
            ),
        }
    }
    for path in &inputs.files {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::var_file",
                        format!("cannot read var file `{}`: {error}", path.display()),
                    )
                    .with_help("pass an existing file to `--var-file`"),
                );
                continue;
            }
        };
        let file_id = config.sources.add(path.clone(), text);
        let Some(body) = hcl::parse_body(file_id, config.sources.get(file_id), diagnostics) else {
            continue;
        };
        for structure in &body {
            let Some(attribute) = structure.as_attribute() else {
                diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::var_file",
                        "a var file holds `name = value` lines only",
                    )
                    .with_label(
                        Span::new(file_id, ::hcl::edit::Span::span(structure).unwrap_or(0..0)),
                        "a block",
                    )
                    .with_help("write one `name = value` per variable"),
                );
                continue;
            };
            let name = attribute.key.as_str();
            let span = Span::new(
                file_id,
                ::hcl::edit::Span::span(&attribute.value).unwrap_or(0..0),
            );
            if !declared.contains_key(name) {
                diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::unknown_variable",
                        format!("variable `{name}` is not declared"),
                    )
                    .with_label(
                        Span::new(
                            file_id,
                            ::hcl::edit::Span::span(&attribute.key).unwrap_or(0..0),
                        ),
                        "unknown variable",
                    )
                    .with_help(unknown_help(name)),
                );
                continue;
            }
            let expression: ::hcl::Expression = attribute.value.clone().into();
            match guard::evaluate(&expression, &empty) {
                Ok(value) => {
                    given.insert(
                        name.to_owned(),
                        (value, format!("`{}`", path.display()), Some(span)),
                    );
                }
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_value",
                        format!("cannot evaluate `{name}`: {error}"),
                    )
                    .with_label(span, "this value")
                    .with_help("a var file holds values; they cannot refer to variables or locals"),
                ),
            }
        }
    }
    for (name, text) in &inputs.command_line {
        match declared.get(name.as_str()) {
            Some(variable) => match variables::parse_value(text, &variable.ty) {
                Ok(value) => {
                    given.insert(name.clone(), (value, format!("`--var {name}=…`"), None));
                }
                Err(message) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_value",
                        format!("`--var {name}`: {message}"),
                    )
                    .with_label(
                        variable.span.clone(),
                        format!("declared as {}", variable.ty),
                    )
                    .with_help("fix the value given on the command line"),
                ),
            },
            None => diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::unknown_variable",
                    format!("`--var {name}=…` sets variable `{name}`, which is not declared"),
                )
                .with_help(unknown_help(name)),
            ),
        }
    }
    let mut values = ::hcl::Map::new();
    for variable in declared.values() {
        let Some((value, origin, span)) = given.remove(&variable.name) else {
            diagnostics.push(
                Diagnostic::error("mcctl::config::variable_missing", format!("variable `{}` has no value", variable.name))
                    .with_label(variable.span.clone(), "declared here without a default")
                    .with_help(format!("pass `--var {0}=…`, set `MCCTL_VAR_{0}`, use a `--var-file`, or give it a `default`", variable.name)),
            );
            continue;
        };
        let value = match variables::convert(&value, &variable.ty) {
            Ok(value) => value,
            Err(message) => {
                diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_type",
                        format!("variable `{}` from {origin}: {message}", variable.name),
                    )
                    .with_optional_label(span.as_ref(), "this value")
                    .with_label(
                        variable.span.clone(),
                        format!("declared as {}", variable.ty),
                    )
                    .with_help(format!("give a value of type {}", variable.ty)),
                );
                continue;
            }
        };
        let mut only_this = ::hcl::Map::new();
        only_this.insert(variable.name.clone(), value.clone());
        let context = functions::context_with(only_this, ::hcl::Map::new());
        for validation in &variable.validations {
            match guard::evaluate(&validation.condition, &context) {
                Ok(::hcl::Value::Bool(true)) => {}
                Ok(::hcl::Value::Bool(false)) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_invalid",
                        format!("variable `{}`: {}", variable.name, validation.message),
                    )
                    .with_label(validation.span.clone(), "this validation failed")
                    .with_optional_label(span.as_ref(), format!("the value from {origin}"))
                    .with_help("change the value so that the condition holds"),
                ),
                Ok(other) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_validation",
                        format!(
                            "the condition of `{}` gives {other}, not a bool",
                            variable.name
                        ),
                    )
                    .with_label(validation.span.clone(), "this validation")
                    .with_help("write a condition that is `true` or `false`"),
                ),
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::variable_validation",
                        format!(
                            "cannot evaluate the condition of `{}`: {error}",
                            variable.name
                        ),
                    )
                    .with_label(validation.span.clone(), "this validation")
                    .with_help(format!(
                        "a condition may refer to `var.{}` only",
                        variable.name
                    )),
                ),
            }
        }
        config.variables.insert(
            variable.name.clone(),
            serde_json::to_value(&value).unwrap_or_default(),
        );
        values.insert(variable.name.clone(), value);
    }
    values
}

/// The names of the locals an expression names as `local.<name>`.
fn local_names(expression: &::hcl::Expression) -> BTreeSet<String> {
    names_after(&expression.to_string(), "local")
}

/// The names written as `<root>.<name>` in `text`.
fn names_after(text: &str, root: &str) -> BTreeSet<String> {
    let prefix = format!("{root}.");
    text.match_indices(&prefix)
        .map(|(index, _)| {
            text[index + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect::<String>()
        })
        .collect()
}

/// The entries of `map` that `text` names as `<root>.<name>`; all of them when it may use
/// `<root>` some other way (`local["name"]`, `jsonencode(var)`).
fn named_values(
    map: &::hcl::Map<String, ::hcl::Value>,
    text: &str,
    root: &str,
) -> ::hcl::Map<String, ::hcl::Value> {
    let only_dotted = text.matches(root).count() == text.matches(&format!("{root}.")).count();
    if !only_dotted {
        return map.clone();
    }
    let names = names_after(text, root);
    map.iter()
        .filter(|(name, _)| names.contains(name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// `locals` with each one after the locals it names, or as they are when they name each other
/// in a cycle.
fn dependency_order(locals: Vec<&Local>) -> Vec<&Local> {
    let mut graph = petgraph::graph::DiGraph::<&Local, ()>::new();
    let nodes: BTreeMap<&str, _> = locals
        .iter()
        .map(|local| (local.name.as_str(), graph.add_node(*local)))
        .collect();
    for local in &locals {
        for name in local_names(&local.expression) {
            if let (Some(&from), Some(&to)) =
                (nodes.get(name.as_str()), nodes.get(local.name.as_str()))
            {
                graph.add_edge(from, to, ());
            }
        }
    }
    match petgraph::algo::toposort(&graph, None) {
        Ok(order) => order.into_iter().map(|node| graph[node]).collect(),
        Err(_) => locals,
    }
}

/// Evaluates `locals` in the order their references allow; a local that never becomes
/// evaluable (a cycle, or a reference to nothing) is reported with the reason and added to
/// `failed`, as are locals that only failed because a value they use failed.
fn evaluate_locals(
    variables: &::hcl::Map<String, ::hcl::Value>,
    locals: &[Local],
    failed: &mut BTreeSet<String>,
    diagnostics: &mut Diagnostics,
) -> ::hcl::Map<String, ::hcl::Value> {
    let mut values = ::hcl::Map::new();
    let mut seen: BTreeMap<&str, &Local> = BTreeMap::new();
    let mut pending: Vec<&Local> = Vec::new();
    for local in locals {
        if let Some(first) = seen.get(local.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::duplicate_local",
                    format!("local `{}` is declared twice", local.name),
                )
                .with_label(local.span.clone(), "declared again here")
                .with_label(first.span.clone(), "first declared here")
                .with_help("local names are unique across the workspace"),
            );
            continue;
        }
        seen.insert(&local.name, local);
        pending.push(local);
    }
    // Each local after the locals it names, so that one round usually settles them all: rounds
    // cost the number of pending locals each.
    let declared = pending.clone();
    let mut pending = dependency_order(pending);
    // Locals that fail for a reason of their own are not evaluated again: an expensive failure
    // would be paid once per round.
    let mut settled: BTreeMap<&str, functions::EvalFailure> = BTreeMap::new();
    loop {
        let before = pending.len();
        let mut still = Vec::new();
        for local in pending {
            if settled.contains_key(local.name.as_str()) {
                still.push(local);
                continue;
            }
            // Only the values it names: copying every value for every local is quadratic.
            let text = local.expression.to_string();
            let scope = functions::Scope::new(
                named_values(variables, &text, "var"),
                named_values(&values, &text, "local"),
                failed.clone(),
            );
            match scope.evaluate(&local.expression) {
                Ok(value) => {
                    values.insert(local.name.clone(), value);
                }
                Err(None) => {
                    failed.insert(format!("local.{}", local.name));
                }
                Err(Some(failure)) if !failure.waiting => {
                    settled.insert(&local.name, failure);
                    still.push(local);
                }
                Err(Some(_)) => still.push(local),
            }
        }
        let progress = still.len() != before;
        pending = still;
        if pending.is_empty() || !progress {
            break;
        }
    }
    // Report in the order they are written.
    let left: BTreeSet<&str> = pending.iter().map(|local| local.name.as_str()).collect();
    let pending: Vec<&Local> = declared
        .into_iter()
        .filter(|local| left.contains(local.name.as_str()))
        .collect();
    let unresolved: Vec<&str> = pending.iter().map(|local| local.name.as_str()).collect();
    for local in &pending {
        failed.insert(format!("local.{}", local.name));
    }
    // Locals that refer to each other in a cycle can never be evaluated: report each cycle.
    let refers = |local: &Local| -> BTreeSet<String> {
        local_names(&local.expression)
            .into_iter()
            .filter(|name| unresolved.contains(&name.as_str()))
            .collect()
    };
    let mut graph = petgraph::graph::DiGraph::<&Local, ()>::new();
    let nodes: BTreeMap<&str, _> = pending
        .iter()
        .map(|local| (local.name.as_str(), graph.add_node(*local)))
        .collect();
    for local in &pending {
        for target in refers(local) {
            if let (Some(&from), Some(&to)) =
                (nodes.get(local.name.as_str()), nodes.get(target.as_str()))
            {
                graph.add_edge(from, to, ());
            }
        }
    }
    let mut in_cycle = BTreeSet::new();
    for component in petgraph::algo::tarjan_scc(&graph) {
        let cyclic = component.len() > 1 || graph.contains_edge(component[0], component[0]);
        if !cyclic {
            continue;
        }
        let mut names: Vec<&str> = component
            .iter()
            .map(|node| graph[*node].name.as_str())
            .collect();
        names.sort_unstable();
        let mut diagnostic = Diagnostic::error(
            "mcctl::config::local_cycle",
            format!(
                "locals refer to each other in a cycle: `{}`",
                names.join("`, `")
            ),
        )
        .with_help("break the cycle: one of these locals must not depend on the others");
        for node in &component {
            let local = graph[*node];
            in_cycle.insert(local.name.clone());
            diagnostic =
                diagnostic.with_label(local.span.clone(), format!("`local.{}`", local.name));
        }
        diagnostics.push(diagnostic);
    }
    // The others: report those that fail on their own; those that only wait for another pending
    // local follow from it.
    let waiting: BTreeSet<String> = unresolved
        .iter()
        .map(|name| format!("local.{name}"))
        .collect();
    let scope = functions::Scope::new(variables.clone(), values.clone(), waiting);
    for local in pending
        .iter()
        .filter(|local| !in_cycle.contains(&local.name))
    {
        let failure = match settled.remove(local.name.as_str()) {
            Some(failure) => Some(failure),
            None => scope.evaluate(&local.expression).err().flatten(),
        };
        if let Some(failure) = failure {
            diagnostics.push(
                Diagnostic::error(
                    "mcctl::config::local",
                    format!(
                        "cannot evaluate local `{}`: {}",
                        local.name, failure.message
                    ),
                )
                .with_label(local.span.clone(), "this local")
                .with_help(failure.help),
            );
        }
    }
    values
}

fn read_error(relative: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        "mcctl::config::read_file",
        format!("cannot read `{}`: {error}", relative.display()),
    )
    .with_help("check that the file exists and is readable UTF-8 text")
}

fn is_hcl(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "hcl")
}

fn top_level_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let wanted = [".hcl", ".yaml", ".yml"]
            .iter()
            .any(|suffix| name.ends_with(suffix));
        if wanted && !name.starts_with('.') && path.is_file() {
            files.push(PathBuf::from(name.as_ref()));
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a file (path relative to the workspace) into the sources, once.
fn read(config: &mut Config, relative: &Path, diagnostics: &mut Diagnostics) -> Option<FileId> {
    if config.sources.find(relative).is_some() {
        return None;
    }
    match std::fs::read_to_string(config.root.join(relative)) {
        Ok(text) => Some(config.sources.add(relative.to_path_buf(), text)),
        Err(error) => {
            diagnostics.push(read_error(relative, &error));
            None
        }
    }
}

fn add_yaml_file(
    config: &mut Config,
    file_id: FileId,
    block: Option<&TemplateBlock>,
    diagnostics: &mut Diagnostics,
) {
    let file = config.sources.get(file_id).clone();
    add_yaml_documents(config, yaml::parse(file_id, &file), block, diagnostics);
}

/// Adds the documents of one parsed YAML file, or its parse error.
fn add_yaml_documents(
    config: &mut Config,
    parsed: Result<Vec<Document>, Box<Diagnostic>>,
    block: Option<&TemplateBlock>,
    diagnostics: &mut Diagnostics,
) {
    match parsed {
        Ok(documents) => {
            for document in documents {
                add_yaml_document(config, document, block, diagnostics);
            }
        }
        Err(diagnostic) => diagnostics.push(*diagnostic),
    }
}

fn add_yaml_document(
    config: &mut Config,
    document: Document,
    block: Option<&TemplateBlock>,
    diagnostics: &mut Diagnostics,
) {
    let Some(object) = document.value.as_object() else {
        diagnostics.push(
            Diagnostic::error(
                "mcctl::config::not_an_object",
                "a YAML document must be a Kubernetes object (a mapping)",
            )
            .with_label(document.spans.root(), "this document")
            .with_help("each document needs `apiVersion`, `kind` and `metadata.name`"),
        );
        return;
    };
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    match (api_version, kind) {
        (
            karmada::POLICY_API_VERSION,
            "PropagationPolicy" | "ClusterPropagationPolicy",
        ) => push_decoded(&mut config.propagation_policies, document, diagnostics),
        (karmada::POLICY_API_VERSION, "OverridePolicy" | "ClusterOverridePolicy") => {
            push_decoded(&mut config.override_policies, document, diagnostics);
        }
        (karmada::CLUSTER_API_VERSION, "Cluster") => {
            match document.decode::<karmada::Cluster>("") {
                Ok(cluster) => {
                    let name = cluster.metadata.name.clone().unwrap_or_default();
                    config.clusters.push(ClusterDecl {
                        name,
                        source: ClusterSource::Karmada(Box::new(cluster)),
                        spans: document.spans,
                    });
                }
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
        }
        (workspace::MCCTL_API_VERSION, "Workspace") => {
            match document.decode::<workspace::Workspace>("") {
                Ok(workspace) => config.settings.push(SettingsDecl {
                    settings: workspace.spec,
                    name: workspace.metadata.name,
                    name_span: document.spans.value("/metadata/name"),
                    spans: document.spans.subtree("/spec"),
                }),
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
        }
        (workspace::MCCTL_API_VERSION, _) => diagnostics.push(
            Diagnostic::error(
                "mcctl::config::unknown_kind",
                format!("unknown kind `{kind}` in `{api_version}`"),
            )
            .with_label(document.spans.value("/kind"), "here")
            .with_help(source::one_of(kind, &["Workspace"])),
        ),
        // Other Karmada objects configure the Karmada control plane (ClusterTaintPolicy,
        // FederatedHPA, ResourceInterpreterCustomization, …): they are not resources to
        // propagate, and mcctl does not act on them yet.
        (api_version, _) if crate::addr::group_of(api_version).ends_with("karmada.io") => diagnostics.push(
            Diagnostic::warning(
                "mcctl::config::karmada_kind_not_acted_on",
                format!("Karmada's `{kind}` ({api_version}) is not acted on yet"),
            )
            .with_label(document.spans.value("/kind"), "loaded, not acted on")
            .with_help("it is neither propagated nor applied; mcctl acts on PropagationPolicy, ClusterPropagationPolicy, OverridePolicy, ClusterOverridePolicy and Cluster"),
        ),
        _ => config.templates.push(TemplateDecl {
            manifest: document.value,
            spans: document.spans,
            block: block.cloned(),
        }),
    }
}

fn push_decoded<T: serde::de::DeserializeOwned>(
    list: &mut Vec<Declared<T>>,
    document: Document,
    diagnostics: &mut Diagnostics,
) {
    match document.decode::<T>("") {
        Ok(value) => list.push(Declared {
            value,
            spans: document.spans,
            dialect: document.dialect,
        }),
        Err(diagnostic) => diagnostics.push(*diagnostic),
    }
}

fn add_hcl_block(config: &mut Config, block: HclBlock, diagnostics: &mut Diagnostics) {
    let document = block.document;
    match block.kind {
        BlockKind::Settings => match document.decode::<workspace::Settings>("") {
            Ok(settings) => config.settings.push(SettingsDecl {
                name: settings.workspace.clone(),
                settings,
                name_span: document.spans.value("/workspace"),
                spans: document.spans,
            }),
            Err(diagnostic) => diagnostics.push(*diagnostic),
        },
        BlockKind::Cluster => match document.decode::<workspace::HclCluster>("") {
            Ok(cluster) => config.clusters.push(ClusterDecl {
                name: block.name.unwrap_or_default(),
                source: ClusterSource::Hcl(Box::new(cluster)),
                spans: document.spans,
            }),
            Err(diagnostic) => diagnostics.push(*diagnostic),
        },
        BlockKind::PropagationPolicy | BlockKind::ClusterPropagationPolicy => {
            push_decoded(&mut config.propagation_policies, document, diagnostics);
        }
        BlockKind::OverridePolicy | BlockKind::ClusterOverridePolicy => {
            push_decoded(&mut config.override_policies, document, diagnostics);
        }
        BlockKind::Template => unreachable_template(diagnostics, &block.span),
    }
}

fn unreachable_template(diagnostics: &mut Diagnostics, span: &Span) {
    // Template blocks are collected first and added once every cluster is known.
    diagnostics.push(
        Diagnostic::error(
            "mcctl::config::internal",
            "template block handled out of order",
        )
        .with_label(span.clone(), "here"),
    );
}

/// Directories never read as config: Pull cluster directories and the state folder.
fn excluded_dirs(config: &Config) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for cluster in &config.clusters {
        let directory = match &cluster.source {
            ClusterSource::Hcl(hcl) => hcl.directory.clone(),
            ClusterSource::Karmada(karmada) => karmada
                .metadata
                .annotations
                .get("mcctl.io/directory")
                .cloned(),
        };
        if let Some(directory) = directory {
            dirs.push(normalize(Path::new(&directory)));
        }
    }
    let state_path = config
        .settings
        .iter()
        .find_map(|decl| decl.settings.state.as_ref()?.path.clone())
        .unwrap_or_else(|| "mcctl.state".to_owned());
    dirs.push(normalize(Path::new(&state_path)));
    dirs
}

fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|component| !matches!(component, std::path::Component::CurDir))
        .collect()
}

fn add_template_block(
    config: &mut Config,
    block: &HclBlock,
    excluded: &[PathBuf],
    diagnostics: &mut Diagnostics,
) {
    let template = match block.document.decode::<workspace::HclTemplate>("") {
        Ok(template) => template,
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            return;
        }
    };
    let header = TemplateBlock {
        name: block.name.clone().unwrap_or_default(),
        span: block.span.clone(),
        depends_on: block.depends_on.clone(),
        prune: template.prune,
        ignore_fields: template
            .ignore_fields
            .iter()
            .flatten()
            .enumerate()
            .map(|(index, pointer)| {
                let span = block
                    .document
                    .spans
                    .value(&format!("/ignoreFields/{index}"));
                (pointer.clone(), span)
            })
            .collect(),
    };
    if template.source.is_none() && template.manifest.is_none() {
        diagnostics.push(
            Diagnostic::error(
                "mcctl::config::empty_template",
                format!(
                    "template `{}` has neither `source` nor `manifest`",
                    header.name
                ),
            )
            .with_label(block.span.clone(), "this template")
            .with_help("add `source = \"manifests/*.yaml\"` or `manifest = { … }`"),
        );
        return;
    }
    if let Some(manifest) = &template.manifest {
        let manifests = match manifest {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for (index, manifest) in manifests.into_iter().enumerate() {
            let pointer = if matches!(template.manifest, Some(Value::Array(_))) {
                format!("/manifest/{index}")
            } else {
                "/manifest".to_owned()
            };
            config.templates.push(TemplateDecl {
                manifest,
                spans: block.document.spans.subtree(&pointer),
                block: Some(header.clone()),
            });
        }
    }
    if let Some(source) = &template.source {
        let source_span = block.document.spans.value("/source");
        for pattern in source.to_vec() {
            let matches = match glob_files(&config.root, &pattern, excluded) {
                Ok(matches) => matches,
                Err(message) => {
                    diagnostics.push(
                        Diagnostic::error("mcctl::config::source_glob", message)
                            .with_label(source_span.clone(), "this pattern")
                            .with_help(
                                "write a glob relative to the workspace, e.g. `manifests/*.yaml`",
                            ),
                    );
                    continue;
                }
            };
            if matches.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        "mcctl::config::source_empty",
                        format!("`{pattern}` matches no file"),
                    )
                    .with_label(source_span.clone(), "this pattern")
                    .with_help("check the path; it is relative to the workspace"),
                );
            }
            for relative in matches {
                let file_id = match config.sources.find(&relative) {
                    // Already read as a top-level file: its templates now belong to the block.
                    Some(file_id) => {
                        adopt_templates(config, file_id, &header);
                        continue;
                    }
                    None => read(config, &relative, diagnostics),
                };
                if let Some(file_id) = file_id {
                    add_yaml_file(config, file_id, Some(&header), diagnostics);
                }
            }
        }
    }
}

fn adopt_templates(config: &mut Config, file_id: FileId, header: &TemplateBlock) {
    for template in &mut config.templates {
        if template.spans.root().file == file_id && template.block.is_none() {
            template.block = Some(header.clone());
        }
    }
}

fn glob_files(root: &Path, pattern: &str, excluded: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let matcher = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| format!("invalid glob `{pattern}`: {error}"))?
        .compile_matcher();
    let mut found = BTreeSet::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&relative)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = relative.join(&name);
            if excluded.iter().any(|dir| path.starts_with(dir)) {
                continue;
            }
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                pending.push(path);
            } else if matcher.is_match(&path) {
                found.insert(path);
            }
        }
    }
    Ok(found.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn yaml_documents_are_sorted_into_kinds() {
        let dir = workspace(&[(
            "all.yaml",
            "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata: {name: p}\nspec:\n  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: eu}\nspec: {syncMode: Pull}\n",
        )]);
        let mut diagnostics = Diagnostics::new();
        let config = load(dir.path(), &VariableInputs::default(), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(config.propagation_policies.len(), 1);
        assert_eq!(config.templates.len(), 1);
        assert_eq!(config.clusters[0].name, "eu");
    }

    #[test]
    fn template_sources_are_read_once_and_skip_cluster_directories() {
        let dir = workspace(&[
            (
                "main.hcl",
                "cluster \"a\" {\n  directory = \"out/a\"\n}\ntemplate \"web\" {\n  source = \"**/*.yaml\"\n}\n",
            ),
            (
                "web.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\n",
            ),
            (
                "manifests/web.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested}\n",
            ),
            (
                "out/a/default/configmap.core.x.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            ),
        ]);
        let mut diagnostics = Diagnostics::new();
        let config = load(dir.path(), &VariableInputs::default(), &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let mut names: Vec<_> = config
            .templates
            .iter()
            .map(|template| {
                template.manifest["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names, ["nested", "top"]);
        assert!(
            config
                .templates
                .iter()
                .all(|template| template.block.is_some())
        );
    }

    #[test]
    fn errors_of_every_file_are_collected() {
        let dir = workspace(&[
            ("a.yaml", "a: [\n"),
            ("b.hcl", "cluster {\n}\n"),
            (
                "c.yaml",
                "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata: {name: p}\nspec: {placment: {}}\n",
            ),
        ]);
        let mut diagnostics = Diagnostics::new();
        load(dir.path(), &VariableInputs::default(), &mut diagnostics);
        assert_eq!(diagnostics.error_count(), 3, "{diagnostics:#?}");
    }
}
