/**
 * Optional OpenTelemetry tracing of a task, through `@opentelemetry/api` only (no-op when no SDK
 * is registered and no `tracerProvider` is given): one `corral.task` span per run, its phases
 * (`corral.task.provision`, `…reachable`, `…accepted`, `…run`, `…logs`, `…cleanup`) as children.
 * The provider's own spans (the Kubernetes provider's `corral.sandbox.create` → claim create →
 * Ready → reachable, `corral.sandbox.delete`) nest under the phase that calls them, so one trace
 * shows claim create → Ready → reachable → task → cleanup.
 */
import {
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { TaskRecord } from './types.js';

const TRACER_NAME = '@corral/orchestrator';

export function taskTracer(provider: TracerProvider | undefined): Tracer {
  return (provider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
}

/** One phase of a task as a child span of the active one. */
export function tracePhase<T>(tracer: Tracer, phase: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(`corral.task.${phase}`, async (span) => {
    try {
      return await fn();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The whole task: its record's state, failure code and sandbox id end up on the span. */
export function traceTask(
  tracer: Tracer,
  taskID: string,
  fn: () => Promise<TaskRecord>,
): Promise<TaskRecord> {
  return tracer.startActiveSpan(
    'corral.task',
    { attributes: { 'corral.task.id': taskID } },
    async (span) => {
      try {
        const record = await fn();
        span.setAttributes({
          'corral.task.state': record.state,
          'sandbox.id': record.sandboxId,
          ...(record.failure ? { 'corral.task.failure': record.failure.code } : {}),
        });
        if (record.state !== 'succeeded')
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: record.failure?.message ?? record.state,
          });
        return record;
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
