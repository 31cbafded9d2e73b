#!/usr/bin/env bash
# Deletes the three kind clusters that up.sh created, the kubeconfig it wrote and the state of
# this workspace (which describes objects that no longer exist).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v kind >/dev/null 2>&1; then
    echo "error: \`kind\` is not installed; install it from https://kind.sigs.k8s.io/docs/user/quick-start/#installation" >&2
    exit 1
fi

for name in mcctl-eu-1 mcctl-eu-2 mcctl-us-1; do
    kind delete cluster --name "$name" --kubeconfig "$here/kubeconfig"
done
rm -f "$here/kubeconfig"
rm -rf "$here/mcctl.state"
