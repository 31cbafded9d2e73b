//! The `mcctl` binary: everything happens in [`mcctl::cli::run`].

fn main() -> std::process::ExitCode {
    mcctl::cli::run()
}
