/**
 * Whether a pod spec runs the Corral runner one-shot under a `restartPolicy` that restarts it
 * after every task (the API server defaults the field to `Always`), so its pod never finishes
 * and claim TTLs never fire. Used by `corral template apply` and `corral doctor`.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** The container runs Corral's runner (its script, or an image named like it). */
export function runsRunner(container: Obj): boolean {
  const argv = [...strings(container.command), ...strings(container.args)];
  if (argv.some((a) => /(^|\/)runner\.mjs$/.test(a))) return true;
  const image = typeof container.image === 'string' ? container.image.toLowerCase() : '';
  return image.includes('corral') && image.includes('runner');
}

function oneShot(container: Obj): boolean {
  const env = list(container.env).find((e) => e.name === 'CORRAL_RUNNER_MODE');
  const args = strings(container.args);
  const flag = args[args.indexOf('--mode') + 1];
  const mode = args.includes('--mode')
    ? flag
    : typeof env?.value === 'string'
      ? env.value
      : undefined;
  return mode === undefined || mode === 'oneshot'; // the runner's default mode is oneshot
}

/** The problem with `pod` (a template's pod spec) as `{ text, fix }`, or undefined when none. */
export function oneShotRestartProblem(
  template: string,
  pod: Obj,
): { text: string; fix: string } | undefined {
  const runner = list(pod.containers).find(runsRunner);
  if (runner === undefined) return undefined;
  const policy = typeof pod.restartPolicy === 'string' ? pod.restartPolicy : 'Always';
  if (policy === 'Never' || !oneShot(runner)) return undefined;
  return {
    text: `template ${template}: restartPolicy ${policy}${pod.restartPolicy === undefined ? ' (the default)' : ''} restarts the one-shot runner after every task, so its pod never finishes`,
    fix: `Set spec.podTemplate.spec.restartPolicy: Never in ${template} (Corral's own templates do).`,
  };
}

/** A SandboxTemplate object's pod spec (an empty object when it has none). */
export function templatePodSpec(object: unknown): Obj {
  const spec = isObj(object) && isObj(object.spec) ? object.spec : {};
  const podTemplate = isObj(spec.podTemplate) ? spec.podTemplate : {};
  return isObj(podTemplate.spec) ? podTemplate.spec : {};
}
