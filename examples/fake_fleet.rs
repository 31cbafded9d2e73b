//! A fleet of fake Kubernetes clusters for trying Push clusters with no Kubernetes at all, and for
//! running failure scenarios by hand (docs/fake-fleet.md has a walk-through).
//!
//! ```text
//! cargo run --example fake-fleet -- --clusters 3 --kubeconfig /tmp/fleet/kubeconfig \
//!     [--prefix c] [--nodes 3 --node-cpu 8 --node-memory 32Gi] \
//!     [--never-available c0] [--available-after 2s] [--latency 20ms] \
//!     [--stop-after-applies c1=25] [--restart-after 5s] [--throttle c2=10] [--fail c2=5]
//! ```
//!
//! Each cluster is an instance of the API test server of `tests/support/apiserver/` on its own
//! `127.0.0.1` port, seeded with ready Nodes so the scheduler gets a resource summary. The
//! kubeconfig gets one context per cluster (`c0`, `c1`, … with the default prefix) and a dummy
//! token. Every 5 s the example prints the requests each cluster served since the last report
//! (LIST, GET, APPLY, DELETE), so one can see that a refresh is one LIST per kind per cluster.
//!
//! - `--never-available NAME[,NAME]`: those clusters' Deployments never become available;
//!   `--available-after D`: the others' become available D after each change (default: at once);
//! - `--stop-after-applies NAME=N`: that server stops, as if killed, once it has served N
//!   server-side applies (polled every 10 ms, so a fast apply may get a few more through);
//!   Enter (or `--restart-after D`) starts it again with its objects;
//! - `--throttle NAME=N` / `--fail NAME=N`: its next N requests are answered 429 / 500;
//! - `--latency D`: every request of every cluster waits D first.
//!
//! It runs until Ctrl-C, then stops the servers; the kubeconfig stays. Nothing here is part of
//! mcctl: the servers live in memory and forget everything when the example exits.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an interactive example; its output is the point"
)]

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;

// The in-process API test server the CLI tests use. It is a library of test controls shared
// with `tests/cli` (included there as `test_support`), and this example uses only part of it.
#[path = "../tests/support/apiserver/mod.rs"]
#[allow(
    dead_code,
    reason = "a shared library of test controls; the example uses part of it"
)]
mod apiserver;

use apiserver::{ApiServer, Rollout, Verb};

/// Fake Kubernetes clusters on 127.0.0.1 for mcctl's Push clusters.
#[derive(Debug, Parser)]
#[command(name = "fake-fleet")]
struct Arguments {
    /// How many clusters to start.
    #[arg(long, default_value_t = 3)]
    clusters: usize,
    /// Where to write the kubeconfig (its directory is created).
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Cluster and context names are this prefix and an index: `c0`, `c1`, …
    #[arg(long, default_value = "c")]
    prefix: String,
    /// Ready Nodes per cluster.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Allocatable CPU of each Node.
    #[arg(long, default_value = "8")]
    node_cpu: String,
    /// Allocatable memory of each Node.
    #[arg(long, default_value = "32Gi")]
    node_memory: String,
    /// Clusters whose Deployments never become available.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    never_available: Vec<String>,
    /// How long after each change the other clusters' Deployments become available.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    available_after: Duration,
    /// Delay before every request is handled.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    latency: Option<Duration>,
    /// Stops a cluster's server, as if killed, once it has served N server-side applies.
    #[arg(long, value_name = "NAME=N", value_delimiter = ',', value_parser = name_count)]
    stop_after_applies: Vec<(String, u64)>,
    /// Restarts a stopped server this long after it stopped (otherwise: press Enter).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    restart_after: Option<Duration>,
    /// Answers a cluster's next N requests with 429 Too Many Requests.
    #[arg(long, value_name = "NAME=N", value_delimiter = ',', value_parser = name_count)]
    throttle: Vec<(String, u64)>,
    /// Answers a cluster's next N requests with 500 Internal Server Error.
    #[arg(long, value_name = "NAME=N", value_delimiter = ',', value_parser = name_count)]
    fail: Vec<(String, u64)>,
    /// How often to report the requests served since the last report (when there were any).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "5s")]
    report_every: Duration,
}

