//! Inputs that once made a loader panic or hang (`testdata/fuzz/<target>/`, one folder per fuzz
//! target under `fuzz/`). Each goes through the target's path again: errors are fine, a panic or
//! a hang fails the test.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crate::support::repo;

/// The code the fuzz targets run, so that each input goes through the same path here.
#[path = "../../fuzz/common/mod.rs"]
mod fuzz_common;

/// Longer than any input should take, even in a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The main thread's stack, where the CLI loads a workspace.
const STACK_SIZE: usize = 8 * 1024 * 1024;

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
    check_all("yaml_documents", |data| {
        fuzz_common::load("fuzz.yaml", data);
    });
}

#[test]
fn hcl_files_load_without_panicking() {
    check_all("hcl_files", |data| {
        fuzz_common::load("fuzz.hcl", data);
    });
}

#[test]
fn variable_values_load_without_panicking() {
    check_all("variable_values", fuzz_common::variable_value);
}
