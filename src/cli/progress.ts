import { SingleBar } from 'cli-progress';
import { InvocationResult } from './invoker';
import { isColdStart } from './log-tail';

/**
 * A progress bar on the terminal (stderr, so that stdout stays a clean report). In request mode it
 * counts requests; in duration mode it counts seconds. Either way it shows errors and cold starts live.
 */
export class Progress {
  private readonly bar: SingleBar;
  private readonly timer?: NodeJS.Timeout;
  private readonly started = performance.now();
  private done = 0;
  private failed = 0;
  private cold = 0;

  constructor(stream: NodeJS.WritableStream, private readonly total: { requests?: number; durationMs?: number }) {
    const unit = total.requests !== undefined ? 'requests' : 's';
    this.bar = new SingleBar({
      stream,
      format: `probing [{bar}] {value}/{total} ${unit} | {done} done, {failed} failed, {cold} cold starts | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    });
    this.bar.start(total.requests ?? Math.ceil((total.durationMs ?? 0) / 1000), 0, this.payload());
    if (total.requests === undefined) {
      this.timer = setInterval(() => this.tick(), 250);
    }
  }

  onResult(result: InvocationResult): void {
    this.done++;
    if (result.outcome !== 'success') {
      this.failed++;
    }
    if (result.report && isColdStart(result.report)) {
      this.cold++;
    }
    this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.bar.stop();
  }

  private tick(): void {
    const value = this.total.requests !== undefined
      ? this.done
      : Math.min(Math.floor((performance.now() - this.started) / 1000), this.bar.getTotal());
    this.bar.update(value, this.payload());
  }

  private payload() {
    return { done: this.done, failed: this.failed, cold: this.cold };
  }
}
