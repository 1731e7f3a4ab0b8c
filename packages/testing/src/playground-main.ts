/**
 * `npx corral-fake-cluster [--kubeconfig PATH] [-n NAMESPACE]... [--pods process|simulated]`:
 * starts the playground and runs until SIGINT/SIGTERM, then stops every runner pod it started.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compact } from '@corral/sdk';
import { startPlayground } from './playground.js';

const USAGE =
  'usage: corral-fake-cluster [--kubeconfig PATH] [-n NAMESPACE]... [--pods process|simulated]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        kubeconfig: { type: 'string', default: 'fake-kubeconfig' },
        namespace: { type: 'string', short: 'n', multiple: true },
        pods: { type: 'string', default: 'process' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.pods !== 'process' && values.pods !== 'simulated') {
    process.stderr.write(`--pods ${values.pods} is not process or simulated\n${USAGE}\n`);
    process.exit(2);
  }
  const kubeconfigPath = resolve(values.kubeconfig);
  const cluster = await startPlayground({
    kubeconfigPath,
    ...compact({ namespaces: values.namespace }),
    pods: values.pods,
  });
  process.stdout.write(
    `fake cluster at ${cluster.url}\nkubeconfig: ${kubeconfigPath}\n` +
      `try: KUBECONFIG=${kubeconfigPath} kubectl apply -k deploy/v1beta1\n` +
      'stop with Ctrl-C (runner pods are stopped with it)\n',
  );
  const stop = (): void => {
    void cluster.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
