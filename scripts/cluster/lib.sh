# shellcheck shell=bash
# Shared helpers for kind-up.sh, minikube-up.sh and down.sh. Sourced, never run.
# Every kubectl call goes through `kc`, which pins the context chosen by the caller (KUBE_CONTEXT),
# so these scripts never act on whatever cluster the user's current context happens to point at.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
AGENT_SANDBOX_VERSION="${AGENT_SANDBOX_VERSION:-v0.5.6}"
AGENT_SANDBOX_NAMESPACE="agent-sandbox-system"
CORRAL_NAMESPACE="corral-sandboxes"
CORRAL_API_VERSION="${CORRAL_API_VERSION:-v1beta1}"
KUBE_CONTEXT="${KUBE_CONTEXT:-}"

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

kc() {
  if [[ -z "$KUBE_CONTEXT" ]]; then
    die "internal: KUBE_CONTEXT is not set"
  fi
  kubectl --context "$KUBE_CONTEXT" "$@"
}

# require_tool <command> <what it is for / where to get it>
require_tool() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed or not on PATH. $2"
}

require_docker_daemon() {
  require_tool docker "Install Docker (https://docs.docker.com/get-docker/)."
  docker info >/dev/null 2>&1 ||
    die "Docker is installed but its daemon is not reachable ('docker info' failed). Start Docker and retry."
}

# version_ge <a> <b>: true when version a >= b (both like v0.5.2; a leading v is optional).
version_ge() {
  local a="${1#v}" b="${2#v}"
  a="${a%%-*}"
  b="${b%%-*}"
  [[ "$(printf '%s\n%s\n' "$a" "$b" | sort -V | head -n1)" == "$b" ]]
}

check_api_version() {
  case "$CORRAL_API_VERSION" in
    v1beta1 | v1alpha1) ;;
    *) die "CORRAL_API_VERSION must be v1beta1 or v1alpha1 (got '$CORRAL_API_VERSION')." ;;
  esac
  if [[ "$CORRAL_API_VERSION" == v1beta1 ]] && ! version_ge "$AGENT_SANDBOX_VERSION" v0.5.0; then
    die "agent-sandbox $AGENT_SANDBOX_VERSION serves only v1alpha1; set CORRAL_API_VERSION=v1alpha1 or AGENT_SANDBOX_VERSION>=v0.5.0."
  fi
  if [[ "$CORRAL_API_VERSION" == v1alpha1 ]] && version_ge "$AGENT_SANDBOX_VERSION" v1.0.0; then
    die "agent-sandbox $AGENT_SANDBOX_VERSION no longer serves v1alpha1; use CORRAL_API_VERSION=v1beta1."
  fi
}

# Release assets were renamed in v0.5.2: the core manifest is sandbox.yaml (manifest.yaml before).
agent_sandbox_core_asset() {
  if version_ge "$AGENT_SANDBOX_VERSION" v0.5.2; then
    echo sandbox.yaml
  else
    echo manifest.yaml
  fi
}

# The controller has been a Deployment in recent releases and a StatefulSet in early ones.
agent_sandbox_controller_ref() {
  local kind
  for kind in deployment statefulset; do
    if kc -n "$AGENT_SANDBOX_NAMESPACE" get "$kind/agent-sandbox-controller" >/dev/null 2>&1; then
      echo "$kind/agent-sandbox-controller"
      return 0
    fi
  done
  die "no agent-sandbox-controller Deployment or StatefulSet in $AGENT_SANDBOX_NAMESPACE after install."
}

# The claim, template and warm-pool reconcilers only run with --extensions. extensions.yaml
# normally ships a controller that sets it; make sure, since an older or hand-edited install may not.
ensure_extensions_flag() {
  local ref args patch
  ref="$(agent_sandbox_controller_ref)"
  args="$(kc -n "$AGENT_SANDBOX_NAMESPACE" get "$ref" -o jsonpath='{.spec.template.spec.containers[0].args}')"
  if grep -Eq '"--extensions(=true)?"' <<<"$args"; then
    log "controller already runs with --extensions"
    return 0
  fi
  if grep -q '"--extensions=false"' <<<"$args"; then
    die "$ref has --extensions=false; remove it (kubectl -n $AGENT_SANDBOX_NAMESPACE edit $ref) and retry."
  fi
  log "adding --extensions to $ref"
  if [[ -z "$args" ]]; then
    patch='[{"op":"add","path":"/spec/template/spec/containers/0/args","value":["--extensions"]}]'
  else
    patch='[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--extensions"}]'
  fi
  kc -n "$AGENT_SANDBOX_NAMESPACE" patch "$ref" --type=json -p "$patch" >/dev/null
}

