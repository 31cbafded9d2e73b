#!/usr/bin/env bash
# Creates three local kind clusters (if missing), then plans and applies this workspace to them.
# Run from anywhere: paths are taken relative to this script. `down.sh` deletes the clusters.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
kubeconfig="$here/kubeconfig"
clusters=(mcctl-eu-1 mcctl-eu-2 mcctl-us-1)

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "error: \`$1\` is not installed; install it from $2" >&2
        exit 1
    fi
}
need docker "https://docs.docker.com/get-docker/"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need cargo "https://rustup.rs/"
if ! docker info >/dev/null 2>&1; then
    echo "error: docker is installed but not running (or this user cannot reach it)" >&2
    exit 1
fi

# kind names the context of cluster `mcctl-eu-1` `kind-mcctl-eu-1`; main.hcl uses those names.
# Labels live in the workspace (main.hcl), so nothing is labelled on the clusters.
existing="$(kind get clusters 2>/dev/null || true)"
for name in "${clusters[@]}"; do
    if grep -qx "$name" <<<"$existing"; then
        echo "kind cluster $name exists; writing its context to $kubeconfig"
        kind export kubeconfig --name "$name" --kubeconfig "$kubeconfig"
    else
        kind create cluster --name "$name" --kubeconfig "$kubeconfig" --wait 120s
    fi
done

cd "$repo"
cargo run --release -- -C examples/kind plan
cargo run --release -- -C examples/kind apply --auto-approve

for name in "${clusters[@]}"; do
    echo
    echo "== kind-$name"
    kubectl --kubeconfig "$kubeconfig" --context "kind-$name" get deploy -A
done
