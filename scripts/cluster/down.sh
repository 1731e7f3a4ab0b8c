#!/usr/bin/env bash
# Tear down what kind-up.sh / minikube-up.sh made. Safe to re-run: missing things are skipped.
#
#   scripts/cluster/down.sh kind        delete the kind cluster CLUSTER_NAME (default: corral)
#   scripts/cluster/down.sh minikube    delete the minikube profile MINIKUBE_PROFILE (default: corral)
#   scripts/cluster/down.sh manifests   keep the cluster; delete Corral's namespace and objects
#                                       from KUBE_CONTEXT (default: the current context). Leaves
#                                       agent-sandbox and the RuntimeClass installed.
# With no argument: kind if a kind cluster CLUSTER_NAME exists, else minikube if the profile exists.
set -euo pipefail

# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_NAME="${CLUSTER_NAME:-corral}"
MINIKUBE_PROFILE="${MINIKUBE_PROFILE:-corral}"

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

kind_cluster_exists() {
  command -v kind >/dev/null 2>&1 && kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"
}

minikube_profile_exists() {
  command -v minikube >/dev/null 2>&1 &&
    minikube profile list -o json 2>/dev/null | grep -Eq "\"Name\": ?\"$MINIKUBE_PROFILE\""
}

down_kind() {
  require_tool kind "Install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
  if kind_cluster_exists; then
    log "deleting kind cluster $CLUSTER_NAME"
    kind delete cluster --name "$CLUSTER_NAME"
  else
    log "no kind cluster named $CLUSTER_NAME; nothing to do"
  fi
}

down_minikube() {
  require_tool minikube "Install minikube: https://minikube.sigs.k8s.io/docs/start/"
  if minikube_profile_exists; then
    log "deleting minikube profile $MINIKUBE_PROFILE"
    minikube delete -p "$MINIKUBE_PROFILE"
  else
    log "no minikube profile named $MINIKUBE_PROFILE; nothing to do"
  fi
}

down_manifests() {
  require_tool kubectl "Install kubectl: https://kubernetes.io/docs/tasks/tools/"
  KUBE_CONTEXT="${KUBE_CONTEXT:-$(kubectl config current-context)}"
  check_api_version
  log "deleting Corral's objects from context $KUBE_CONTEXT"
  # Claims first, so their Sandboxes and pods go through the normal owner-reference cleanup;
  # then the manifests (deleting the namespace removes anything left in it).
  if kc get namespace "$CORRAL_NAMESPACE" >/dev/null 2>&1; then
    kc -n "$CORRAL_NAMESPACE" delete sandboxclaims.extensions.agents.x-k8s.io --all \
      --ignore-not-found --wait=true || warn "could not delete claims; continuing"
  fi
  kc delete -k "$REPO_ROOT/deploy/$CORRAL_API_VERSION" --ignore-not-found --wait=true
}

case "${1:-}" in
  kind) down_kind ;;
  minikube) down_minikube ;;
  manifests) down_manifests ;;
  '')
    if kind_cluster_exists; then
      down_kind
    elif minikube_profile_exists; then
      down_minikube
    else
      log "no kind cluster $CLUSTER_NAME and no minikube profile $MINIKUBE_PROFILE; nothing to do"
    fi
    ;;
  -h | --help) usage ;;
  *) usage ;;
esac
