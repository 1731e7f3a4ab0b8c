#!/usr/bin/env bash
# Create (or reuse) a kind cluster with gVisor, install agent-sandbox (core + extensions) and
# apply Corral's runner manifests. Safe to re-run: each step checks what is already there.
#
# Environment:
#   CLUSTER_NAME           kind cluster name (default: corral)
#   AGENT_SANDBOX_VERSION  agent-sandbox release tag (default: v0.5.6)
#   CORRAL_API_VERSION     deploy/<version> to apply: v1beta1 (default) or v1alpha1
#   CORRAL_GVISOR          1 (default) = runner pods on gVisor; 0 = plain runc, no runsc needed
#   RUNSC_DIR              host directory with runsc and containerd-shim-runsc-v1 (default: /usr/local/bin)
#   CORRAL_RUNNER_IMAGE    optional image with the runner inside, instead of node:22-slim + the runner ConfigMap; a local
#                          Docker image is loaded into the cluster with `kind load docker-image`
#   KIND_NODE_IMAGE        optional kindest/node image (default: kind's own default)
set -euo pipefail

# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_NAME="${CLUSTER_NAME:-corral}"
CORRAL_GVISOR="${CORRAL_GVISOR:-1}"
RUNSC_DIR="${RUNSC_DIR:-/usr/local/bin}"
KUBE_CONTEXT="kind-${CLUSTER_NAME}"

require_tool kind "Install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
require_tool kubectl "Install kubectl: https://kubernetes.io/docs/tasks/tools/"
require_docker_daemon
check_api_version
case "$CORRAL_GVISOR" in
  0 | 1) ;;
  *) die "CORRAL_GVISOR must be 0 or 1 (got '$CORRAL_GVISOR')." ;;
esac

if [[ "$CORRAL_GVISOR" == 1 ]]; then
  [[ "$(uname -s)" == Linux ]] ||
    die "gVisor on kind needs a Linux host (runsc is bind-mounted from the host into the node). Use CORRAL_GVISOR=0 or minikube-up.sh."
  for bin in runsc containerd-shim-runsc-v1; do
    [[ -x "$RUNSC_DIR/$bin" ]] || die "$RUNSC_DIR/$bin not found. Install gVisor on this host
(https://gvisor.dev/docs/user_guide/install/, binaries runsc and containerd-shim-runsc-v1 into
$RUNSC_DIR), set RUNSC_DIR to where they are, or run with CORRAL_GVISOR=0."
  done
fi

cluster_exists() {
  kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"
}

create_cluster() {
  local config
  config="$(mktemp)"
  # The runsc binaries are bind-mounted read-only from the host into the node.
  {
    echo 'kind: Cluster'
    echo 'apiVersion: kind.x-k8s.io/v1alpha4'
    echo 'nodes:'
    echo '  - role: control-plane'
    if [[ "$CORRAL_GVISOR" == 1 ]]; then
      echo '    extraMounts:'
      echo "      - hostPath: $RUNSC_DIR/runsc"
      echo '        containerPath: /usr/local/bin/runsc'
      echo '        readOnly: true'
      echo "      - hostPath: $RUNSC_DIR/containerd-shim-runsc-v1"
      echo '        containerPath: /usr/local/bin/containerd-shim-runsc-v1'
      echo '        readOnly: true'
    fi
  } >"$config"
  local args=(create cluster --name "$CLUSTER_NAME" --config "$config" --wait 120s)
  if [[ -n "${KIND_NODE_IMAGE:-}" ]]; then
    args+=(--image "$KIND_NODE_IMAGE")
  fi
  log "creating kind cluster $CLUSTER_NAME"
  kind "${args[@]}"
  rm -f "$config"
}

# Register the runsc runtime with each node's containerd. The section is appended to kind's own
# config (not a replacement, which would drop kind's registry and snapshotter settings), using
# the CRI plugin path of the config schema the node runs (version 3 = containerd 2.x).
configure_containerd_runsc() {
  local node conf version section
  for node in $(kind get nodes --name "$CLUSTER_NAME"); do
    docker exec "$node" test -x /usr/local/bin/runsc ||
      die "$node has no /usr/local/bin/runsc: the cluster was created without gVisor mounts. Delete it (scripts/cluster/down.sh kind) and re-run."
    conf="$(docker exec "$node" cat /etc/containerd/config.toml)"
    if grep -q 'runtimes.runsc\]' <<<"$conf"; then
      log "$node: containerd already knows runsc"
      continue
    fi
    version="$(sed -n 's/^version *= *\([0-9]\).*/\1/p' <<<"$conf" | head -n1)"
    if [[ "$version" == 3 ]]; then
      section='plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runsc'
    else
      section='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc'
    fi
    log "$node: registering runsc with containerd (config version ${version:-2})"
    printf '\n[%s]\n  runtime_type = "io.containerd.runsc.v1"\n' "$section" |
      docker exec -i "$node" sh -c 'cat >> /etc/containerd/config.toml'
    docker exec "$node" systemctl restart containerd
  done
  kc wait --for=condition=Ready nodes --all --timeout=180s >/dev/null
}

if cluster_exists; then
  log "kind cluster $CLUSTER_NAME already exists; reusing it"
else
  create_cluster
fi
kc cluster-info >/dev/null || die "cannot reach cluster context $KUBE_CONTEXT."

if [[ "$CORRAL_GVISOR" == 1 ]]; then
  configure_containerd_runsc
  log "applying RuntimeClass gvisor (handler runsc)"
  kc apply -f "$REPO_ROOT/deploy/$CORRAL_API_VERSION/runtimeclass-gvisor.yaml"
fi

install_agent_sandbox

if [[ -n "${CORRAL_RUNNER_IMAGE:-}" ]]; then
  if docker image inspect "$CORRAL_RUNNER_IMAGE" >/dev/null 2>&1; then
    log "loading $CORRAL_RUNNER_IMAGE into kind"
    kind load docker-image "$CORRAL_RUNNER_IMAGE" --name "$CLUSTER_NAME"
  else
    warn "$CORRAL_RUNNER_IMAGE is not a local Docker image; the nodes will pull it from its registry."
  fi
fi

apply_corral "$CORRAL_GVISOR"
print_next_steps
