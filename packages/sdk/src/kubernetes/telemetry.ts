/**
 * Optional tracing and metrics for the Kubernetes provider. Tracing goes through
 * `@opentelemetry/api` only: with no SDK registered (and no `tracerProvider` passed) every span
 * is a no-op and nothing is written to the claim. With one, a create is one
 * `corral.sandbox.create` span with the steps upstream's clients trace as children
 * (`create_claim`, `wait_for_claim_ready`, then `connect` until the runner is reachable), exec and
 * delete get their own spans, and the claim carries the W3C trace context in the annotation
 * upstream's Go and Python clients write (`opentelemetry.io/trace-context`, a JSON object with
 * `traceparent` and, when set, `tracestate`), so controller-side traces can join the caller's.
 */
import {
  context,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

export const TRACE_CONTEXT_ANNOTATION = 'opentelemetry.io/trace-context';
const TRACER_NAME = '@corral/sdk';

/** A claim that became Ready and reachable. Durations are from the create call. */
export interface ClaimReadyMetric {
  id: string;
  namespace: string;
  /** Until the claim was Ready (the API server's view). */
  readyMs: number;
  /** Until the runner answered (what a caller waits for). */
  reachableMs: number;
  warmPool: string | undefined;
  /**
   * `true`: the claim adopted a pre-warmed Sandbox; `false`: the pool had none free and the
   * Sandbox was made for the claim (a cold start); `undefined`: no warm pool was asked for.
   */
  warmHit: boolean | undefined;
}

export interface ClaimFailedMetric {
  id: string;
  namespace: string;
  /** Until the create gave up. */
  elapsedMs: number;
  /** The SDK error's code, e.g. `TIMEOUT`. */
  code: string;
}

export interface ClaimDeletedMetric {
  /** The sandbox id as passed to `delete`. */
  id: string;
  durationMs: number;
}

/**
 * Callbacks for a metrics system (Prometheus, OpenTelemetry metrics, StatsD…). Called
 * synchronously; an exception thrown by one is swallowed so metrics never fail a sandbox.
 */
export interface KubernetesProviderMetrics {
  claimReady?(metric: ClaimReadyMetric): void;
  claimFailed?(metric: ClaimFailedMetric): void;
  claimDeleted?(metric: ClaimDeletedMetric): void;
}

export interface KubernetesTelemetryOptions {
  /** @default the globally registered provider (`trace.getTracerProvider()`), a no-op without an SDK */
  tracerProvider?: TracerProvider;
  metrics?: KubernetesProviderMetrics;
}

type Attributes = Record<string, string | number | boolean>;

function safely(fn: (() => void) | undefined): void {
  try {
    fn?.();
  } catch {
    // a metrics sink's failure is not the sandbox's
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? typeof error;
  } catch {
    return typeof error;
  }
}

function endSpan(span: Span, error: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : describe(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: describe(error) });
  }
  span.end();
}

/** The annotation's value for `ctx`'s span, or undefined when there is nothing to propagate. */
export function traceContextAnnotation(ctx: Context): string | undefined {
  const sc = trace.getSpanContext(ctx);
  if (sc === undefined || !trace.isSpanContextValid(sc)) return undefined;
  const carrier: Record<string, string> = {
    traceparent: `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`,
  };
  const state = sc.traceState?.serialize();
  if (state !== undefined && state !== '') carrier.tracestate = state;
  return JSON.stringify(carrier);
}

/** One create, from the call to a reachable sandbox (or its failure). */
export class CreateTrace {
  readonly #span: Span;
  readonly #ctx: Context;
  readonly #startedAt = performance.now();
  #ref: { id: string; namespace: string } | undefined;
  #warmPool: string | undefined;
  #readyAt: number | undefined;
  #warmHit: boolean | undefined;

  constructor(private readonly telemetry: KubernetesTelemetry) {
    const parent = context.active();
    this.#span = telemetry.tracer.startSpan('corral.sandbox.create', {}, parent);
    this.#ctx = trace.setSpan(parent, this.#span);
  }

