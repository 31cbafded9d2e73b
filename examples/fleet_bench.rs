//! Refresh and apply benchmarks of mcctl against a fleet of API test servers: how long
//! a no-change `plan` takes to refresh N clusters × M objects, and how many requests it sends; with
//! `--apply`, how fast a first apply writes them all and whether a second apply writes nothing.
//!
//! ```text
//! cargo build --release --bin mcctl
//! cargo run --release --example fleet-bench -- --clusters 50 --objects 2000 \
//!     [--latency 20ms] [--runs 3] [--mcctl target/release/mcctl] [--apply] [--write docs/benchmarks-api.md]
//! ```
//!
//! Steps: start one API test server per cluster (each on its own runtime); write a kubeconfig and
//! a workspace (one HCL cluster per server, `objects` `ConfigMaps`, Deployments and Services sent to
//! every cluster by one `cluster_propagation_policy`); run `mcctl apply --auto-approve` once, which
//! seeds the servers exactly as mcctl writes objects (and is the apply benchmark); then run
//! `mcctl plan --detailed-exitcode` a few times, without and with injected latency, checking that
//! each plan is a no-change plan made of one LIST per (kind, cluster), no GET of an object and
//! no PATCH. The figures are printed as a Markdown table and, with `--write`, saved with the
//! machine, date and commit.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    reason = "a benchmark; its output is the point, and its counts and rates are far below 2^52"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;

// The in-process API test server the CLI tests use (`tests/support/apiserver/`), as in
// `examples/fake_fleet.rs`.
#[path = "../tests/support/apiserver/mod.rs"]
#[allow(
    dead_code,
    reason = "a shared library of test controls; the example uses part of it"
)]
mod apiserver;

use apiserver::{ApiServer, Verb};

/// The kinds of the benchmark workspace, as the servers count them.
const KINDS: [&str; 3] = ["configmaps", "apps/deployments", "services"];

/// Refresh and apply benchmarks of mcctl against API test servers.
#[derive(Debug, Parser)]
#[command(name = "fleet-bench")]
struct Arguments {
    /// How many clusters (API test servers) to start.
    #[arg(long, default_value_t = 50)]
    clusters: usize,
    /// Objects per cluster: 80 % `ConfigMaps`, 10 % Deployments, 10 % Services.
    #[arg(long, default_value_t = 2000)]
    objects: usize,
    /// Latency injected on every request of every server for the second refresh round.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "20ms")]
    latency: Duration,
    /// Timed plans per round; the table gives min and median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The mcctl binary to measure (build it with `--release`).
    #[arg(long, default_value = "target/release/mcctl")]
    mcctl: PathBuf,
    /// Also report the apply benchmark: the first apply's rate and a second, no-op apply.
    #[arg(long)]
    apply: bool,
    /// Where the workspace and kubeconfig are written (emptied first).
    #[arg(long, default_value = "target/fleet-bench")]
    dir: PathBuf,
    /// Writes the figures, machine, date and commit to this Markdown file.
    #[arg(long, value_name = "PATH")]
    write: Option<PathBuf>,
}

/// One row of the results table.
struct Row {
    what: String,
    figure: String,
    target: String,
    verdict: Verdict,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    Missed,
    /// A figure without a target.
    Info,
}

impl Verdict {
    fn of(met: bool) -> Self {
        if met { Self::Met } else { Self::Missed }
    }

    fn text(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Missed => "**missed**",
            Self::Info => "",
        }
    }
}

/// The requests of one mcctl run, summed over the servers.
#[derive(Default)]
struct Requests {
    /// LISTs of the workspace's kinds, each paginated list counted once.
    kind_lists: u64,
    /// Later pages (`continue`) of those lists.
    continue_pages: u64,
    /// LISTs of Nodes and Pods: the resource summary of discovery.
    discovery_lists: u64,
    /// Other LISTs (health checks of Deployments list their ReplicaSets/Pods).
    other_lists: u64,
    gets: u64,
    applies: u64,
    patches: u64,
    deletes: u64,
    discovery: u64,
    /// Clusters whose LISTs of a kind were not exactly one list.
    clusters_off: Vec<String>,
}

