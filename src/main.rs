//! The `mcctl` binary: everything happens in [`mcctl::cli::run`].

/// A plan allocates millions of small values (one tree of maps and strings per rendered object)
/// from several threads at once; glibc's allocator spends a third of a large plan growing and
/// protecting per-thread heaps, mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mcctl::cli::run()
}