  /** The claim's id is known. */
  begin(ref: { id: string; namespace: string }): void {
    this.#ref = { id: ref.id, namespace: ref.namespace };
    this.#span.setAttributes({ 'sandbox.id': ref.id, 'sandbox.namespace': ref.namespace });
  }

  /** Writes the trace context annotation into the claim about to be created. */
  annotate(claim: {
    metadata?: { annotations?: Record<string, string> | undefined } | undefined;
    spec?: unknown;
  }): void {
    const spec = claim.spec as { warmPoolRef?: { name?: string }; warmpool?: string } | undefined;
    this.#warmPool = spec?.warmPoolRef?.name ?? spec?.warmpool;
    if (this.#warmPool !== undefined) this.#span.setAttribute('sandbox.warm_pool', this.#warmPool);
    const value = traceContextAnnotation(this.#ctx);
    if (value === undefined || claim.metadata === undefined) return;
    claim.metadata.annotations = {
      ...claim.metadata.annotations,
      [TRACE_CONTEXT_ANNOTATION]: value,
    };
  }

  /** Runs one step of the create as a child span. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.telemetry.span(name, fn, {}, this.#ctx);
  }

  /** The claim is Ready, bound to `sandboxName` (a warm adoption binds a pool Sandbox). */
  ready(claimName: string, sandboxName: string): void {
    this.#readyAt = performance.now();
    this.#warmHit = this.#warmPool === undefined ? undefined : sandboxName !== claimName;
    this.#span.setAttribute('sandbox.name', sandboxName);
    if (this.#warmHit !== undefined) this.#span.setAttribute('sandbox.warm_hit', this.#warmHit);
  }

  succeeded(): void {
    const now = performance.now();
    endSpan(this.#span, undefined);
    const ref = this.#ref;
    if (ref === undefined) return;
    const metric: ClaimReadyMetric = {
      ...ref,
      readyMs: (this.#readyAt ?? now) - this.#startedAt,
      reachableMs: now - this.#startedAt,
      warmPool: this.#warmPool,
      warmHit: this.#warmHit,
    };
    safely(() => this.telemetry.metrics?.claimReady?.(metric));
  }

  failed(error: unknown): void {
    endSpan(this.#span, error);
    const ref = this.#ref;
    if (ref === undefined) return;
    const code =
      typeof error === 'object' &&
      error !== null &&
      typeof (error as { code?: unknown }).code === 'string'
        ? (error as { code: string }).code
        : 'UNKNOWN';
    const metric: ClaimFailedMetric = {
      ...ref,
      elapsedMs: performance.now() - this.#startedAt,
      code,
    };
    safely(() => this.telemetry.metrics?.claimFailed?.(metric));
  }
}

export class KubernetesTelemetry {
  readonly tracer: Tracer;
  readonly metrics: KubernetesProviderMetrics | undefined;

  constructor(options: KubernetesTelemetryOptions = {}) {
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
    this.metrics = options.metrics;
  }

  /** A create as one span (steps as children) and its claimReady/claimFailed metric. */
  async traceCreate<T>(fn: (traced: CreateTrace) => Promise<T>): Promise<T> {
    const traced = new CreateTrace(this);
    try {
      const result = await fn(traced);
      traced.succeeded();
      return result;
    } catch (e) {
      traced.failed(e);
      throw e;
    }
  }

  /** `fn` inside a span named `name` (a child of `parent`, default the active context). */
  async span<T>(
    name: string,
    fn: () => Promise<T>,
    attributes: Attributes = {},
    parent: Context = context.active(),
  ): Promise<T> {
    const span = this.tracer.startSpan(name, { attributes }, parent);
    try {
      const result = await context.with(trace.setSpan(parent, span), fn);
      endSpan(span, undefined);
      return result;
    } catch (e) {
      endSpan(span, e);
      throw e;
    }
  }

  /** The delete of a sandbox, with its duration reported once it succeeded. */
  async traceDelete<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const result = await this.span('corral.sandbox.delete', fn, { 'sandbox.id': id });
    const metric: ClaimDeletedMetric = { id, durationMs: performance.now() - startedAt };
    safely(() => this.metrics?.claimDeleted?.(metric));
    return result;
  }
}
