//! `mcctl state list|show|rm|mv` and `mcctl import`: call the pipeline, print the outcome.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::addr::InstanceAddr;
use crate::cli::Context;
use crate::cli::args::{
    ImportArgs, StateCommand, StateListArgs, StateMvArgs, StateRmArgs, StateShowArgs,
};
use crate::cli::commands::{required_lock, secret_key, variable_inputs, warnings};
use crate::cli::output::plan::render_change;
use crate::cli::output::state_records::{Entry, list_json, show};
use crate::pipeline::state_commands::{self, ImportOptions, Written};
use crate::pipeline::{self, PlanOptions};
use crate::plan::Action;
use crate::state::State;
use crate::state::commands;

/// `mcctl state …`.
pub(crate) fn run(context: &Context, command: &StateCommand) -> Result<ExitCode, pipeline::Error> {
    match command {
        StateCommand::List(args) => list(context, args),
        StateCommand::Show(args) => show_one(context, args),
        StateCommand::Rm(args) => rm(context, args),
        StateCommand::Mv(args) => mv(context, args),
    }
}

fn entry<'a>(state: &'a State, address: &'a InstanceAddr) -> Option<Entry<'a>> {
    let shard = state.shards.get(&address.cluster)?;
    Some(Entry {
        address,
        record: shard.objects.get(&address.object)?,
        placement: shard.placements.get(&address.object),
    })
}

fn print_json(context: &Context, value: &serde_json::Value) {
    context.printer.out(&format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    ));
}

fn list(context: &Context, args: &StateListArgs) -> Result<ExitCode, pipeline::Error> {
    let state = pipeline::read_state(&context.root)?;
    let addresses: Vec<InstanceAddr> = commands::addresses(&state)
        .into_iter()
        .filter(|address| {
            args.filters.is_empty()
                || args
                    .filters
                    .iter()
                    .any(|filter| commands::matches_filter(address, filter))
        })
        .collect();
    if args.json {
        let entries: Vec<Entry<'_>> = addresses
            .iter()
            .filter_map(|address| entry(&state, address))
            .collect();
        print_json(context, &list_json(&entries));
    } else {
        let mut text = String::new();
        for address in &addresses {
            text.push_str(&address.to_string());
            text.push('\n');
        }
        context.printer.out(&text);
    }
    // Like `grep`: a filter that matches nothing is worth a non-zero exit in scripts.
    if addresses.is_empty() && !args.filters.is_empty() {
        context.printer.err(&format!(
            "error: nothing in the state matches {}",
            args.filters
                .iter()
                .map(|filter| format!("`{filter}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn show_one(context: &Context, args: &StateShowArgs) -> Result<ExitCode, pipeline::Error> {
    let state = pipeline::read_state(&context.root)?;
    let address = commands::resolve(&state, &args.address)?;
    let Some(entry) = entry(&state, &address) else {
        return Err(commands::Error::Unknown {
            query: args.address.clone(),
            suggestion: None,
        }
        .into());
    };
    if args.json {
        print_json(
            context,
            &crate::cli::output::state_records::entry_json(entry),
        );
    } else {
        context.printer.out(&show(entry));
    }
    Ok(ExitCode::SUCCESS)
}

fn serials(written: &Written) -> String {
    written
        .serials
        .iter()
        .map(|(cluster, serial)| format!("`{cluster}` (serial {serial})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn rm(context: &Context, args: &StateRmArgs) -> Result<ExitCode, pipeline::Error> {
    let lock = required_lock(&args.lock, "state rm");
    let (removed, written) =
        state_commands::state_rm(&context.root, &args.addresses, &lock, args.dry_run)?;
    let mut text = String::new();
    let verb = if args.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    for address in &removed {
        let _ = writeln!(text, "{verb} {address}");
    }
    if args.dry_run {
        text.push_str("Nothing was written (`--dry-run`).\n");
    } else {
        let _ = writeln!(
            text,
            "Forgot {} object(s); the clusters were not touched. Wrote the state of {}.",
            removed.len(),
            serials(&written)
        );
    }
    context.printer.out(&text);
    Ok(ExitCode::SUCCESS)
}

fn mv(context: &Context, args: &StateMvArgs) -> Result<ExitCode, pipeline::Error> {
    let lock = required_lock(&args.lock, "state mv");
    let ((from, to), written) = state_commands::state_mv(
        &context.root,
        &args.from,
        &args.to,
        &lock,
        args.dry_run,
        (!args.force)
            .then(|| variable_inputs(&args.variables))
            .as_ref(),
    )?;
    if args.dry_run {
        context.printer.out(&format!(
            "Would move {from} to {to}\nNothing was written (`--dry-run`).\n"
        ));
    } else {
        context.printer.out(&format!(
            "Moved {from} to {to}; the clusters were not touched. Wrote the state of {}.\n",
            serials(&written)
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `mcctl import ADDR`.
pub(crate) async fn import(
    context: &Context,
    args: &ImportArgs,
) -> Result<ExitCode, pipeline::Error> {
    let options = ImportOptions {
        plan: PlanOptions {
            refresh: true,
            reads: crate::pipeline::Reads::default(),
            lock: Some(required_lock(&args.lock, "import")),
            destroy: false,
            include_protected: false,
            secret_key: secret_key(),
            variables: variable_inputs(&args.variables),
            rebalance: false,
            explain: None,
            // Every shard is locked: the address is resolved against the whole state.
            clusters: None,
        },
        overwrite: args.overwrite,
        dry_run: args.dry_run,
    };
    let imported = state_commands::import(&context.root, &args.address, &options).await?;
    warnings(context, &imported.run);
    let mut text = format!("{} exists on the cluster.\n", imported.address);
    if !imported.managed {
        text.push_str("It is not managed by this workspace; it is adopted (`--overwrite` or `conflictResolution: Overwrite`).\n");
    }
    if imported.change.action == Action::NoOp {
        text.push_str("It matches the configuration.\n");
    } else {
        text.push_str("\nThe next apply will change it as follows:\n\n");
        text.push_str(&render_change(
            &imported.change,
            context.printer.stdout_color(),
        ));
    }
    match imported.serial {
        Some(serial) => {
            let _ = writeln!(
                text,
                "\nImported {} into the state (cluster `{}`, serial {serial}); the cluster was not touched. Run `mcctl plan` to see the changes.",
                imported.address, imported.address.cluster
            );
        }
        None => text.push_str("\nNothing was written (`--dry-run`).\n"),
    }
    context.printer.out(&text);
    Ok(ExitCode::SUCCESS)
}
