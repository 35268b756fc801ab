import { Duration, Lazy, Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { defineSpec, resolveProps } from '../../src/common/spec';
import { validateOrder } from '../../src/common/validation';
import { faultyValue, validValue } from '../support/spec-values';

interface Scaling { readonly min?: number; readonly max?: number }
interface Props {
  readonly size?: number;
  readonly reserved?: number;
  readonly window?: Duration;
  readonly name?: string;
  readonly mode?: string;
  readonly scaling?: Scaling;
  readonly legacy?: boolean;
}

const SPEC = defineSpec<Props>()({
  size: { kind: { kind: 'integer', min: 1, max: 10 }, default: 5, atMost: ['reserved'] },
  reserved: { kind: { kind: 'integer', min: 1 } },
  window: { kind: { kind: 'duration', unit: 'seconds', min: Duration.seconds(0), max: Duration.minutes(5) } },
  name: { kind: { kind: 'string', pattern: /^[a-z]+$/, expected: 'lower-case letters' }, default: 'live' },
  mode: { kind: { kind: 'oneOf', values: ['fast', 'safe'] }, requires: ['window'] },
  legacy: { kind: { kind: 'boolean' }, conflicts: ['scaling'] },
  scaling: {
    kind: { kind: 'other' },
    fields: {
      min: { kind: { kind: 'integer', min: 1 }, default: (_s: Scaling, root: Props) => root.size, atMost: ['scaling.max'] },
      max: { kind: { kind: 'integer', min: 1 } },
    },
  },
});

const token = (n: number) => Token.asNumber(Lazy.number({ produce: () => n }));

describe('resolveProps', () => {
  test('applies constant and derived defaults, nested ones too', () => {
    const config = resolveProps(SPEC, { scaling: { max: 8 } });
    expect(config.size).toBe(5);
    expect(config.name).toBe('live');
    expect(config.scaling).toEqual({ min: 5, max: 8 });
    // The type says so too: a defaulted prop is a number, not number | undefined.
    const size: number = config.size;
    expect(size).toBe(5);
  });

  test('a derived default sees the defaults of the rows above it', () => {
    const spec = defineSpec<Props>()({
      size: { kind: { kind: 'integer', min: 1, max: 10 }, default: 5 },
      reserved: { kind: { kind: 'integer', min: 1 }, default: (props: Props) => props.size! * 2 },
    });
    expect(resolveProps(spec, {}).reserved).toBe(10);
    expect(resolveProps(spec, { size: 3 }).reserved).toBe(6);
  });

  test('leaves props without a default undefined, and a given value as given', () => {
    const config = resolveProps(SPEC, { size: 2 });
    expect(config.size).toBe(2);
    expect(config.reserved).toBeUndefined();
    expect(config.scaling).toBeUndefined();
  });

  test('names the prop, the range and the value', () => {
    expect(() => resolveProps(SPEC, { size: 11 })).toThrow('size must be an integer between 1 and 10, got 11');
    expect(() => resolveProps(SPEC, { window: Duration.millis(1500) })).toThrow(/^window must be a whole number of seconds/);
    expect(() => resolveProps(SPEC, { name: 'Live' })).toThrow("name must be lower-case letters, got 'Live'");
    expect(() => resolveProps(SPEC, { mode: 'slow', window: Duration.seconds(1) })).toThrow("mode must be one of 'fast', 'safe', got 'slow'");
    expect(() => resolveProps(SPEC, { scaling: { min: 0 } })).toThrow('scaling.min must be an integer >= 1, got 0');
  });

  test('checks relations on the defaulted values', () => {
    expect(() => resolveProps(SPEC, { reserved: 3 })).toThrow('size (5) must be <= reserved (3)');
    expect(() => resolveProps(SPEC, { size: 9, scaling: { max: 4 } })).toThrow('scaling.min (9) must be <= scaling.max (4)');
    expect(() => resolveProps(SPEC, { mode: 'fast' })).toThrow('mode requires window');
    expect(() => resolveProps(SPEC, { legacy: true, scaling: {} })).toThrow('legacy cannot be combined with scaling');
  });

  test('never rejects a token, nor a relation with a token', () => {
    expect(() => resolveProps(SPEC, { size: token(99), reserved: token(1), scaling: { min: token(50), max: 2 } })).not.toThrow();
    expect(() => resolveProps(SPEC, { window: Duration.seconds(token(0.5)), name: Lazy.string({ produce: () => 'X' }) })).not.toThrow();
  });
});

describe('validateOrder', () => {
  test('compares numbers and durations, and skips unknown values', () => {
    expect(() => validateOrder('a', 2, 'b', 2)).not.toThrow();
    expect(() => validateOrder('a', 3, 'b', 2)).toThrow('a (3) must be <= b (2)');
    expect(() => validateOrder('a', Duration.minutes(2), 'b', Duration.seconds(90))).toThrow('a (2 minutes) must be <= b (1 minute 30 seconds)');
    expect(() => validateOrder('a', 3, 'b', undefined)).not.toThrow();
    expect(() => validateOrder('a', token(3), 'b', 2)).not.toThrow();
  });
});

describe('spec values', () => {
  test('every valid value is accepted and every faulty one refused, naming the prop', () => {
    for (const [prop, rule] of [['size', SPEC.rows.size], ['window', SPEC.rows.window]] as const) {
      fc.assert(fc.property(validValue(rule.kind), (v) => { resolveProps(SPEC, { [prop]: v, reserved: 10 }); }), { numRuns: 50 });
      fc.assert(fc.property(faultyValue(rule.kind)!, (v) => {
        expect(() => resolveProps(SPEC, { [prop]: v, reserved: 10 })).toThrow(new RegExp(`^${prop} must be`));
      }), { numRuns: 50 });
    }
  });
});
