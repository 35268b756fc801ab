import { Duration, Lazy } from 'aws-cdk-lib';
import type { DurationUnit } from '../../src/common/validation';

/** A duration of `amount` units, the way a user writes it (`Duration.seconds(n)`, ...). */
export function durationOf(unit: DurationUnit, amount: number): Duration {
  const make = { milliseconds: Duration.millis, seconds: Duration.seconds, minutes: Duration.minutes, hours: Duration.hours, days: Duration.days };
  return make[unit](amount);
}

/** A Duration prop, what it is counted in, and its range in that unit. */
export interface DurationPropSpec {
  readonly prop: string;
  readonly unit: DurationUnit;
  readonly min: number;
  readonly max: number;
}

/**
 * The class of bug of issue 18, for one prop: both bounds are accepted, a fraction of the unit
 * inside the range is refused by our error naming the prop (not by aws-cdk-lib's conversion,
 * whose message names none), and a token duration passes. `build` constructs with the prop set.
 */
export function expectWholeDurationProp(spec: DurationPropSpec, build: (value: Duration) => unknown): void {
  const { prop, unit, min, max } = spec;
  expect(() => build(durationOf(unit, min))).not.toThrow();
  expect(() => build(durationOf(unit, max))).not.toThrow();
  const fraction = min + 0.5;
  expect(() => build(durationOf(unit, fraction)))
    .toThrow(new RegExp(`^${prop.replace(/\./g, '\\.')} must be a whole number of ${unit} (between|at least) .*, got ${fraction} ${unit}$`));
  expect(() => build(durationOf(unit, Lazy.number({ produce: () => fraction })))).not.toThrow();
}