/// `NAME=N`, as `--throttle c2=10` takes it.
fn name_count(text: &str) -> Result<(String, u64), String> {
    let (name, count) = text
        .split_once('=')
        .ok_or_else(|| format!("expected `NAME=N`, got `{text}`"))?;
    let count = count
        .parse()
        .map_err(|error| format!("`{count}` is not a count: {error}"))?;
    Ok((name.to_owned(), count))
}

/// One fake cluster: its name, its server, and the requests counted at the last report.
struct Cluster {
    name: String,
    url: String,
    server: Mutex<ApiServer>,
    /// Applies after which the server stops, if the user asked for it.
    stop_after_applies: Option<u64>,
    state: Mutex<ClusterState>,
}

#[derive(Default)]
struct ClusterState {
    /// When the server was stopped by `--stop-after-applies`; `None` while it serves.
    stopped_at: Option<Instant>,
    /// The stop happened already; a server stops at most once.
    stop_done: bool,
    /// The counters as of the last report.
    reported: BTreeMap<(Verb, String), u64>,
}

impl Cluster {
    fn lock_server(&self) -> std::sync::MutexGuard<'_, ApiServer> {
        self.server.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, ClusterState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the server once it has served enough applies; true when it stopped just now.
    fn stop_if_due(&self, restart_after: Option<Duration>) -> bool {
        let Some(limit) = self.stop_after_applies else {
            return false;
        };
        let mut state = self.lock_state();
        if state.stop_done {
            return false;
        }
        let mut server = self.lock_server();
        let applies = server.count(Verb::Apply);
        if applies < limit {
            return false;
        }
        server.stop();
        state.stop_done = true;
        state.stopped_at = Some(Instant::now());
        let restart = restart_after.map_or_else(
            || "press Enter to restart it".to_owned(),
            |delay| format!("restarting in {}", humantime::format_duration(delay)),
        );
        println!(
            "[{}] {} stopped after {applies} applies (as if killed); {restart}",
            timestamp(),
            self.name
        );
        true
    }

    /// Restarts the server if it is stopped and `due` says it is time.
    fn restart_if(&self, due: impl Fn(Instant) -> bool) {
        let mut state = self.lock_state();
        let Some(stopped_at) = state.stopped_at else {
            return;
        };
        if !due(stopped_at) {
            return;
        }
        self.lock_server().restart();
        state.stopped_at = None;
        println!(
            "[{}] {} restarted on {} with its objects",
            timestamp(),
            self.name,
            self.url
        );
    }
}

/// What the main loop waits for.
enum Event {
    /// A line on stdin.
    Enter,
    /// Ctrl-C.
    Interrupt,
}

fn main() -> std::process::ExitCode {
    let arguments = Arguments::parse();
    match run(&arguments) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            // The exit code clap uses for bad arguments, the usual cause.
            std::process::ExitCode::from(2)
        }
    }
}

