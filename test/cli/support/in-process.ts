import { Writable } from 'stream';
import { runCli } from '../../../src/cli/program';

/** A stream that keeps what is written to it. */
class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.text += chunk.toString();
    callback();
  }
}

/**
 * Runs the command in this process (its AWS clients mockable) with captured output: the exit status
 * and what it wrote to stdout and stderr; `tty` makes stderr a terminal.
 */
export async function runCaptured(args: string[], options: { interrupt?: AbortSignal; tty?: boolean } = {}) {
  const stdout = new Capture();
  const stderr = new Capture(options.tty);
  const status = await runCli(args, { stdout, stderr, interrupt: options.interrupt });
  return { status, stdout: stdout.text, stderr: stderr.text };
}
