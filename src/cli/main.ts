#!/usr/bin/env node
/**
 * Entry point of the `cdk-serverless-patterns` command (bundled into assets/cli/probe.js at build time,
 * so that it needs no runtime dependency of the construct library).
 */
import { ExitCode, renderJsonFailure, runCli, wantsJson } from './program';

// The SDK warns that its future versions will need Node 22; this copy is pinned at our build time, so the
// warning would only be noise on a terminal or in a CI log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
const json = wantsJson(argv);

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) {
    // A second Ctrl-C: the user does not want to wait for the partial report. (Writes to a pipe or a
    // file are synchronous on Linux and macOS, so the JSON is out before the exit.)
    if (json) {
      process.stdout.write(renderJsonFailure('interrupted', ExitCode.INTERRUPTED, 'interrupted twice: stopped without a report'));
    }
    process.exit(ExitCode.INTERRUPTED);
  }
  interrupt.abort();
});

runCli(argv, { stdout: process.stdout, stderr: process.stderr, interrupt: interrupt.signal })
  .then((status) => {
    process.exitCode = status;
  })
  .catch((e: unknown) => {
    process.stderr.write(`unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    if (json) {
      process.stdout.write(renderJsonFailure('internal', ExitCode.INTERNAL, `unexpected error: ${e instanceof Error ? e.message : String(e)}`));
    }
    process.exitCode = ExitCode.INTERNAL;
  });
