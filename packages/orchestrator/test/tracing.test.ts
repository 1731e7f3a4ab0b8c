/**
 * One trace for a task on the fake cluster (pods run the real runner): `corral.task` with its
 * phases as children, the Kubernetes provider's create (claim create → Ready → reachable) under
 * `provision`, its delete under `cleanup` — OpenTelemetry's in-memory exporter, the global API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { createOrchestrator } from '@corral/orchestrator';
import { AsyncContextManager } from '../../sdk/test/kubernetes/async-context-manager.js';
import { startKubeEnv, type KubeEnv } from './kube-env.js';

let env: KubeEnv | undefined;
afterEach(async () => {
  trace.disable();
  context.disable();
  const e = env;
  env = undefined;
  if (e === undefined) return;
  try {
    await e.verifyClean();
  } finally {
    await e.stop();
  }
});

const one = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const found = spans.filter((s) => s.name === name);
  expect(
    found.map((s) => s.name),
    name,
  ).toEqual([name]);
  return found[0]!;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('task tracing', () => {
  it('claim create → Ready → reachable → task → cleanup in one trace', async () => {
    const exporter = new InMemorySpanExporter();
    expect(context.setGlobalContextManager(new AsyncContextManager())).toBe(true);
    expect(
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
      ),
    ).toBe(true);
    env = await startKubeEnv({ version: 'v1beta1' });
    const orch = createOrchestrator({
      provider: env.provider('orch-traced'),
      owner: 'orch-traced',
      sweepIntervalMs: 0,
      sweepOnStart: false,
      timeouts: { reachableMs: 5_000 },
    });
    try {
      const record = await orch.runTask({ taskID: 'traced', message: '', command: 'echo traced' });
      expect(record.state).toBe('succeeded');
    } finally {
      await orch.close();
    }
    const spans = exporter.getFinishedSpans();
    const task = one(spans, 'corral.task');
    expect(task.attributes).toMatchObject({
      'corral.task.id': 'traced',
      'corral.task.state': 'succeeded',
    });
    const traceId = task.spanContext().traceId;
    for (const span of spans) expect(span.spanContext().traceId, span.name).toBe(traceId);

    const phases = spans.filter((s) => parentOf(s) === task.spanContext().spanId);
    expect(phases.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'corral.task.provision',
        'corral.task.reachable',
        'corral.task.run',
        'corral.task.cleanup',
      ]),
    );
    const create = one(spans, 'corral.sandbox.create');
    expect(parentOf(create)).toBe(one(spans, 'corral.task.provision').spanContext().spanId);
    const steps = spans.filter((s) => parentOf(s) === create.spanContext().spanId);
    expect(steps.map((s) => s.name)).toEqual([
      'corral.claim.create',
      'corral.claim.ready',
      'corral.sandbox.reachable',
    ]);
    const remove = one(spans, 'corral.sandbox.delete');
    expect(parentOf(remove)).toBe(one(spans, 'corral.task.cleanup').spanContext().spanId);
  }, 90_000);
});