fn run(arguments: &Arguments) -> Result<(), String> {
    let names: Vec<String> = (0..arguments.clusters)
        .map(|index| format!("{}{index}", arguments.prefix))
        .collect();
    check_names(arguments, &names)?;

    let clusters: Arc<Vec<Cluster>> = Arc::new(
        names
            .iter()
            .map(|name| start_cluster(arguments, name))
            .collect(),
    );
    write_kubeconfig(&arguments.kubeconfig, &clusters)?;
    print_summary(arguments, &clusters);

    let (events, received) = mpsc::channel();
    spawn_interrupt_listener(events.clone());
    spawn_stdin_listener(events);
    spawn_stopper(Arc::clone(&clusters), arguments.restart_after);

    let mut next_report = Instant::now() + arguments.report_every;
    loop {
        let wait = next_report.saturating_duration_since(Instant::now());
        match received.recv_timeout(wait) {
            Ok(Event::Interrupt) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(Event::Enter) => {
                let stopped = clusters
                    .iter()
                    .filter(|cluster| cluster.lock_state().stopped_at.is_some())
                    .count();
                if stopped == 0 {
                    report(&clusters, Report::Always);
                } else {
                    for cluster in clusters.iter() {
                        cluster.restart_if(|_| true);
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                report(&clusters, Report::WhenChanged);
                next_report = Instant::now() + arguments.report_every;
            }
        }
    }

    println!(
        "\nstopping {} servers; {} stays",
        clusters.len(),
        arguments.kubeconfig.display()
    );
    for cluster in clusters.iter() {
        cluster.lock_server().stop();
    }
    Ok(())
}

/// Every name a flag mentions must be one of the clusters.
fn check_names(arguments: &Arguments, names: &[String]) -> Result<(), String> {
    let mentioned = arguments
        .never_available
        .iter()
        .chain(arguments.stop_after_applies.iter().map(|(name, _)| name))
        .chain(arguments.throttle.iter().map(|(name, _)| name))
        .chain(arguments.fail.iter().map(|(name, _)| name));
    for name in mentioned {
        if !names.contains(name) {
            return Err(format!(
                "no cluster `{name}`; the clusters are {}",
                names.join(", ")
            ));
        }
    }
    Ok(())
}

/// Starts one server and applies the flags that concern it.
fn start_cluster(arguments: &Arguments, name: &str) -> Cluster {
    let server = ApiServer::start();
    for index in 0..arguments.nodes {
        server.seed_node(
            &format!("{name}-node-{index}"),
            &arguments.node_cpu,
            &arguments.node_memory,
        );
    }
    if arguments.never_available.iter().any(|never| never == name) {
        server.set_rollout(Rollout::Never);
    } else {
        server.set_rollout(Rollout::AvailableAfter(arguments.available_after));
    }
    if let Some(latency) = arguments.latency {
        server.set_latency(latency);
    }
    let count_for = |list: &[(String, u64)]| {
        list.iter()
            .find(|(named, _)| named == name)
            .map(|(_, count)| u32::try_from(*count).unwrap_or(u32::MAX))
    };
    if let Some(count) = count_for(&arguments.throttle) {
        server.throttle_next(count);
    }
    // One budget of injected replies per server: `--fail` wins over `--throttle` for the same
    // cluster.
    if let Some(count) = count_for(&arguments.fail) {
        server.fail_next(count);
    }
    Cluster {
        name: name.to_owned(),
        url: server.url(),
        stop_after_applies: arguments
            .stop_after_applies
            .iter()
            .find(|(named, _)| named == name)
            .map(|(_, count)| *count),
        server: Mutex::new(server),
        state: Mutex::new(ClusterState::default()),
    }
}

/// One context per cluster, named after it, with a token that only ever reaches 127.0.0.1.
fn write_kubeconfig(path: &std::path::Path, clusters: &[Cluster]) -> Result<(), String> {
    let contexts: Vec<(String, String)> = clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.url.clone()))
        .collect();
    let kubeconfig = apiserver::kubeconfig(&contexts, "fake-fleet");
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create `{}`: {error}", parent.display()))?;
    }
    std::fs::write(path, kubeconfig)
        .map_err(|error| format!("cannot write `{}`: {error}", path.display()))
}

fn print_summary(arguments: &Arguments, clusters: &[Cluster]) {
    println!("{:<10} URL", "CONTEXT");
    for cluster in clusters {
        let mut notes = Vec::new();
        if arguments.never_available.contains(&cluster.name) {
            notes.push("never available".to_owned());
        }
        if let Some(limit) = cluster.stop_after_applies {
            notes.push(format!("stops after {limit} applies"));
        }
        for (flag, list) in [("429", &arguments.throttle), ("500", &arguments.fail)] {
            if let Some((_, count)) = list.iter().find(|(name, _)| *name == cluster.name) {
                notes.push(format!("next {count} requests {flag}"));
            }
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", notes.join(", "))
        };
        println!("{:<10} {}{notes}", cluster.name, cluster.url);
    }
    let kubeconfig = std::fs::canonicalize(&arguments.kubeconfig)
        .unwrap_or_else(|_| arguments.kubeconfig.clone());
    let first = clusters
        .first()
        .map_or("c0", |cluster| cluster.name.as_str());
    println!(
        "\nkubeconfig: {}\n\nIn a workspace, one block per cluster:\n\n  cluster \"{first}\" {{\n    kubeconfig = \"{}\"\n    context    = \"{first}\"\n  }}\n\nthen: mcctl -C <workspace> plan\n\nEnter restarts a stopped server (or reports the requests); Ctrl-C stops the fleet.\n",
        kubeconfig.display(),
        kubeconfig.display()
    );
}

