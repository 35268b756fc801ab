import { Duration } from 'aws-cdk-lib';

/**
 * Throws unless `value` is a whole number of seconds; `undefined` and token durations pass.
 * AWS takes these durations in seconds: a fraction would otherwise fail later in
 * `Duration.toSeconds()`, with an error that does not name the prop. `range` is the prop's
 * allowed range in words (e.g. `0 seconds and 5 minutes`), repeated in the error.
 */
export function validateWholeSeconds(prop: string, value: Duration | undefined, range: string): void {
  if (value === undefined || value.isUnresolved() || value.toMilliseconds() % 1000 === 0) return;
  throw new Error(`${prop} must be a whole number of seconds between ${range}, got ${value.toMilliseconds()} ms`);
}
