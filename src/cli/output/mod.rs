//! All terminal output: stdout for plans, JSON and apply progress (as Terraform prints them),
//! stderr for diagnostics and errors.
//! Colors follow `--no-color`, `NO_COLOR` and whether the stream is a terminal.
pub mod diagnostics;
pub mod drift;
pub mod explain;
pub mod graph;
pub mod plan;
pub mod state;
pub mod state_records;

use std::io::{IsTerminal, Write};

use anstream::ColorChoice;

/// Where output goes, and whether it is colored.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    color: bool,
}

impl Printer {
    /// A printer; `no_color` forces plain text.
    #[must_use]
    pub fn new(no_color: bool) -> Self {
        let choice = if no_color {
            ColorChoice::Never
        } else {
            ColorChoice::Auto
        };
        choice.write_global();
        let color =
            !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
        Self { color }
    }

    /// Whether diagnostics get colors.
    #[must_use]
    pub fn color(self) -> bool {
        self.color
    }

    /// Whether stdout takes colors (a terminal, and neither `--no-color` nor `NO_COLOR`).
    #[must_use]
    pub fn stdout_color(self) -> bool {
        anstream::AutoStream::choice(&std::io::stdout()) != ColorChoice::Never
    }

    /// Writes data to stdout.
    pub fn out(self, text: &str) {
        // Text without escape codes skips anstream's stripping pass: a large plan's text is
        // tens of megabytes.
        if text.as_bytes().contains(&0x1b) {
            let mut stdout = anstream::stdout();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        } else {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }

    /// Writes a line to stderr.
    pub fn err(self, text: &str) {
        let mut stderr = anstream::stderr();
        let _ = writeln!(stderr, "{text}");
    }
}
