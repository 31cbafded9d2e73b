//! The command line: the only place that parses flags, reads the environment, prompts, prints
//! and chooses exit codes. Commands call [`crate::pipeline`] and render what it returns.

pub mod args;
mod commands;
mod state_commands;
pub mod output;
mod progress;
mod signals;

use std::path::PathBuf;
use std::process::ExitCode;

use self::args::{Cli, Command};
use self::output::Printer;
use crate::pipeline;
use crate::state;

/// What every command gets.
pub(crate) struct Context {
    /// The workspace directory.
    pub(crate) root: PathBuf,
    /// Output.
    pub(crate) printer: Printer,
}

/// Runs mcctl with the process's arguments and returns its exit code.
#[must_use]
pub fn run() -> ExitCode {
    // Usage errors exit 1 like every other error: 2 means "changes" under --detailed-exitcode.
    let cli = match <Cli as clap::Parser>::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let printer = Printer::new(cli.no_color);
    let context = Context {
        root: cli.directory.clone(),
        printer,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            printer.err(&format!("error: cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Validate(args) => Ok(commands::validate(&context, &args)),
            Command::Plan(args) => commands::plan(&context, &args).await,
            Command::Apply(args) => commands::apply(&context, &args).await,
            Command::Show(args) => commands::show(&context, &args).await,
            Command::Drift(args) => commands::drift(&context, &args).await,
            Command::Graph(args) => Ok(commands::graph(&context, &args)),
            Command::Explain(args) => commands::explain(&context, &args).await,
            Command::Destroy(args) => commands::destroy(&context, &args).await,
            Command::ForceUnlock(args) => commands::force_unlock(&context, &args),
            Command::State(command) => state_commands::run(&context, &command),
            Command::Import(args) => state_commands::import(&context, &args).await,
            Command::Init => Ok(commands::init(&context)),
            Command::Fmt(args) => Ok(commands::fmt(&context, &args)),
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&context, &error);
            ExitCode::FAILURE
        }
    }
}

/// Prints a pipeline error with what to do about it.
pub(crate) fn report(context: &Context, error: &pipeline::Error) {
    let printer = context.printer;
    if let pipeline::Error::Diagnostics {
        sources,
        diagnostics,
    } = error
    {
        printer.err(output::diagnostics::render(diagnostics, sources, printer.color()).trim_end());
        let errors = diagnostics.error_count();
        printer.err(&format!(
            "\nerror: {errors} error{} in the workspace; nothing was changed",
            if errors == 1 { "" } else { "s" }
        ));
        return;
    }
    printer.err(&format!("error: {error}"));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        printer.err(&format!("  caused by: {cause}"));
        source = cause.source();
    }
    if let Some(help) = help(error) {
        printer.err(&format!("help: {help}"));
    }
}

fn help(error: &pipeline::Error) -> Option<String> {
    Some(match error {
        pipeline::Error::State(state::Error::LockHeld { id, .. }) => match id {
            Some(id) => format!("wait for it to finish or retry with `--lock-timeout 2m`; if that process is gone, run `mcctl force-unlock {id}`"),
            None => "wait for it to finish or retry with `--lock-timeout 2m`".to_owned(),
        },
        pipeline::Error::State(state::Error::LockStillHeld { .. }) => "stop that process first; a lock is released as soon as its process exits".to_owned(),
        pipeline::Error::State(state::Error::ParseStateFile { path, .. } | state::Error::LineageMismatch { path, .. }) => {
            format!("restore `{}` from version control (`git checkout -- {}`)", path.display(), path.display())
        }
        pipeline::Error::State(state::Error::VersionTooNew { .. }) => "use the mcctl version that wrote this state, or a newer one".to_owned(),
        pipeline::Error::StateEdit(state::commands::Error::Unknown { .. }) => "`mcctl state list` shows every address in the state".to_owned(),
        pipeline::Error::StateEdit(state::commands::Error::Invalid { .. }) => "write it as `<group or core>/<Kind>/<namespace or _>/<name>@<cluster>`, e.g. `apps/Deployment/default/web@eu-1`".to_owned(),
        pipeline::Error::Import(error) => return import_help(error),
        pipeline::Error::StalePlan { .. } => "make a new plan with `mcctl plan --out FILE` and apply that".to_owned(),
        pipeline::Error::MassDelete { .. } => "check that the configuration is complete (a file left out, a renamed label, a policy that stopped matching); if these deletions are intended, run again with `--allow-mass-delete`".to_owned(),
        pipeline::Error::ClusterSelector { .. } => "give cluster names and/or a label selector, e.g. `--clusters eu-1,eu-2` or `--clusters env=prod,tier!=canary`".to_owned(),
        pipeline::Error::Unreachable { .. } => "restore access to them, or pass `--allow-unreachable` to apply the other clusters and skip them".to_owned(),
        _ => return None,
    })
}

fn import_help(error: &pipeline::state_commands::ImportError) -> Option<String> {
    use pipeline::state_commands::ImportError;
    Some(match error {
        ImportError::Conflict { address, .. } => format!("to take it over, run `mcctl import {address} --overwrite`, or set `conflictResolution: Overwrite` on the template's PropagationPolicy"),
        ImportError::AlreadyManaged { address } => format!("to import it again, forget it first with `mcctl state rm {address}`"),
        ImportError::NotPlaced { .. } => "import it on a cluster its policy places it on (`mcctl explain` shows why it goes where it goes)".to_owned(),
        ImportError::Absent { .. } | ImportError::UnknownCluster { .. } | ImportError::NoCluster { .. } | ImportError::NoTemplate(_) | ImportError::NoClient { .. } | ImportError::Cluster(_) => return None,
    })
}

/// `user@host`, for lock info.
pub(crate) fn who() -> String {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|host| host.trim().to_owned())
        .ok()
        .filter(|host| !host.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{user}@{host}")
}
