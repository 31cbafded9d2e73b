//! The test context: a temp copy of a fixture workspace, and the `mcctl` binary run in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A workspace copied into a temp dir.
pub(crate) struct TestContext {
    _dir: tempfile::TempDir,
    /// The workspace root inside the temp dir.
    pub(crate) root: PathBuf,
}

/// What a run printed and returned.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Outcome {
    /// Panics with the output unless the exit code is `code`.
    #[track_caller]
    pub(crate) fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// Polls (every 10 ms, up to 30 s) until `ready` holds; panics naming `what` otherwise.
#[track_caller]
pub(crate) fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// An mcctl started by [`TestContext::spawn`].
pub(crate) struct Running {
    /// The process.
    pub(crate) child: std::process::Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Running {
    /// Sends a signal (`INT`, `KILL`, …) with `kill`.
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    /// Panics with its output if it has already exited.
    #[track_caller]
    pub(crate) fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            let outcome = self.outcome(status);
            panic!(
                "mcctl ended early ({status})\n--- stdout\n{}\n--- stderr\n{}",
                outcome.stdout, outcome.stderr
            );
        }
    }

    /// Waits for it to exit.
    pub(crate) fn finish(mut self) -> Outcome {
        let status = self.child.wait().unwrap();
        self.outcome(status)
    }

    fn outcome(&self, status: std::process::ExitStatus) -> Outcome {
        Outcome {
            code: status.code().unwrap_or(-1),
            stdout: std::fs::read_to_string(&self.stdout).unwrap(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap(),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        // Never copy what a local run of the example left behind.
        if name == "out" || name == "mcctl.state" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl TestContext {
    /// A copy of `testdata/config/<case>` or of any folder given relative to the repository.
    pub(crate) fn new(case: &str) -> Self {
        let source = if case.contains('/') {
            repo().join(case)
        } else {
            repo().join("testdata/config").join(case)
        };
        assert!(source.is_dir(), "no fixture at {}", source.display());
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(source.file_name().unwrap());
        copy_dir(&source, &root);
        Self { _dir: dir, root }
    }

    /// An empty workspace with the given files.
    pub(crate) fn with_files(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("workspace");
        std::fs::create_dir_all(&root).unwrap();
        let context = Self { _dir: dir, root };
        for (path, text) in files {
            context.write(path, text);
        }
        context
    }

    /// A generated fleet: directory clusters `c0`, `c1`, … rolled out one cluster per batch,
    /// each receiving the same `objects` `ConfigMaps` (so `clusters × objects` objects in all).
    pub(crate) fn fleet(clusters: usize, objects: usize) -> Self {
        use std::fmt::Write as _;
        let order: Vec<String> = (0..clusters).map(|index| format!("\"c{index}\"")).collect();
        let mut hcl = format!(
            "settings {{\n  workspace = \"fleet\"\n\n  rollout {{\n    order = [{}]\n  }}\n}}\n",
            order.join(", ")
        );
        for index in 0..clusters {
            let group = if index % 2 == 0 { "even" } else { "odd" };
            let _ = write!(
                hcl,
                "\ncluster \"c{index}\" {{\n  directory = \"out/c{index}\"\n  labels    = {{ group = \"{group}\" }}\n}}\n"
            );
        }
        hcl.push_str("\ncluster_propagation_policy \"everywhere\" {\n  resource_selector {\n    api_version = \"v1\"\n    kind        = \"ConfigMap\"\n  }\n}\n");
        let documents: Vec<String> = (0..objects)
            .map(|index| {
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{index:04}\ndata:\n  index: \"{index}\"\n")
            })
            .collect();
        Self::with_files(&[
            ("main.hcl", &hcl),
            ("configmaps.yaml", &documents.join("---\n")),
        ])
    }

    /// How many object files the directory cluster `cluster` holds.
    pub(crate) fn objects_in(&self, cluster: &str) -> usize {
        fn count(dir: &Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|entry| {
                        let path = entry.path();
                        if path.is_dir() {
                            count(&path)
                        } else {
                            usize::from(path.extension().is_some_and(|ext| ext == "yaml"))
                        }
                    })
                    .sum()
            })
        }
        count(&self.path(&format!("out/{cluster}")))
    }

    /// A command for `mcctl -C <root> <args>`, without color.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mcctl"));
        command
            .current_dir(&self.root)
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    /// Starts `mcctl -C <root> <args>` with `env` and returns at once. Its output goes to files
    /// (named after `name`, beside the workspace): a pipe nobody reads would fill up with a
    /// large plan and stall it.
    pub(crate) fn spawn(&self, name: &str, args: &[&str], env: &[(&str, &str)]) -> Running {
        let logs = self.root.parent().unwrap();
        let stdout = logs.join(format!("{name}.stdout"));
        let stderr = logs.join(format!("{name}.stderr"));
        let mut command = self.command(args);
        command
            .envs(env.iter().copied())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        Running {
            child: command.spawn().unwrap(),
            stdout,
            stderr,
        }
    }

    /// Runs `mcctl -C <root> <args>`.
    pub(crate) fn run(&self, args: &[&str]) -> Outcome {
        self.run_with_input(args, None)
    }

    /// Runs `mcctl -C <root> <args>` with `input` on stdin.
    pub(crate) fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Outcome {
        let mut command = self.command(args);
        if input.is_some() {
            command.stdin(Stdio::piped());
        }
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(input) = input {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// A path inside the workspace.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Reads a file of the workspace.
    pub(crate) fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative))
            .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
    }

    /// Writes a file of the workspace.
    pub(crate) fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Removes a file of the workspace.
    pub(crate) fn remove(&self, relative: &str) {
        std::fs::remove_file(self.path(relative)).unwrap();
    }

    /// Filters for insta: the temp dir and anything random.
    pub(crate) fn filters(&self) -> Vec<(String, String)> {
        vec![
            (
                regex_escape(&self.root.display().to_string()),
                "[WORKSPACE]".to_owned(),
            ),
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".to_owned(),
                "[UUID]".to_owned(),
            ),
            (
                r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ".to_owned(),
                "[TIME]".to_owned(),
            ),
            (r"pid \d+".to_owned(), "pid [PID]".to_owned()),
            (
                r"`[^`@]+@[^`]+` \(pid".to_owned(),
                "`[WHO]` (pid".to_owned(),
            ),
        ]
    }
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Asserts a snapshot with the context's filters applied.
#[macro_export]
macro_rules! snapshot {
    ($context:expr, $value:expr, @$inline:literal) => {{
        let filters: Vec<(String, String)> = $context.filters();
        let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({filters => filters}, {
            insta::assert_snapshot!($value, @$inline);
        });
    }};
    ($context:expr, $name:expr, $value:expr) => {{
        let filters: Vec<(String, String)> = $context.filters();
        let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({filters => filters}, {
            insta::assert_snapshot!($name, $value);
        });
    }};
}
