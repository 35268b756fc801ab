import { InvocationResult, Invoke } from '../../src/cli/invoker';
import { ProbeRunner } from '../../src/cli/runner';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An invoke that takes `ms` per request and records how many requests of each qualifier overlap. */
function tracked(ms: number) {
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const invoke: Invoke = async (qualifier, signal) => {
    inFlight.set(qualifier, (inFlight.get(qualifier) ?? 0) + 1);
    maxInFlight.set(qualifier, Math.max(maxInFlight.get(qualifier) ?? 0, inFlight.get(qualifier)!));
    const aborted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    inFlight.set(qualifier, inFlight.get(qualifier)! - 1);
    return { qualifier, outcome: aborted ? 'aborted' : 'success', latencyMs: ms };
  };
  return { invoke, maxInFlight };
}

describe('ProbeRunner', () => {
  test('sends exactly the requested number per qualifier, never more than `concurrency` at once', async () => {
    const { invoke, maxInFlight } = tracked(5);
    const seen: InvocationResult[] = [];
    const outcome = await new ProbeRunner({ qualifiers: ['live', '3'], concurrency: 4, requests: 25 }, invoke, (r) => seen.push(r)).run();
    expect(outcome.results.filter((r) => r.qualifier === 'live')).toHaveLength(25);
    expect(outcome.results.filter((r) => r.qualifier === '3')).toHaveLength(25);
    expect(maxInFlight.get('live')).toBe(4);
    expect(maxInFlight.get('3')).toBe(4);
    expect(seen).toHaveLength(50);
    expect(outcome.interrupted).toBe(false);
  });

  test('with fewer requests than workers, only that many are sent', async () => {
    const { invoke, maxInFlight } = tracked(5);
    const outcome = await new ProbeRunner({ qualifiers: ['live'], concurrency: 10, requests: 3 }, invoke).run();
    expect(outcome.results).toHaveLength(3);
    expect(maxInFlight.get('live')).toBe(3);
  });

  test('in duration mode, keeps sending until the time is up', async () => {
    const { invoke, maxInFlight } = tracked(10);
    const outcome = await new ProbeRunner({ qualifiers: ['live'], concurrency: 2, requests: 100_000, durationMs: 200 }, invoke).run();
    // about 2 workers x 200 ms / 10 ms = 40 requests; a loaded machine makes fewer, never more
    expect(outcome.results.length).toBeGreaterThan(4);
    expect(outcome.results.length).toBeLessThanOrEqual(42);
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(200);
    expect(maxInFlight.get('live')).toBe(2);
  });

  test('stop() ends issuing, lets in-flight requests finish within the grace period', async () => {
    const { invoke } = tracked(50);
    const runner = new ProbeRunner({ qualifiers: ['live'], concurrency: 3, requests: 1000 }, invoke);
    const running = runner.run();
    await sleep(120);
    runner.stop(1000);
    const outcome = await running;
    expect(outcome.interrupted).toBe(true);
    expect(outcome.results.length).toBeLessThan(1000);
    expect(outcome.results.length % 3).toBe(0); // every worker's last request completed
    expect(outcome.results.every((r) => r.outcome === 'success')).toBe(true);
  });

  test('stop() aborts requests still in flight after the grace period', async () => {
    const { invoke } = tracked(60_000);
    const runner = new ProbeRunner({ qualifiers: ['live'], concurrency: 2, requests: 10 }, invoke);
    const running = runner.run();
    await sleep(20);
    runner.stop(50);
    const outcome = await running;
    expect(outcome.results.map((r) => r.outcome)).toEqual(['aborted', 'aborted']);
    expect(outcome.elapsedMs).toBeLessThan(10_000);
  });

  test('in duration mode, still stops at the request cap', async () => {
    const { invoke } = tracked(1);
    const outcome = await new ProbeRunner({ qualifiers: ['live'], concurrency: 2, requests: 7, durationMs: 60_000 }, invoke).run();
    expect(outcome.results).toHaveLength(7);
    expect(outcome.elapsedMs).toBeLessThan(30_000);
  });
});
