/** Parent side of fake-cluster-process.ts: start it, talk to it, stop it. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface ClusterChild {
  kubeConfig: KubeConfig;
  /** Claim name → hrtime ms of its first Ready=True write (filled as messages arrive). */
  readyAt: Map<string, number>;
  /** Called for each Ready write as it arrives (optional). */
  onReadyWrite?: (name: string, at: number) => void;
  watches(resource: string): Promise<number>;
  markReady(names: string[], perTick: number): Promise<void>;
  stop(): Promise<void>;
}

type Message =
  | { type: 'started'; kubeconfig: string }
  | { type: 'ready-write'; name: string; at: number }
  | { type: 'reply'; id: number; count: number };

export async function startClusterChild(options: {
  controller: boolean;
  reconcileDelayMs?: number;
}): Promise<ClusterChild> {
  const args = options.controller
    ? ['--controller', `--reconcile-delay-ms=${options.reconcileDelayMs ?? 0}`]
    : [];
  const child: ChildProcess = fork(join(import.meta.dirname, 'fake-cluster-process.ts'), args, {
    execArgv: ['--conditions=@corral/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = new Map<number, (count: number) => void>();
  let nextId = 1;
  const readyAt = new Map<string, number>();
  let started: (kubeconfig: string) => void = () => undefined;
  const kubeconfigText = new Promise<string>((resolve, reject) => {
    started = resolve;
    child.once('exit', (code) => reject(new Error(`fake cluster process exited with ${code}`)));
  });
  const handle: ClusterChild = {
    kubeConfig: new KubeConfig(),
    readyAt,
    watches: (resource) => request({ cmd: 'watches', resource }),
    markReady: async (names, perTick) => {
      await request({ cmd: 'markReady', names, perTick });
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
  child.on('message', (message: Message) => {
    if (message.type === 'started') started(message.kubeconfig);
    else if (message.type === 'ready-write') {
      readyAt.set(message.name, message.at);
      handle.onReadyWrite?.(message.name, message.at);
    } else replies.get(message.id)?.(message.count);
  });
  function request(command: object): Promise<number> {
    const id = nextId++;
    return new Promise((resolve) => {
      replies.set(id, resolve);
      child.send({ ...command, id });
    });
  }
  handle.kubeConfig.loadFromString(await kubeconfigText);
  return handle;
}
