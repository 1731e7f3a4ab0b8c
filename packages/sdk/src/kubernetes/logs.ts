/**
 * Pod log lines through client-node's `Log` (a streamed response piped into a writable).
 * `CoreV1Api.readNamespacedPodLog` is not used: with `follow` it buffers the whole body and
 * never resolves.
 */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { translateError } from '@corral/agent-sandbox';
import { Log, type KubeConfig } from '@kubernetes/client-node';
import { compact } from '../compact.js';
import { AbortedError } from '../errors.js';
import { toSdkError } from './errors-map.js';

export interface LogsOptions {
  /** Keep streaming new lines until the container ends or `signal` aborts. */
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  /** Logs of the previous (crashed) container instance. */
  previous?: boolean;
  /** Container to read; default the pod's first container. */
  container?: string;
  signal?: AbortSignal;
}

export async function* podLogLines(
  kubeConfig: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  options: LogsOptions = {},
): AsyncGenerator<string, void, undefined> {
  const { signal } = options;
  const doing = `Reading logs of pod ${target.namespace}/${target.pod}`;
  if (signal?.aborted === true) throw new AbortedError(`${doing}: aborted.`);
  const sink = new PassThrough();
  let controller: AbortController;
  try {
    controller = await new Log(kubeConfig).log(
      target.namespace,
      target.pod,
      target.container,
      sink,
      compact({
        follow: options.follow,
        tailLines: options.tailLines,
        sinceSeconds: options.sinceSeconds,
        timestamps: options.timestamps,
        previous: options.previous,
      }),
    );
  } catch (e) {
    sink.destroy();
    throw toSdkError(translateError(e, signal), { signal, doing });
  }
  const onAbort = (): void => {
    controller.abort();
    sink.end();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const lines = createInterface({ input: sink, crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
    if (signal !== undefined && signal.aborted) {
      throw new AbortedError(`${doing}: aborted.`, { cause: signal.reason });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
    lines.close();
    sink.destroy();
  }
}