impl Requests {
    fn of(servers: &[ApiServer]) -> Self {
        let mut requests = Self::default();
        for (index, server) in servers.iter().enumerate() {
            let mut exact = true;
            for kind in KINDS {
                let lists = server.count_for(Verb::List, kind);
                let continued = server.count_continued_for(kind);
                requests.kind_lists += lists - continued;
                requests.continue_pages += continued;
                exact &= lists - continued == 1;
            }
            if !exact {
                requests.clusters_off.push(format!("c{index}"));
            }
            for ((verb, resource), count) in server.counts() {
                match verb {
                    Verb::List if KINDS.contains(&resource.as_str()) => {}
                    Verb::List if matches!(resource.as_str(), "nodes" | "pods") => {
                        requests.discovery_lists += count;
                    }
                    Verb::List => requests.other_lists += count,
                    Verb::Get => requests.gets += count,
                    Verb::Apply => requests.applies += count,
                    Verb::Patch => requests.patches += count,
                    Verb::Delete => requests.deletes += count,
                    Verb::Discovery | Verb::Other => requests.discovery += count,
                }
            }
        }
        requests
    }

    fn describe(&self, clusters: usize) -> String {
        let per = |count: u64| count as f64 / clusters as f64;
        format!(
            "LIST {} (+{} continue pages; {:.1}/cluster), nodes/pods LIST {} ({:.1}/cluster), other LIST {}, GET {}, APPLY {}, merge PATCH {}, DELETE {}, discovery {} ({:.1}/cluster)",
            self.kind_lists,
            self.continue_pages,
            per(self.kind_lists),
            self.discovery_lists,
            per(self.discovery_lists),
            self.other_lists,
            self.gets,
            self.applies,
            self.patches,
            self.deletes,
            self.discovery,
            per(self.discovery),
        )
    }
}

/// What one mcctl run returned and took.
struct Run {
    code: Option<i32>,
    wall: Duration,
    stdout: String,
    stderr: String,
}

