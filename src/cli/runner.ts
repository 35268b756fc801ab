import { Invoke, InvocationResult } from './invoker';

/** How much load to send. Each qualifier gets its own `concurrency` workers, all running side by side. */
export interface RunPlan {
  readonly qualifiers: readonly string[];
  /** Requests in flight at once, per qualifier. */
  readonly concurrency: number;
  /** Requests per qualifier (with `durationMs`, a cap that keeps the results' memory bounded). */
  readonly requests: number;
  /** Stop issuing requests after this long, even if fewer than `requests` were sent; in-flight ones finish. */
  readonly durationMs?: number;
}

export interface RunOutcome {
  readonly results: readonly InvocationResult[];
  readonly elapsedMs: number;
  /** True when `stop()` ended the run (Ctrl-C): the results are a partial sample. */
  readonly interrupted: boolean;
}

/**
 * Sends the planned requests with bounded concurrency. Each worker issues its next request only when
 * its previous one has returned, so at most `concurrency` requests per qualifier are ever in flight.
 */
export class ProbeRunner {
  private stopped = false;
  private readonly inFlight = new Set<AbortController>();
  private abortTimer?: NodeJS.Timeout;

  constructor(
    private readonly plan: RunPlan,
    private readonly invoke: Invoke,
    private readonly onResult: (result: InvocationResult) => void = () => {},
  ) {}

  /**
   * Stops issuing requests. Requests in flight get `graceMs` to return; after that they are aborted and
   * recorded as `aborted`.
   */
  stop(graceMs: number): void {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    this.abortTimer = setTimeout(() => this.inFlight.forEach((c) => c.abort()), graceMs);
  }

  async run(): Promise<RunOutcome> {
    const started = performance.now();
    const deadline = this.plan.durationMs === undefined ? Infinity : started + this.plan.durationMs;
    const results: InvocationResult[] = [];
    const workers: Promise<void>[] = [];
    for (const qualifier of this.plan.qualifiers) {
      let issued = 0;
      const more = () => !this.stopped && issued < this.plan.requests && performance.now() < deadline;
      for (let w = 0; w < this.plan.concurrency; w++) {
        workers.push((async () => {
          while (more()) {
            issued++;
            const controller = new AbortController();
            this.inFlight.add(controller);
            try {
              const result = await this.invoke(qualifier, controller.signal);
              results.push(result);
              this.onResult(result);
            } finally {
              this.inFlight.delete(controller);
            }
          }
        })());
      }
    }
    await Promise.all(workers);
    clearTimeout(this.abortTimer);
    return { results, elapsedMs: performance.now() - started, interrupted: this.stopped };
  }
}
