/**
 * One agent run against the scripted model's immediate answer, with the moments Corral's
 * overhead is measured between: run() called, the agent's first model request, its result
 * event, the record with diff (wait()) and the run finished (sandbox gone).
 */
import type { AgentRunner, AgentRunRecord } from '../../packages/agents/src/index.js';
import type { ModelServer } from '../../packages/agents/test/model-server/model-server.js';

export interface TimedRun {
  record: AgentRunRecord;
  start: number;
  firstAt: number;
  resultAt: number;
  recordAt: number;
  finishedAt: number;
}

export async function timedRun(
  runner: AgentRunner,
  server: ModelServer,
  taskId: string,
  workspace: string,
): Promise<TimedRun> {
  server.setScript([{ text: 'Done.' }]);
  const first = server.nextRequest();
  const start = performance.now();
  const run = await runner.run({
    agent: 'claude-code',
    taskId,
    prompt: 'Say done.',
    workspace: { dir: workspace },
    timeoutMs: 300_000,
  });
  let resultAt = Number.NaN;
  // the agent's result event is parsed as its process ends, before the diff is taken
  run.onEvent((e) => {
    if (e.type === 'result') resultAt = performance.now();
  });
  await first;
  const firstAt = performance.now();
  await run.wait(); // the record with diff, before cleanup
  const recordAt = performance.now();
  const record = await run.finished();
  const finishedAt = performance.now();
  if (record.state !== 'succeeded')
    throw new Error(`bench run ${taskId} ${record.state}: ${JSON.stringify(record.error)}`);
  return { record, start, firstAt, resultAt, recordAt, finishedAt };
}
