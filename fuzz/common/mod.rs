//! The loading path every target drives: load → model → graph → rendered diagnostics.

#![allow(dead_code, reason = "each target uses part of this module")]

use std::path::{Path, PathBuf};

use mcctl::config::variables::VariableInputs;
use mcctl::diag::Diagnostics;

/// A workspace directory that does not exist, so nothing on disk is ever read.
const ROOT: &str = "/nonexistent/mcctl-fuzz-workspace";

/// Loads `text` as the one top-level file `name` of a workspace with the given variable values,
/// runs every stage that checks it, then renders the diagnostics. Errors are expected; panics
/// and hangs are bugs.
pub(crate) fn load_with(name: &str, text: String, inputs: &VariableInputs) {
    let mut diagnostics = Diagnostics::new();
    let config = mcctl::config::load_texts(
        Path::new(ROOT),
        vec![(PathBuf::from(name), text)],
        inputs,
        &mut diagnostics,
    );
    let model = mcctl::model::build(&config, &mut diagnostics);
    let _graph = mcctl::graph::build(&model, &config.sources, &mut diagnostics);
    let _text = mcctl::cli::output::diagnostics::render(&diagnostics, &config.sources, false);
}

/// [`load_with`] for any bytes (made UTF-8 lossily) and no variable values.
pub(crate) fn load(name: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    load_with(name, text, &VariableInputs::default());
}

/// A `--var` value: the first line of `data` is the variable's type (`list(number)`, …), the
/// rest is the value as given on the command line. The value is parsed against the type on its
/// own, then given as `--var v=<value>` to a workspace that declares `v` with that type and
/// uses it in a template.
pub(crate) fn variable_value(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (type_text, value) = text.split_once('\n').unwrap_or((&text, ""));
    let ty = hcl::edit::parser::parse_expr(type_text)
        .ok()
        .and_then(|expression| mcctl::config::variables::parse_type(&expression).ok());
    if let Ok(parsed) = mcctl::config::variables::parse_value(
        value,
        ty.as_ref()
            .unwrap_or(&mcctl::config::variables::VarType::Any),
    ) {
        let _text = parsed.to_string();
    }
    let Some(ty) = ty else {
        return;
    };
    let workspace = format!(
        r#"variable "v" {{
  type = {ty}
}}

template "t" {{
  manifest = {{
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = {{ name = "values" }}
    data       = {{ json = jsonencode(var.v), yaml = yamlencode(var.v) }}
  }}
}}
"#
    );
    let inputs = VariableInputs {
        command_line: vec![("v".to_owned(), value.to_owned())],
        ..VariableInputs::default()
    };
    load_with("main.hcl", workspace, &inputs);
}
