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

/**
 * Throws unless `value` is a number in [min, max], and a whole multiple of `step` when one is given
 * (Aurora counts capacity in half ACUs); `undefined` and tokens pass.
 */
export function validateNumberRange(prop: string, value: number | undefined, min: number, max: number, step?: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${prop} must be between ${min} and ${max}, got ${value}`);
  }
  if (step !== undefined && !Number.isInteger(value / step)) {
    throw new Error(`${prop} must be a multiple of ${step} between ${min} and ${max}, got ${value}`);
  }
}

/** The unit a duration is counted in where it ends up (AWS's API, or aws-cdk-lib's conversion to it). */
export type DurationUnit = 'milliseconds' | 'seconds' | 'minutes' | 'hours' | 'days';

/** The duration in `unit`, fractions kept (the arithmetic of aws-cdk-lib's own conversions). */
const IN_UNIT: Record<DurationUnit, (d: Duration) => number> = {
  milliseconds: (d) => d.toMilliseconds({ integral: false }),
  seconds: (d) => d.toSeconds({ integral: false }),
  minutes: (d) => d.toMinutes({ integral: false }),
  hours: (d) => d.toHours({ integral: false }),
  days: (d) => d.toDays({ integral: false }),
};

/**
 * Throws unless `value` is a whole number of `unit` in [min, max] (or >= min without a max).
 * Every duration a construct passes on is counted in some unit, and aws-cdk-lib's conversion to it
 * (`toSeconds()`, `toHours()`, ...) throws on a fraction with an error that names no prop, so the
 * unit is not optional. `undefined` and token durations pass.
 */
export function validateDurationRange(
  prop: string, value: Duration | undefined, unit: DurationUnit, min: Duration, max?: Duration,
): void {
  if (value === undefined || value.isUnresolved()) return;
  // Compared in milliseconds, fractions kept: toSeconds() refuses 300 ms, toMilliseconds() 0.5 ms.
  const ms = IN_UNIT.milliseconds(value);
  const range = max ? `between ${humanDuration(min)} and ${humanDuration(max)}` : `at least ${humanDuration(min)}`;
  if (ms < IN_UNIT.milliseconds(min) || (max && ms > IN_UNIT.milliseconds(max))) {
    throw new Error(`${prop} must be ${range}, got ${humanDuration(value)}`);
  }
  const amount = IN_UNIT[unit](value);
  if (!Number.isInteger(amount)) {
    throw new Error(`${prop} must be a whole number of ${unit} ${range}, got ${amount} ${unit}`);
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

/**
 * Throws unless `low <= high` when both are known at synth time (numbers, or durations compared in
 * milliseconds). The one way every construct checks an order between two props.
 */
export function validateOrder(
  lowProp: string, low: number | Duration | undefined, highProp: string, high: number | Duration | undefined,
): void {
  if (!allResolved(low, high)) return;
  const asNumber = (v: number | Duration) => (v instanceof Duration ? v.toMilliseconds({ integral: false }) : v);
  const show = (v: number | Duration) => (v instanceof Duration ? humanDuration(v) : String(v));
  if (asNumber(low!) > asNumber(high!)) {
    throw new Error(`${lowProp} (${show(low!)}) must be <= ${highProp} (${show(high!)})`);
  }
}
