//! Apply progress: a bar per wave on a terminal, plain lines otherwise (logs, CI, tests).
//!
//! The bar goes to stderr and only when stderr is a terminal, so piped and captured output
//! stays the line-per-change log it always was.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::addr::ClusterName;
use crate::apply::{Event, Observer};
use crate::cli::output::Printer;
use crate::plan::Action;

/// The observer for an apply: bars on a terminal, lines otherwise.
pub(crate) fn observer(printer: Printer) -> Arc<dyn Observer> {
    if std::io::stderr().is_terminal() {
        Arc::new(Bars {
            current: Mutex::new(None),
        })
    } else {
        Arc::new(Lines {
            printer,
            last_batch: Mutex::new(None),
        })
    }
}

fn heading(wave: Option<usize>) -> String {
    wave.map_or_else(|| "Deletions".to_owned(), |wave| format!("Wave {wave}"))
}

/// One bar per wave; failures and objects left in place are printed above it.
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn with_bar(&self, action: impl FnOnce(&ProgressBar)) {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bar) = current.as_ref() {
            action(bar);
        }
    }
}

impl Observer for Bars {
    fn event(&self, event: Event) {
        match event {
            Event::WaveStarted { wave, changes } => {
                let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(done) = current.take() {
                    done.finish();
                }
                let bar = ProgressBar::with_draw_target(
                    Some(u64::try_from(changes).unwrap_or(u64::MAX)),
                    ProgressDrawTarget::stderr(),
                );
                // The template is a constant, so it always parses; fall back to the default look.
                if let Ok(style) = ProgressStyle::with_template(
                    "{prefix:>10} [{bar:30}] {pos}/{len} {elapsed} {wide_msg}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_prefix(heading(wave));
                *current = Some(bar);
            }
            Event::BatchStarted {
                batch, clusters, ..
            } => {
                let names: Vec<String> = clusters.iter().map(ClusterName::to_string).collect();
                self.with_bar(|bar| {
                    bar.set_message(format!("batch {batch}: {}", names.join(", ")));
                });
            }
            Event::Changed {
                cluster,
                object,
                action,
                error,
            } => self.with_bar(|bar| {
                if let Some(error) = error {
                    bar.println(format!("  {cluster}: {object}: failed: {error}"));
                }
                if action != Action::NoOp {
                    bar.inc(1);
                }
            }),
            Event::Waiting {
                cluster,
                object,
                status,
            } => self.with_bar(|bar| {
                bar.set_message(format!("{cluster}: {object}: waiting ({status})"));
            }),
            Event::LeftInPlace {
                cluster,
                object,
                reason,
            } => self.with_bar(|bar| {
                bar.println(format!("  {cluster}: {object}: left in place ({reason})"));
                bar.inc(1);
            }),
            Event::StateWritten { .. } => {}
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        let current = self
            .current
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(bar) = current.take() {
            bar.finish();
        }
    }
}

/// Prints apply events as lines (today's output, and what logs and tests see).
struct Lines {
    printer: Printer,
    last_batch: Mutex<Option<(Option<usize>, usize)>>,
}

impl Observer for Lines {
    fn event(&self, event: Event) {
        match event {
            Event::BatchStarted {
                wave,
                batch,
                clusters,
            } => {
                let mut last = self
                    .last_batch
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                *last = Some((wave, batch));
                let names: Vec<String> = clusters.iter().map(ClusterName::to_string).collect();
                self.printer.out(&format!(
                    "{}, batch {batch}: {}\n",
                    heading(wave),
                    names.join(", ")
                ));
            }
            Event::Changed {
                cluster,
                object,
                action,
                error,
            } => {
                let done = match action {
                    Action::Create => "created",
                    Action::Update => "updated",
                    Action::Replace => "replaced",
                    Action::Delete => "deleted",
                    Action::NoOp => "unchanged",
                };
                match error {
                    None => self
                        .printer
                        .out(&format!("  {cluster}: {object}: {done}\n")),
                    Some(error) => self
                        .printer
                        .out(&format!("  {cluster}: {object}: failed: {error}\n")),
                }
            }
            Event::Waiting {
                cluster,
                object,
                status,
            } => self
                .printer
                .out(&format!("  {cluster}: {object}: waiting ({status})\n")),
            Event::LeftInPlace {
                cluster,
                object,
                reason,
            } => self.printer.out(&format!(
                "  {cluster}: {object}: left in place ({reason})\n"
            )),
            Event::StateWritten { .. } | Event::WaveStarted { .. } => {}
        }
    }
}
