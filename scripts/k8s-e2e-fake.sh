#!/usr/bin/env bash
# K8S_E2E=fake: the real-cluster end-to-end suite, with the commands docs/deploy.md gives for kind,
# against the playground fake cluster in its own process. Only the cluster differs.
#   bash scripts/k8s-e2e-fake.sh [vitest args]
set -euo pipefail
cd "$(dirname "$0")/.."
namespace=corral-sandboxes
work=$(mktemp -d)
export KUBECONFIG="$work/kubeconfig"
node packages/testing/bin/corral-fake-cluster.js --kubeconfig "$KUBECONFIG" >"$work/cluster.log" 2>&1 &
cluster=$!
cleanup() {
  kill "$cluster" 2>/dev/null || true
  wait "$cluster" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Wait for the "fake cluster at" line (the kubeconfig is written before it).
if ! timeout 60 grep -q -m1 '^fake cluster at' <(tail -F "$work/cluster.log" 2>/dev/null); then
  cat "$work/cluster.log" >&2
  echo "the fake cluster did not start; see above" >&2
  exit 1
fi
# As on kind (docs/deploy.md):
kubectl apply -k deploy/v1beta1 >/dev/null
kubectl -n "$namespace" wait --for=jsonpath='{.status.readyReplicas}'=2 \
  sandboxwarmpool/corral-runner --timeout=120s >/dev/null
K8S_E2E=fake K8S_E2E_NAMESPACE="$namespace" npx vitest run packages/sdk/test/kubernetes/e2e- "$@"
