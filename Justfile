# Recipes for people who have `just`; CI (.ci/run) runs the same cargo commands directly.

default:
    @just --list --unsorted

# everything CI runs
ci: fmt-check lint test forbid

# check formatting
fmt-check:
    cargo fmt --all -- --check

# clippy with warnings as errors
lint:
    cargo clippy --all-targets --locked -- -D warnings

# the whole test suite
test:
    cargo test --locked

# review changed insta snapshots (needs cargo-insta)
snap:
    cargo insta test --review

# run the quickstart example against its directory clusters
quickstart:
    cargo run -- -C examples/quickstart apply --auto-approve

# opt-in live tests against the kind clusters of examples/kind/up.sh (docs/live-clusters.md)
e2e:
    MCCTL_E2E_KUBECONFIG="${MCCTL_E2E_KUBECONFIG:-examples/kind/kubeconfig}" cargo test --test e2e -- --ignored

# no debugging leftovers in the code
forbid:
    ! grep -rnE 'dbg!|todo!|unimplemented!|FIXME' src tests
