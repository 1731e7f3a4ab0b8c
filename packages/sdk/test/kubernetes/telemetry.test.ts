/**
 * The Kubernetes provider's OpenTelemetry spans, trace-context annotation and metrics hook,
 * against the fake cluster, with the OpenTelemetry SDK's in-memory exporter.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TRACE_CONTEXT_ANNOTATION,
  type ClaimDeletedMetric,
  type ClaimReadyMetric,
  type KubernetesProviderMetrics,
} from '../../src/kubernetes/index.js';
import { AsyncContextManager } from './async-context-manager.js';
import { NS, gvr, startEnv, type Env } from './fixtures.js';

let env: Env | undefined;

afterEach(async () => {
  if (env !== undefined) {
    expect(env.claims()).toEqual([]);
    await env.stop();
  }
  env = undefined;
});

function tracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, tracerProvider };
}

function recorder() {
  const ready: ClaimReadyMetric[] = [];
  const deleted: ClaimDeletedMetric[] = [];
  const metrics: KubernetesProviderMetrics = {
    claimReady: (m) => ready.push(m),
    claimDeleted: (m) => deleted.push(m),
  };
  return { ready, deleted, metrics };
}

const byName = (spans: ReadableSpan[], name: string): ReadableSpan[] =>
  spans.filter((s) => s.name === name);

describe('Kubernetes provider telemetry', () => {
  it('traces create → Ready → reachable → delete, annotates the claim, reports a warm hit', async () => {
    env = await startEnv({ warmReplicas: 1 });
    const { exporter, tracerProvider } = tracing();
    const { ready, deleted, metrics } = recorder();
    const provider = env.provider({ tracerProvider, metrics, warmPool: 'warm' });

    const { info } = await provider.create();
    const claim = env.cluster.store.get(gvr('sandboxclaims'), NS, info.id)!;
    const annotation = claim.metadata.annotations?.[TRACE_CONTEXT_ANNOTATION];
    expect(annotation).toBeDefined();

    const spans = exporter.getFinishedSpans();
    const [create] = byName(spans, 'corral.sandbox.create');
    expect(create).toBeDefined();
    const { traceId, spanId } = create!.spanContext();
    // the claim carries the create span's W3C context, as upstream's clients write it
    expect(JSON.parse(annotation!)).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    expect(create!.attributes).toMatchObject({
      'sandbox.id': info.id,
      'sandbox.namespace': NS,
      'sandbox.warm_pool': 'warm',
      'sandbox.warm_hit': true,
    });
    // the steps in order, each a child of the create span
    const steps = ['corral.claim.create', 'corral.claim.ready', 'corral.sandbox.reachable'];
    const children = spans.filter((s) => s.parentSpanContext?.spanId === spanId);
    expect(children.map((s) => s.name)).toEqual(steps);
    for (const s of children) expect(s.spanContext().traceId).toBe(traceId);

    // adopted from the warm pool: the bound Sandbox is a pool member, not named after the claim
    expect(info.metadata.sandboxName).not.toBe(info.id);
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ id: info.id, namespace: NS, warmPool: 'warm', warmHit: true });
    expect(ready[0]!.reachableMs).toBeGreaterThanOrEqual(ready[0]!.readyMs);

    await provider.delete(info.id);
    const [del] = byName(exporter.getFinishedSpans(), 'corral.sandbox.delete');
    expect(del?.attributes).toMatchObject({ 'sandbox.id': info.id });
    expect(del?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(deleted.map((d) => d.id)).toEqual([info.id]);
  }, 60_000);

  it('reports a cold start as a warm-pool miss', async () => {
    env = await startEnv();
    const { tracerProvider } = tracing();
    const { ready, metrics } = recorder();
    const provider = env.provider({ tracerProvider, metrics, warmPool: 'cold' });
    const { info } = await provider.create();
    expect(info.metadata.sandboxName).toBe(info.id);
    expect(ready).toMatchObject([{ id: info.id, warmPool: 'cold', warmHit: false }]);
    await provider.delete(info.id);
  }, 60_000);

  it('records a failed exec and a failed create as error spans, and the failure metric', async () => {
    env = await startEnv();
    const { exporter, tracerProvider } = tracing();
    const failed: string[] = [];
    const provider = env.provider({
      tracerProvider,
      metrics: { claimFailed: (m) => failed.push(m.code) },
    });
    const { info } = await provider.create();
    // the simulated kubelet runs no process, so the exec API refuses
    await expect(provider.exec(info.id, ['true'])).rejects.toThrow();
    const [exec] = byName(exporter.getFinishedSpans(), 'corral.sandbox.exec');
    expect(exec?.status.code).toBe(SpanStatusCode.ERROR);
    expect(exec?.attributes).toMatchObject({ 'sandbox.id': info.id, 'process.command': 'true' });
    await provider.delete(info.id);

    // a pool that does not exist fails the create before any claim is made
    await expect(provider.create({ warmPool: 'missing', timeoutMs: 200 })).rejects.toMatchObject({
      code: 'WARM_POOL_NOT_FOUND',
    });
    const creates = byName(exporter.getFinishedSpans(), 'corral.sandbox.create');
    expect(creates.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    expect(failed).toEqual(['WARM_POOL_NOT_FOUND']);
  }, 60_000);

  it("nests the create under the caller's active span", async () => {
    env = await startEnv();
    const { exporter, tracerProvider } = tracing();
    const manager = new AsyncContextManager();
    expect(context.setGlobalContextManager(manager)).toBe(true);
    try {
      const provider = env.provider({ tracerProvider });
      const root = tracerProvider.getTracer('test').startSpan('caller');
      const { info } = await context.with(trace.setSpan(context.active(), root), () =>
        provider.create(),
      );
      root.end();
      const [create] = byName(exporter.getFinishedSpans(), 'corral.sandbox.create');
      expect(create?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(create?.spanContext().traceId).toBe(root.spanContext().traceId);
      const claim = env.cluster.store.get(gvr('sandboxclaims'), NS, info.id)!;
      const annotation = JSON.parse(claim.metadata.annotations![TRACE_CONTEXT_ANNOTATION]!);
      expect(annotation.traceparent).toContain(root.spanContext().traceId);
      await provider.delete(info.id);
    } finally {
      context.disable();
    }
  }, 60_000);

  it('is a no-op without an OpenTelemetry SDK: no annotation, no error', async () => {
    env = await startEnv();
    const provider = env.provider();
    const { info } = await provider.create();
    const claim = env.cluster.store.get(gvr('sandboxclaims'), NS, info.id)!;
    expect(claim.metadata.annotations?.[TRACE_CONTEXT_ANNOTATION]).toBeUndefined();
    await provider.delete(info.id);
  }, 60_000);
});
