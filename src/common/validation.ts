import { Duration, Token } from 'aws-cdk-lib';

/**
 * Synth-time checks shared by every construct. Each one skips unresolved tokens (a value known
 * only at deploy time is never rejected) and throws an error that names the prop, the allowed
 * range and the value that was given.
 */

/** Throws unless `value` is an integer in [min, max]; `undefined` and tokens pass. */
export function validateIntegerRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be an integer between ${min} and ${max}, got ${value}`);
  }
}

/**
 * Throws unless `value` is an integer >= min, for counts with a floor but no ceiling of their own
 * (provisioned concurrency, shard count); `undefined` and tokens pass.
 */
export function validateIntegerAtLeast(prop: string, value: number | undefined, min: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${prop} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws unless `value` is a number in [min, max]; `undefined` and tokens pass. */
export function validateNumberRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${prop} must be between ${min} and ${max}, got ${value}`);
  }
}

/**
 * Throws unless `value` lies in [min, max] and, with `wholeSeconds`, is a whole number of seconds
 * (for durations AWS takes in seconds: a fraction would otherwise fail later, inside
 * `Duration.toSeconds()`, with an error that does not name the prop). `undefined` and token
 * durations pass.
 */
export function validateDurationRange(
  prop: string, value: Duration | undefined, min: Duration, max: Duration, options: { wholeSeconds?: boolean } = {},
): void {
  if (value === undefined || value.isUnresolved()) return;
  // Compared in milliseconds: toSeconds() refuses sub-second durations such as 300 ms.
  const ms = value.toMilliseconds();
  const range = `${humanDuration(min)} and ${humanDuration(max)}`;
  if (ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw new Error(`${prop} must be between ${range}, got ${humanDuration(value)}`);
  }
  if (options.wholeSeconds && ms % 1000 !== 0) {
    // (in ms: toHumanString would round the fraction away)
    throw new Error(`${prop} must be a whole number of seconds between ${range}, got ${ms} ms`);
  }
}

/** `toHumanString`, except that sub-second parts read `300 ms` rather than `300 millis`. */
function humanDuration(d: Duration): string {
  return d.toHumanString().replace(/(\d+) millis?\b/g, '$1 ms');
}

/** True when every value is known at synth time, so a relation between them can be checked. */
export function allResolved(...values: Array<number | string | Duration | undefined>): boolean {
  return values.every((v) => v !== undefined && !(v instanceof Duration ? v.isUnresolved() : Token.isUnresolved(v)));
}
