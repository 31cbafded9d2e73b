//! Inputs that once made a loader panic or hang (`testdata/fuzz/<target>/`, one folder per fuzz
//! target under `fuzz/`). Each goes through the target's path again: errors are fine, a panic or
//! a hang fails the test.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use mcctl::diag::Diagnostics;

use crate::support::repo;

/// Longer than any input should take, even in a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The main thread's stack, where the CLI loads a workspace.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// The same stages as `fuzz/common/mod.rs`: one top-level file in a workspace that does not
/// exist, loaded, modelled and graphed, and the diagnostics rendered.
fn load_one(name: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let root = Path::new("/nonexistent/mcctl-fuzz-workspace");
    let mut diagnostics = Diagnostics::new();
    let config =
        mcctl::config::load_texts(root, vec![(PathBuf::from(name), text)], &mut diagnostics);
    let model = mcctl::model::build(&config, &mut diagnostics);
    let _graph = mcctl::graph::build(&model, &mut diagnostics);
    let _text = mcctl::cli::output::diagnostics::render(&diagnostics, &config.sources, false);
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("testdata/fuzz").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    paths
}

/// Runs `check` on every input of `target` in its own thread; fails naming each input that
/// panicked or ran past the time limit.
fn check_all(target: &str, check: fn(&[u8])) {
    let mut failures = Vec::new();
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let (done, finished) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || {
                check(&data);
                let _ = done.send(());
            })
            .unwrap();
        match finished.recv_timeout(TIME_LIMIT) {
            Ok(()) => thread.join().unwrap(),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                failures.push(format!("{}: panicked", path.display()));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                failures.push(format!(
                    "{}: still running after {TIME_LIMIT:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn yaml_documents_load_without_panicking() {
    check_all("yaml_documents", |data| load_one("fuzz.yaml", data));
}

#[test]
fn hcl_files_load_without_panicking() {
    check_all("hcl_files", |data| load_one("fuzz.hcl", data));
}
