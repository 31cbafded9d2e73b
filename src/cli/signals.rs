//! Ctrl-C (SIGINT) and SIGTERM during apply: the first asks the rollout to stop after the
//! writes in flight, so the state is saved and the locks released; the second exits at once.
//! Exiting at once is safe: every write is atomic and the state is journaled per batch, so a
//! rerun sees what happened and continues.

use tokio::task::JoinHandle;

use crate::apply::Stop;
use crate::cli::output::Printer;

/// Exit code after a second interrupt, as a shell reports a process ended by SIGINT.
const INTERRUPTED: i32 = 130;

/// Starts watching for interrupts; abort the handle once apply returns. Registration happens
/// before this returns, so an interrupt is never missed between the two.
pub(crate) fn install(stop: Stop, printer: Printer) -> JoinHandle<()> {
    match Interrupts::register() {
        Ok(mut interrupts) => tokio::spawn(async move {
            interrupts.next().await;
            stop.request();
            printer.err("\ninterrupted: finishing the writes in flight, then saving the state and releasing the locks; press Ctrl-C again to exit at once");
            interrupts.next().await;
            printer.err("\ninterrupted again: exiting now; the state holds every finished batch, run the command again to continue");
            std::process::exit(INTERRUPTED);
        }),
        Err(error) => {
            printer.err(&format!("warning: cannot watch for Ctrl-C ({error}); an interrupt ends apply at once, and the next run continues from the last finished batch"));
            tokio::spawn(async {})
        }
    }
}

/// SIGINT and SIGTERM as one stream.
#[cfg(unix)]
struct Interrupts {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Interrupts {
    fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Ctrl-C only, where there are no Unix signals.
#[cfg(not(unix))]
struct Interrupts;

#[cfg(not(unix))]
impl Interrupts {
    fn register() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