fn main() -> std::process::ExitCode {
    let arguments = Arguments::parse();
    match run(&arguments) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("fleet-bench: a target or a check was missed (see the table)");
            std::process::ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(arguments: &Arguments) -> Result<bool, String> {
    if !arguments.mcctl.is_file() {
        return Err(format!(
            "no mcctl at `{}`; build it first: cargo build --release --bin mcctl",
            arguments.mcctl.display()
        ));
    }
    let mcctl = std::fs::canonicalize(&arguments.mcctl).map_err(|error| error.to_string())?;
    let clusters = arguments.clusters;
    let total = clusters * arguments.objects;

    // 1. The fleet: one server per cluster, each on its own tokio runtime.
    let started = Instant::now();
    let servers: Vec<ApiServer> = (0..clusters).map(|_| ApiServer::start()).collect();
    println!(
        "started {clusters} API test servers in {:.2?}",
        started.elapsed()
    );

    // 2. The workspace.
    write_workspace(&arguments.dir, &servers, arguments.objects)?;
    println!(
        "workspace {} ({} objects per cluster, {total} in all)",
        arguments.dir.display(),
        arguments.objects
    );

    let mut rows = Vec::new();
    let mut notes = Vec::new();

    // 3. The first apply: it seeds every server with the objects as mcctl writes them
    //    (labels, managedFields of manager `mcctl`), and it is the apply benchmark.
    let apply = mcctl_run(&mcctl, &arguments.dir, &["apply", "--auto-approve"])?;
    expect_code(&apply, 0, "the first apply")?;
    let requests = Requests::of(&servers);
    let rate = requests.applies as f64 / apply.wall.as_secs_f64();
    println!(
        "apply: {:.2?}, {} server-side applies ({rate:.0}/s); {}",
        apply.wall,
        requests.applies,
        requests.describe(clusters)
    );
    notes.push(format!(
        "First apply, requests: {}.",
        requests.describe(clusters)
    ));
    if requests.applies != total as u64 {
        return Err(format!(
            "the first apply sent {} server-side applies for {total} objects",
            requests.applies
        ));
    }
    if arguments.apply {
        rows.push(Row {
            what: format!("apply {total} objects to {clusters} clusters: wall"),
            figure: format!("{:.2} s", apply.wall.as_secs_f64()),
            target: String::new(),
            verdict: Verdict::Info,
        });
        rows.push(Row {
            what: "apply: server-side applies / wall".to_owned(),
            figure: format!("{rate:.0} SSA/s ({} applies)", requests.applies),
            target: "≥ 3,000 SSA/s".to_owned(),
            verdict: Verdict::of(rate >= 3000.0),
        });
        reset(&servers);
        let again = mcctl_run(&mcctl, &arguments.dir, &["apply", "--auto-approve"])?;
        expect_code(&again, 0, "the second apply")?;
        let requests = Requests::of(&servers);
        println!(
            "no-op apply: {:.2?}; {}",
            again.wall,
            requests.describe(clusters)
        );
        notes.push(format!(
            "No-op apply, requests: {}.",
            requests.describe(clusters)
        ));
        rows.push(Row {
            what: "no-op apply: PATCHes sent".to_owned(),
            figure: format!(
                "{} (wall {:.2} s)",
                requests.applies + requests.patches,
                again.wall.as_secs_f64()
            ),
            target: "0".to_owned(),
            verdict: Verdict::of(requests.applies + requests.patches == 0),
        });
    }

    // 4. The refresh benchmark: no-change plans, without and with injected latency.
    for latency in [Duration::ZERO, arguments.latency] {
        for server in &servers {
            server.set_latency(latency);
        }
        let label = if latency.is_zero() {
            String::new()
        } else {
            format!(", {} latency", humantime::format_duration(latency))
        };
        let target = if latency.is_zero() { 3.0 } else { 4.0 };
        let mut walls = Vec::new();
        let mut last = Requests::default();
        for index in 0..arguments.runs.max(1) {
            reset(&servers);
            let plan = mcctl_run(
                &mcctl,
                &arguments.dir,
                &["plan", "--detailed-exitcode", "--no-color"],
            )?;
            expect_code(&plan, 0, "a plan after apply (a no-change plan)")?;
            let requests = Requests::of(&servers);
            println!(
                "refresh{label} #{}: {:.2?}; {}",
                index + 1,
                plan.wall,
                requests.describe(clusters)
            );
            walls.push(plan.wall);
            last = requests;
        }
        walls.sort();
        let min = walls[0].as_secs_f64();
        let median = walls[walls.len() / 2].as_secs_f64();
        rows.push(Row {
            what: format!(
                "refresh (no-change plan) {clusters}×{}{label}: wall min / median",
                arguments.objects
            ),
            figure: format!("{min:.2} s / {median:.2} s"),
            target: format!("≤ {target} s"),
            verdict: Verdict::of(median <= target),
        });
        let expected = (KINDS.len() * clusters) as u64;
        rows.push(Row {
            what: format!(
                "refresh{label}: LISTs of the {} kinds (continue pages apart)",
                KINDS.len()
            ),
            figure: format!(
                "{} (+{} continue pages){}",
                last.kind_lists,
                last.continue_pages,
                if last.clusters_off.is_empty() {
                    String::new()
                } else {
                    format!("; not one per kind on {}", last.clusters_off.join(", "))
                }
            ),
            target: format!("= kinds × clusters = {expected}"),
            verdict: Verdict::of(last.kind_lists == expected && last.clusters_off.is_empty()),
        });
        rows.push(Row {
            what: format!("refresh{label}: nodes/pods LISTs (discovery's resource summary)"),
            figure: format!(
                "{} ({:.0} per cluster)",
                last.discovery_lists,
                last.discovery_lists as f64 / clusters as f64
            ),
            target: String::new(),
            verdict: Verdict::Info,
        });
        rows.push(Row {
            what: format!("refresh{label}: GETs / APPLYs"),
            figure: format!("{} / {}", last.gets, last.applies + last.patches),
            target: "0 / 0".to_owned(),
            verdict: Verdict::of(last.gets == 0 && last.applies + last.patches == 0),
        });
        notes.push(format!(
            "Refresh{label}, requests of the last run: {}.",
            last.describe(clusters)
        ));
    }
    for server in &servers {
        server.set_latency(Duration::ZERO);
    }

    // 5. The report.
    let table = table(&rows);
    println!("\n{table}");
    if let Some(path) = &arguments.write {
        let document = document(arguments, &table, &notes);
        std::fs::write(path, document)
            .map_err(|error| format!("cannot write `{}`: {error}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(rows.iter().all(|row| row.verdict != Verdict::Missed))
}

fn reset(servers: &[ApiServer]) {
    for server in servers {
        server.reset_counts();
    }
}

/// Runs `mcctl -C workspace ARGS…` and times it.
fn mcctl_run(mcctl: &Path, workspace: &Path, args: &[&str]) -> Result<Run, String> {
    let started = Instant::now();
    let output = Command::new(mcctl)
        .arg("-C")
        .arg(workspace)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|error| format!("cannot run `{}`: {error}", mcctl.display()))?;
    Ok(Run {
        code: output.status.code(),
        wall: started.elapsed(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

fn expect_code(run: &Run, code: i32, what: &str) -> Result<(), String> {
    if run.code == Some(code) {
        return Ok(());
    }
    let tail = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    };
    Err(format!(
        "{what} exited with {:?}, expected {code}\n--- stdout (tail)\n{}\n--- stderr (tail)\n{}",
        run.code,
        tail(&run.stdout),
        tail(&run.stderr)
    ))
}

/// The kubeconfig, `main.hcl` and `objects.yaml`.
fn write_workspace(dir: &Path, servers: &[ApiServer], objects: usize) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|error| format!("cannot empty `{}`: {error}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("cannot create `{}`: {error}", dir.display()))?;
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text)
            .map_err(|error| format!("cannot write `{name}`: {error}"))
    };
    write("kubeconfig", &kubeconfig(servers))?;
    write("main.hcl", &workspace_hcl(servers.len()))?;
    write("objects.yaml", &manifests(objects))
}

/// One context per server, `c0`, `c1`, …
fn kubeconfig(servers: &[ApiServer]) -> String {
    let contexts: Vec<(String, String)> = servers
        .iter()
        .enumerate()
        .map(|(index, server)| (format!("c{index}"), server.url()))
        .collect();
    apiserver::kubeconfig(&contexts, "fleet-bench")
}

fn workspace_hcl(clusters: usize) -> String {
    let mut hcl = String::from(
        "settings {\n  workspace = \"bench\"\n\n  rollout {\n    max_parallel_clusters = 50\n    wait_timeout          = \"300s\"\n  }\n}\n",
    );
    for index in 0..clusters {
        let _ = write!(
            hcl,
            "\ncluster \"c{index}\" {{\n  kubeconfig = \"kubeconfig\"\n  context    = \"c{index}\"\n}}\n"
        );
    }
    hcl.push_str("\ncluster_propagation_policy \"everywhere\" {\n");
    for (api_version, kind) in [
        ("v1", "ConfigMap"),
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
    ] {
        let _ = write!(
            hcl,
            "  resource_selector {{\n    api_version = \"{api_version}\"\n    kind        = \"{kind}\"\n  }}\n"
        );
    }
    hcl.push_str("}\n");
    hcl
}

/// `objects` manifests: 80 % `ConfigMaps`, 10 % Deployments, the rest Services.
fn manifests(objects: usize) -> String {
    let deployments = objects / 10;
    let services = objects / 10;
    let config_maps = objects - deployments - services;
    let mut yaml = String::new();
    for index in 0..config_maps {
        let _ = write!(
            yaml,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-{index:05}\n  namespace: default\n  labels: {{app: app-{app}}}\ndata:\n  index: \"{index}\"\n  level: info\n  settings.json: '{{\"replicas\": 2, \"timeout\": \"30s\", \"feature\": \"f{index}\"}}'\n",
            app = index % 100
        );
    }
    for index in 0..deployments {
        let _ = write!(
            yaml,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{index:04}\n  namespace: default\n  labels: {{app: app-{index:04}}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: app-{index:04}}}\n  template:\n    metadata:\n      labels: {{app: app-{index:04}}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.{index}\n          ports:\n            - {{name: http, containerPort: 8080, protocol: TCP}}\n          env:\n            - {{name: INDEX, value: \"{index}\"}}\n          resources:\n            requests: {{cpu: 10m, memory: 16Mi}}\n"
        );
    }
    for index in 0..services {
        let _ = write!(
            yaml,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{index:04}\n  namespace: default\nspec:\n  selector: {{app: app-{index:04}}}\n  ports:\n    - {{name: http, port: 80, targetPort: 8080, protocol: TCP}}\n"
        );
    }
    yaml
}

fn table(rows: &[Row]) -> String {
    let mut table = String::from("| measure | figure | target | |\n|---|---|---|---|\n");
    for row in rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} |",
            row.what,
            row.figure,
            row.target,
            row.verdict.text()
        );
    }
    table
}

/// The results document: figures, machine, date, commit, commands.
fn document(arguments: &Arguments, table: &str, notes: &[String]) -> String {
    let date = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    let commit = command_text("git", &["rev-parse", "--short", "HEAD"]);
    let dirty =
        if command_text("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty() {
            ""
        } else {
            " (with uncommitted changes)"
        };
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
        );
    let apply_flag = if arguments.apply { " --apply" } else { "" };
    let mut notes_text = String::new();
    for note in notes {
        let _ = writeln!(notes_text, "- {note}");
    }
    format!(
        "# Benchmarks against the API test server\n\n\
         Refresh and apply of mcctl against {clusters} in-process API test servers\n\
         (`tests/support/apiserver/`), {objects} objects per cluster (80 % ConfigMaps, 10 % Deployments,\n\
         10 % Services, all to every cluster through one `cluster_propagation_policy`), measured by\n\
         `examples/fleet_bench.rs`. The servers run in the benchmark process (each on its own\n\
         2-thread tokio runtime) and mcctl in its own, on the same machine, so both share its CPUs.\n\n\
         - machine: {cpus} CPUs ({cpu_model}), {memory} RAM\n\
         - date: {date}\n\
         - commit: `{commit}`{dirty}\n\
         - commands:\n\n\
         ```text\n\
         cargo build --release --bin mcctl\n\
         cargo run --release --example fleet-bench -- --clusters {clusters} --objects {objects} --latency {latency} --runs {runs}{apply_flag} --write docs/benchmarks-api.md\n\
         ```\n\n\
         ## Figures\n\n\
         {table}\n\
         A refresh is `mcctl plan --detailed-exitcode` after the apply (exit 0: no changes). LISTs count\n\
         one per list asked for; the later pages of a paginated list (mcctl asks for 500 items a page) are\n\
         shown apart as continue pages. The Nodes and Pods lists are discovery's resource summary.\n\n\
         ## Requests\n\n\
         {notes_text}",
        clusters = arguments.clusters,
        objects = arguments.objects,
        latency = humantime::format_duration(arguments.latency),
        runs = arguments.runs,
    )
}

fn command_text(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}
