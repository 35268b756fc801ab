import * as path from 'path';
import { Errors } from 'aws-cdk-lib';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src') + path.sep;

/**
 * Why `error` is not a clear validation error of ours about `prop`, or [] when it is one:
 * an Error whose message starts with a word (`batchSize must be ...`, `Exactly one of ...`,
 * or a path to one: `latencyGates[1]: ...`, `LatencyGate.forAlias: ...`; prop names may hold
 * digits, as `serverlessV2MinCapacity` does), names the prop, and is thrown by the library's own code (src/), not by aws-cdk-lib (whose
 * errors trim their own frames, so they are told apart by class) or a TypeError deep inside a
 * construct it called.
 */
export function validationErrorProblems(error: unknown, prop: string): string[] {
  if (!(error instanceof Error)) return [`threw a non-Error: ${String(error)}`];
  const problems: string[] = [];
  if (!/^[a-zA-Z][a-zA-Z0-9.]*(\[\d+\])?:? .*/.test(error.message)) problems.push(`message does not start with a word: ${error.message}`);
  if (!new RegExp(`\\b${prop.replace(/\./g, '\\.')}\\b`).test(error.message)) problems.push(`message does not name ${prop}: ${error.message}`);
  if (Errors.isConstructError(error)) return [...problems, `aws-cdk-lib ${error.name}: ${error.message}`];
  const thrower = throwingFile(error);
  if (!thrower?.startsWith(SRC)) problems.push(`thrown outside src/ (${thrower ?? 'unknown frame'}): ${error.message}`);
  return problems;
}

/** The file of the innermost stack frame. */
function throwingFile(error: Error): string | undefined {
  for (const line of (error.stack ?? '').split('\n')) {
    const frame = /^\s+at (?:.*\()?(\/[^:)]+):\d+:\d+\)?$/.exec(line);
    if (frame) return frame[1];
  }
  return undefined;
}
