import { Duration } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { durationOf } from './durations';
import type { PropKind, Spec } from '../../src/common/spec';
import type { DurationUnit } from '../../src/common/validation';

/**
 * Values drawn from a construct's private spec (src/<construct>/private/spec.ts), so the fuzz tests
 * find a class of bug by construction: every kind's boundaries, and for integers and durations the
 * fractions of the unit the value is counted in (the bug of issue 18).
 */

/** How far past `min` values of a range without a maximum are drawn. */
const OPEN_RANGE_SPAN = 1000;

const inUnit = (unit: DurationUnit, d: Duration) => ({
  milliseconds: d.toMilliseconds({ integral: false }),
  seconds: d.toSeconds({ integral: false }),
  minutes: d.toMinutes({ integral: false }),
  hours: d.toHours({ integral: false }),
  days: d.toDays({ integral: false }),
})[unit];

/** The whole-unit bounds of an integer or duration kind. */
function wholeBounds(kind: PropKind): { min: number; max: number; open: boolean } | undefined {
  if (kind.kind === 'integer') {
    return { min: kind.min, max: kind.max ?? kind.min + OPEN_RANGE_SPAN, open: kind.max === undefined };
  }
  if (kind.kind === 'duration') {
    const min = Math.ceil(inUnit(kind.unit, kind.min));
    return { min, max: kind.max ? Math.floor(inUnit(kind.unit, kind.max)) : min + OPEN_RANGE_SPAN, open: !kind.max };
  }
  return undefined;
}

const asValue = (kind: PropKind, n: number): unknown => (kind.kind === 'duration' ? durationOf(kind.unit, n) : n);

/** A value the row accepts, its bounds drawn more often than the values between them. */
export function validValue(kind: PropKind): fc.Arbitrary<unknown> {
  const whole = wholeBounds(kind);
  if (whole) {
    return fc.oneof(fc.constantFrom(whole.min, whole.max), fc.integer(whole)).map((n) => asValue(kind, n));
  }
  switch (kind.kind) {
    case 'number':
      if (kind.step) {
        const steps = { min: Math.ceil(kind.min / kind.step), max: Math.floor(kind.max / kind.step) };
        return fc.oneof(fc.constantFrom(steps.min, steps.max), fc.integer(steps)).map((n) => n * kind.step!);
      }
      return fc.oneof(fc.constantFrom(kind.min, kind.max), fc.double({ min: kind.min, max: kind.max, noNaN: true }));
    case 'oneOf':
      return fc.constantFrom(...kind.values);
    case 'boolean':
      return fc.boolean();
    default:
      throw new Error(`no generator for a '${kind.kind}' row: draw its values in the subject`);
  }
}

/**
 * Values the row must refuse: one below the minimum, one above the maximum, a fraction of the unit
 * inside the range, NaN for numbers and, with a step, a value between two of its multiples. Undefined for kinds whose faults a subject draws itself.
 */
export function faultyValue(kind: PropKind): fc.Arbitrary<unknown> | undefined {
  const whole = wholeBounds(kind);
  if (whole) {
    const faults: number[] = [];
    if (whole.min > 0) faults.push(whole.min - 1);
    if (!whole.open) faults.push(whole.max + 1);
    const fraction = fc.tuple(fc.integer({ min: whole.min, max: Math.max(whole.min, whole.max - 1) }), fc.constantFrom(0.001, 0.25, 0.5, 0.999))
      .map(([n, f]) => n + f);
    return fc.oneof(...faults.map((n) => fc.constant(n)), fraction).map((n) => asValue(kind, n));
  }
  if (kind.kind === 'number') {
    const offStep = kind.step ? [kind.min + kind.step / 2] : [];
    return fc.constantFrom(kind.min - 0.01, kind.max + 0.01, NaN, ...offStep);
  }
  return undefined;
}

/** The rows of a spec whose faults `faultyValue` can draw, by path (`autoScaling.minCapacity`). */
export function faultableRows(spec: Spec<any>, prefix = ''): Array<{ path: string; kind: PropKind }> {
  return Object.entries(spec).flatMap(([key, rule]) => {
    if (!rule) return [];
    const here = faultyValue(rule.kind) ? [{ path: prefix + key, kind: rule.kind }] : [];
    return rule.fields ? [...here, ...faultableRows(rule.fields, `${prefix}${key}.`)] : here;
  });
}
