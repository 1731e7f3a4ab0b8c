#!/usr/bin/env bash
# Start (or reuse) a minikube cluster with containerd and the gvisor addon, install agent-sandbox
# (core + extensions) and apply Corral's runner manifests. Safe to re-run.
#
# Environment:
#   MINIKUBE_PROFILE       minikube profile, also the kubectl context (default: corral)
#   MINIKUBE_DRIVER        optional driver (docker, kvm2, qemu, hyperkit, ...); default: minikube's choice
#   AGENT_SANDBOX_VERSION  agent-sandbox release tag (default: v0.5.6)
#   CORRAL_API_VERSION     deploy/<version> to apply: v1beta1 (default) or v1alpha1
#   CORRAL_GVISOR          1 (default) = gvisor addon + runner pods on gVisor; 0 = plain runc
#   CORRAL_RUNNER_IMAGE    optional image with the runner inside, instead of node:22-slim + the runner ConfigMap; a local
#                          Docker image is copied in with `minikube image load`
set -euo pipefail

# shellcheck source=scripts/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MINIKUBE_PROFILE="${MINIKUBE_PROFILE:-corral}"
MINIKUBE_DRIVER="${MINIKUBE_DRIVER:-}"
CORRAL_GVISOR="${CORRAL_GVISOR:-1}"
KUBE_CONTEXT="$MINIKUBE_PROFILE"

require_tool minikube "Install minikube: https://minikube.sigs.k8s.io/docs/start/"
require_tool kubectl "Install kubectl: https://kubernetes.io/docs/tasks/tools/"
if [[ "$MINIKUBE_DRIVER" == docker || -n "${CORRAL_RUNNER_IMAGE:-}" ]]; then
  require_docker_daemon
fi
check_api_version
case "$CORRAL_GVISOR" in
  0 | 1) ;;
  *) die "CORRAL_GVISOR must be 0 or 1 (got '$CORRAL_GVISOR')." ;;
esac

profile_running() {
  minikube status -p "$MINIKUBE_PROFILE" --format '{{.APIServer}}' 2>/dev/null | grep -qx Running
}

if profile_running; then
  log "minikube profile $MINIKUBE_PROFILE is running; reusing it"
else
  args=(start -p "$MINIKUBE_PROFILE" --container-runtime=containerd)
  if [[ -n "$MINIKUBE_DRIVER" ]]; then
    args+=(--driver="$MINIKUBE_DRIVER")
  fi
  if [[ "$CORRAL_GVISOR" == 1 ]]; then
    args+=(--addons=gvisor)
  fi
  log "starting minikube profile $MINIKUBE_PROFILE"
  minikube "${args[@]}"
fi
kc cluster-info >/dev/null || die "cannot reach cluster context $KUBE_CONTEXT."
# An existing profile keeps the runtime it was created with, whatever flags start was given.
runtime="$(kc get nodes -o jsonpath='{.items[0].status.nodeInfo.containerRuntimeVersion}')"
if [[ "$CORRAL_GVISOR" == 1 && "$runtime" != containerd://* ]]; then
  die "profile $MINIKUBE_PROFILE runs '$runtime'; the gvisor addon needs containerd. Delete it (scripts/cluster/down.sh minikube), pick another MINIKUBE_PROFILE, or use CORRAL_GVISOR=0."
fi

if [[ "$CORRAL_GVISOR" == 1 ]]; then
  # Enabling twice is a no-op; this covers a profile that was started without the addon.
  minikube addons enable gvisor -p "$MINIKUBE_PROFILE"
  log "waiting for the gvisor addon (it installs runsc on the node and restarts containerd)"
  # `kubectl wait -l` fails when nothing matches yet, so first wait for the addon pod to exist.
  for _ in $(seq 1 60); do
    if [[ -n "$(kc -n kube-system get pod -l kubernetes.io/minikube-addons=gvisor -o name 2>/dev/null)" ]]; then
      break
    fi
    sleep 2
  done
  kc -n kube-system wait pod -l kubernetes.io/minikube-addons=gvisor \
    --for=condition=Ready --timeout=300s >/dev/null ||
    die "the gvisor addon pod (kube-system, label kubernetes.io/minikube-addons=gvisor) did not become Ready; see docs/deploy.md."
  handler="$(kc get runtimeclass gvisor -o jsonpath='{.handler}' 2>/dev/null || true)"
  if [[ -z "$handler" ]]; then
    log "the addon created no RuntimeClass gvisor; applying ours"
    kc apply -f "$REPO_ROOT/deploy/$CORRAL_API_VERSION/runtimeclass-gvisor.yaml"
  elif [[ "$handler" != runsc ]]; then
    warn "RuntimeClass gvisor has handler '$handler' (expected runsc); leaving it as is."
  fi
fi

install_agent_sandbox

if [[ -n "${CORRAL_RUNNER_IMAGE:-}" ]]; then
  if docker image inspect "$CORRAL_RUNNER_IMAGE" >/dev/null 2>&1; then
    log "loading $CORRAL_RUNNER_IMAGE into minikube"
    minikube image load "$CORRAL_RUNNER_IMAGE" -p "$MINIKUBE_PROFILE"
  else
    warn "$CORRAL_RUNNER_IMAGE is not a local Docker image; the node will pull it from its registry."
  fi
fi

apply_corral "$CORRAL_GVISOR"
print_next_steps