install_agent_sandbox() {
  local base core
  base="https://github.com/kubernetes-sigs/agent-sandbox/releases/download/${AGENT_SANDBOX_VERSION}"
  core="$(agent_sandbox_core_asset)"
  log "installing agent-sandbox $AGENT_SANDBOX_VERSION ($core + extensions.yaml)"
  # Server-side apply: the CRDs embed the full PodSpec schema twice and are too large for the
  # last-applied annotation of client-side apply; --force-conflicts keeps re-runs idempotent.
  kc apply --server-side --force-conflicts -f "$base/$core" >/dev/null
  kc apply --server-side --force-conflicts -f "$base/extensions.yaml" >/dev/null
  kc wait --for=condition=Established --timeout=120s \
    crd/sandboxes.agents.x-k8s.io \
    crd/sandboxtemplates.extensions.agents.x-k8s.io \
    crd/sandboxclaims.extensions.agents.x-k8s.io \
    crd/sandboxwarmpools.extensions.agents.x-k8s.io >/dev/null
  ensure_extensions_flag
  log "waiting for the agent-sandbox controller"
  kc -n "$AGENT_SANDBOX_NAMESPACE" rollout status "$(agent_sandbox_controller_ref)" --timeout=300s
}

# apply_corral <with gVisor: 0|1>
apply_corral() {
  local dir="$REPO_ROOT/deploy/$CORRAL_API_VERSION"
  if [[ "$1" == 1 ]]; then
    dir="$REPO_ROOT/deploy/gvisor/$CORRAL_API_VERSION"
  fi
  log "applying ${dir#"$REPO_ROOT"/}"
  # Retried a few times: right after the CRDs are installed, discovery can still miss the new
  # kinds ("no matches for kind") and the conversion webhook may not have its certificate yet.
  local attempt
  for attempt in 1 2 3 4 5 6; do
    if kc apply -k "$dir"; then
      break
    fi
    if [[ "$attempt" == 6 ]]; then
      die "kubectl apply -k $dir kept failing; see the errors above and docs/deploy.md (Troubleshooting)."
    fi
    warn "apply failed (attempt $attempt); retrying in 10s"
    sleep 10
  done
  if [[ -n "${CORRAL_RUNNER_IMAGE:-}" ]]; then
    # Your image runs its own runner (its ENTRYPOINT): drop the command and the ConfigMap mount
    # that would run (and shadow) the bundled one.
    log "using runner image $CORRAL_RUNNER_IMAGE"
    kc -n "$CORRAL_NAMESPACE" patch sandboxtemplates.extensions.agents.x-k8s.io corral-runner \
      --type=json \
      -p "[{\"op\":\"replace\",\"path\":\"/spec/podTemplate/spec/containers/0/image\",\"value\":\"$CORRAL_RUNNER_IMAGE\"},{\"op\":\"remove\",\"path\":\"/spec/podTemplate/spec/containers/0/command\"},{\"op\":\"remove\",\"path\":\"/spec/podTemplate/spec/containers/0/volumeMounts/0\"}]" \
      >/dev/null
  fi
}

print_next_steps() {
  local claim
  if [[ "$CORRAL_API_VERSION" == v1beta1 ]]; then
    claim='spec: {warmPoolRef: {name: corral-runner}}'
  else
    claim='spec: {sandboxTemplateRef: {name: corral-runner}, warmpool: corral-runner}'
  fi
  cat <<EOF

Corral's runner manifests are applied (context: $KUBE_CONTEXT, namespace: $CORRAL_NAMESPACE).

Next steps:
  kubectl --context $KUBE_CONTEXT -n $CORRAL_NAMESPACE get sandboxwarmpools,sandboxes,pods

  The warm pool fills once the nodes have pulled node:22-slim (the runner itself comes from the
  ConfigMap corral-runner-<hash>); to use an image with the runner inside instead, re-run with
  CORRAL_RUNNER_IMAGE=<image> (see docs/deploy.md).

  Claim a runner by hand, look at it, and delete it:
    kubectl --context $KUBE_CONTEXT -n $CORRAL_NAMESPACE create -f - <<'YAML'
    apiVersion: extensions.agents.x-k8s.io/$CORRAL_API_VERSION
    kind: SandboxClaim
    metadata: {generateName: corral-try-, labels: {app.kubernetes.io/name: corral-try}}
    $claim
    YAML
    kubectl --context $KUBE_CONTEXT -n $CORRAL_NAMESPACE get sandboxclaims
    kubectl --context $KUBE_CONTEXT -n $CORRAL_NAMESPACE delete sandboxclaims -l app.kubernetes.io/name=corral-try

  Tear everything down: scripts/cluster/down.sh
EOF
}
