/**
 * Lifetime and creator of local sandboxes. A local sandbox gets the same safety net as a
 * Kubernetes claim's `lifecycle.shutdownTime`: one hour unless the caller says otherwise, so a
 * forgotten `corral sandbox create` does not hold memory and a uid forever.
 */
import { InvalidArgumentError } from '../errors.js';

/** Default upper bound on a local sandbox's life (the Kubernetes provider's default too). */
export const DEFAULT_LOCAL_MAX_LIFETIME_MS = 3_600_000;

/** setTimeout's largest delay; longer lifetimes are reached by re-arming. */
export const MAX_TIMER_MS = 2_147_483_647;

export function checkMaxLifetime(value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `maxLifetimeMs must be a positive number of milliseconds, got ${String(value)}.`,
    );
  }
}

/**
 * Sets `expiresAt` on the record and arms a timer that calls `expire` then. A delay over
 * setTimeout's 2^31-1 ms would fire at once, so a long lifetime is waited for in steps.
 */
export function armLifetimeTimer(
  live: { record: { expiresAt?: string }; lifetimeTimer?: NodeJS.Timeout },
  maxLifetimeMs: number,
  expire: () => void,
): void {
  checkMaxLifetime(maxLifetimeMs);
  const expiresAt = Date.now() + maxLifetimeMs;
  live.record.expiresAt = new Date(expiresAt).toISOString();
  const arm = (): void => {
    const leftMs = expiresAt - Date.now();
    live.lifetimeTimer = setTimeout(
      () => (leftMs > MAX_TIMER_MS ? arm() : expire()),
      Math.min(Math.max(leftMs, 0), MAX_TIMER_MS),
    );
    live.lifetimeTimer.unref();
  };
  arm();
}

/**
 * The uid of the person behind this process: `SUDO_UID` when root runs Corral through sudo
 * (root's sandboxes share `/var/lib/corral`, so `rm --all` must know whose is whose), else the
 * process uid. A convenience, not a boundary: root may remove any sandbox with `--all-users`.
 */
export function callerUid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const uid = process.getuid?.();
  if (uid === 0 && env.SUDO_UID !== undefined && /^\d+$/.test(env.SUDO_UID)) {
    return Number(env.SUDO_UID);
  }
  return uid;
}
