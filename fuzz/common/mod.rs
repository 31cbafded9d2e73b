//! The loading path every target drives: load → model → graph → rendered diagnostics.

use std::path::{Path, PathBuf};

use mcctl::diag::Diagnostics;

/// A workspace directory that does not exist, so nothing on disk is ever read.
const ROOT: &str = "/nonexistent/mcctl-fuzz-workspace";

/// Loads `text` as the one top-level file `name` of a workspace and runs every stage that
/// checks it, then renders the diagnostics. Errors are expected; panics and hangs are bugs.
pub fn load(name: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut diagnostics = Diagnostics::new();
    let config = mcctl::config::load_texts(
        Path::new(ROOT),
        vec![(PathBuf::from(name), text)],
        &mut diagnostics,
    );
    let model = mcctl::model::build(&config, &mut diagnostics);
    let _graph = mcctl::graph::build(&model, &mut diagnostics);
    let _text = mcctl::cli::output::diagnostics::render(&diagnostics, &config.sources, false);
}
