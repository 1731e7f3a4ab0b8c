#!/usr/bin/env bash
# The non-root path (docs/decisions/0030): the local-provider, runner and CLI tests again, as an
# unprivileged user. Most users run Corral that way: bubblewrap with user namespaces, no uid
# switching, cgroups delegated or absent. Run as root (it creates the user); the clone stays
# root-owned and untouched: the user gets its own HOME, TMPDIR and state dir, Vite loads the config
# without writing beside it (--configLoader runner) and Vitest keeps no results cache (--no-cache).
set -euo pipefail
cd "$(dirname "$0")/.."

user=${CORRAL_CI_USER:-corral-ci}
if [ "$(id -u)" != 0 ]; then
  echo "non-root step skipped: this shell is already uid $(id -u), so the main suite ran unprivileged"
  exit 0
fi
started=$(date +%s%N)
id -u "$user" >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin "$user"
as_user() { runuser -u "$user" -- "$@"; }
if ! as_user test -r package.json; then
  echo "non-root step: $user cannot read $(pwd); the clone and its parent directories must be world-readable (o+rX)" >&2
  exit 1
fi

# Artifacts the tests execute (runner bundle, built CLI) are made as root, so the user only reads.
node --conditions=@corral/source --import tsx --input-type=module \
  -e "await (await import('./scripts/vitest-global-setup.ts')).default()"

base=$(as_user mktemp -d /tmp/corral-nonroot-XXXXXX)
trap 'rm -rf "$base"' EXIT
as_user mkdir "$base/home" "$base/tmp" "$base/state"
# only the PATH entries the user can search (root's ~/.cargo/bin etc. turn ENOENT into EACCES)
path=
IFS=: read -r -a entries <<<"$PATH"
for dir in "${entries[@]}"; do
  if [ -n "$dir" ] && as_user test -x "$dir"; then path=${path:+$path:}$dir; fi
done

status=0
as_user env -i HOME="$base/home" TMPDIR="$base/tmp" CORRAL_STATE_DIR="$base/state" \
  PATH="$path" LANG=C.UTF-8 ${CI:+CI="$CI"} ${NO_COLOR:+NO_COLOR="$NO_COLOR"} \
  node node_modules/vitest/vitest.mjs run --configLoader runner --no-cache \
  packages/sdk/test/local packages/runner/test packages/cli/test/run.test.ts \
  packages/cli/test/sandbox.test.ts packages/cli/test/task.test.ts packages/cli/test/limits.test.ts \
  packages/cli/test/unit/doctor-local.test.ts || status=$?

# With a delegated cgroup the same user gets its limits: on cgroup v1, root chowns the `corral`
# parent of each controller to it (what `corral doctor` prints), then gives it back to root.
v1=(/sys/fs/cgroup/memory /sys/fs/cgroup/cpu /sys/fs/cgroup/pids)
if [ ! -e /sys/fs/cgroup/cgroup.controllers ] && [ -d "${v1[0]}" ] && [ -d "${v1[1]}" ] && [ -d "${v1[2]}" ]; then
  delegate() { for c in "${v1[@]}"; do chown "$1" "$c/corral" "$c/corral/cgroup.procs" "$c/corral/tasks"; done; }
  for c in "${v1[@]}"; do mkdir -p "$c/corral"; done
  trap 'delegate 0; rm -rf "$base"' EXIT
  delegate "$(id -u "$user")"
  as_user env -i HOME="$base/home" TMPDIR="$base/tmp" CORRAL_STATE_DIR="$base/state" \
    CORRAL_TEST_CGROUPS_DELEGATED=1 PATH="$path" LANG=C.UTF-8 ${CI:+CI="$CI"} ${NO_COLOR:+NO_COLOR="$NO_COLOR"} \
    node node_modules/vitest/vitest.mjs run --configLoader runner --no-cache \
    packages/sdk/test/local/limits.test.ts || status=$?
  delegate 0
else
  echo "delegated cgroup v1 run skipped: this host is not cgroup v1 (the v2 path is unit-tested on a fake tree)"
fi
echo "non-root step: uid $(id -u "$user") ($user), $(((($(date +%s%N) - started) / 1000000))) ms wall"
exit "$status"