/// Whether a report with no new requests is printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Report {
    Always,
    WhenChanged,
}

/// Prints the requests each cluster served since the last report.
fn report(clusters: &[Cluster], when: Report) {
    let mut lines = Vec::new();
    for cluster in clusters {
        let counts = cluster.lock_server().counts();
        let mut state = cluster.lock_state();
        let since: BTreeMap<(Verb, String), u64> = counts
            .iter()
            .map(|(key, count)| {
                let before = state.reported.get(key).copied().unwrap_or(0);
                (key.clone(), count - before)
            })
            .filter(|(_, count)| *count > 0)
            .collect();
        state.reported = counts;
        let total = |verb: Verb| -> u64 {
            since
                .iter()
                .filter(|((counted, _), _)| *counted == verb)
                .map(|(_, count)| count)
                .sum()
        };
        // Which kinds were read: a refresh is one LIST per kind; GETs are health checks.
        let reads: Vec<String> = since
            .iter()
            .filter(|((verb, _), _)| matches!(verb, Verb::List | Verb::Get))
            .map(|((verb, resource), count)| {
                let verb = if *verb == Verb::List { "LIST" } else { "GET" };
                format!("{verb} {resource} {count}")
            })
            .collect();
        let status = if state.stopped_at.is_some() {
            "  (stopped)"
        } else {
            ""
        };
        lines.push((
            !since.is_empty(),
            format!(
                "  {:<8} {:>6} {:>6} {:>6} {:>6}  {}{status}",
                cluster.name,
                total(Verb::List),
                total(Verb::Get),
                total(Verb::Apply),
                total(Verb::Delete),
                reads.join(", ")
            ),
        ));
    }
    if when == Report::WhenChanged && !lines.iter().any(|(changed, _)| *changed) {
        return;
    }
    println!(
        "[{}] requests since the last report:\n  {:<8} {:>6} {:>6} {:>6} {:>6}  READS BY KIND",
        timestamp(),
        "CLUSTER",
        "LIST",
        "GET",
        "APPLY",
        "DELETE"
    );
    for (_, line) in lines {
        println!("{line}");
    }
}

/// Wall-clock time of day, UTC, for the log lines.
fn timestamp() -> String {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    // `2026-01-01T12:34:56Z` → `12:34:56`
    now.get(11..19).unwrap_or(&now).to_owned()
}

/// Ctrl-C, through tokio's signal handling on a small runtime of its own (the servers' runtimes
/// belong to them and are shut down on stop).
fn spawn_interrupt_listener(events: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        if runtime.block_on(tokio::signal::ctrl_c()).is_ok() {
            let _ = events.send(Event::Interrupt);
        }
    });
}

/// Each line on stdin is an Enter; at end of input the thread ends quietly (the fleet keeps
/// running until Ctrl-C, so it can run in the background).
fn spawn_stdin_listener(events: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() || events.send(Event::Enter).is_err() {
                return;
            }
        }
        // Keep the sender alive so the main loop does not take end of input for Ctrl-C.
        loop {
            std::thread::park();
        }
    });
}

/// Polls the apply counters every 10 ms to stop servers on time, and restarts them after
/// `--restart-after`.
fn spawn_stopper(clusters: Arc<Vec<Cluster>>, restart_after: Option<Duration>) {
    if clusters
        .iter()
        .all(|cluster| cluster.stop_after_applies.is_none())
    {
        return;
    }
    std::thread::spawn(move || {
        loop {
            for cluster in clusters.iter() {
                cluster.stop_if_due(restart_after);
                if let Some(delay) = restart_after {
                    cluster.restart_if(|stopped_at| stopped_at.elapsed() >= delay);
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
}
