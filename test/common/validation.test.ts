import { Duration, Lazy, Token } from 'aws-cdk-lib';
import { allResolved, validateDurationRange, validateIntegerAtLeast, validateIntegerRange, validateNumberRange } from '../../src/common/validation';

describe('validateIntegerRange', () => {
  test('accepts the bounds and undefined', () => {
    expect(() => validateIntegerRange('factor', 1, 1, 10)).not.toThrow();
    expect(() => validateIntegerRange('factor', 10, 1, 10)).not.toThrow();
    expect(() => validateIntegerRange('factor', undefined, 1, 10)).not.toThrow();
  });
  test('names the prop, the range and the value', () => {
    expect(() => validateIntegerRange('factor', 11, 1, 10)).toThrow('factor must be an integer between 1 and 10, got 11');
    expect(() => validateIntegerRange('factor', 0, 1, 10)).toThrow(/between 1 and 10, got 0/);
    expect(() => validateIntegerRange('factor', 2.5, 1, 10)).toThrow(/integer between 1 and 10, got 2.5/);
  });
  test('never rejects a token', () => {
    expect(() => validateIntegerRange('factor', Token.asNumber(Lazy.number({ produce: () => 99 })), 1, 10)).not.toThrow();
  });
});

describe('validateNumberRange', () => {
  test('accepts fractions inside the range and rejects outside', () => {
    expect(() => validateNumberRange('target', 0.7, 0.1, 0.9)).not.toThrow();
    expect(() => validateNumberRange('target', 0.95, 0.1, 0.9)).toThrow('target must be between 0.1 and 0.9, got 0.95');
    expect(() => validateNumberRange('target', NaN, 0.1, 0.9)).toThrow(/got NaN/);
  });
});

describe('validateDurationRange', () => {
  test('compares in seconds and prints human durations', () => {
    expect(() => validateDurationRange('window', Duration.minutes(5), Duration.seconds(0), Duration.seconds(300))).not.toThrow();
    expect(() => validateDurationRange('window', Duration.seconds(301), Duration.seconds(0), Duration.seconds(300)))
      .toThrow('window must be between 0 seconds and 5 minutes, got 5 minutes 1 second');
  });
  test('never rejects a token duration', () => {
    const token = Duration.seconds(Token.asNumber(Lazy.number({ produce: () => 9999 })));
    expect(() => validateDurationRange('window', token, Duration.seconds(0), Duration.seconds(300))).not.toThrow();
  });
});

describe('allResolved', () => {
  test('is false when any value is missing or a token', () => {
    expect(allResolved(1, 'a', Duration.seconds(1))).toBe(true);
    expect(allResolved(1, undefined)).toBe(false);
    expect(allResolved(Token.asNumber(Lazy.number({ produce: () => 1 })))).toBe(false);
    expect(allResolved(Duration.seconds(Token.asNumber(Lazy.number({ produce: () => 1 }))))).toBe(false);
  });
});

describe('validateDurationRange below a second', () => {
  test('accepts and rejects millisecond durations', () => {
    expect(() => validateDurationRange('maxP99', Duration.millis(300), Duration.millis(1), Duration.minutes(15))).not.toThrow();
    expect(() => validateDurationRange('maxP99', Duration.millis(0), Duration.millis(1), Duration.minutes(15)))
      .toThrow('maxP99 must be between 1 ms and 15 minutes, got 0 ms');
  });
});

describe('validateIntegerAtLeast', () => {
  test('names the prop, the bound and the value; tokens pass', () => {
    expect(() => validateIntegerAtLeast('shardCount', 1, 1)).not.toThrow();
    expect(() => validateIntegerAtLeast('shardCount', 0, 1)).toThrow('shardCount must be an integer >= 1, got 0');
    expect(() => validateIntegerAtLeast('shardCount', 1.5, 1)).toThrow('shardCount must be an integer >= 1, got 1.5');
    expect(() => validateIntegerAtLeast('shardCount', Token.asNumber(Lazy.number({ produce: () => 0 })), 1)).not.toThrow();
  });
});

describe('validateDurationRange with wholeSeconds', () => {
  test('a fraction of a second is named, in milliseconds; whole seconds and tokens pass', () => {
    const min = Duration.seconds(0);
    const max = Duration.minutes(5);
    expect(() => validateDurationRange('window', Duration.seconds(2), min, max, { wholeSeconds: true })).not.toThrow();
    expect(() => validateDurationRange('window', Duration.millis(1500), min, max, { wholeSeconds: true }))
      .toThrow('window must be a whole number of seconds between 0 seconds and 5 minutes, got 1500 ms');
    expect(() => validateDurationRange('window', Duration.millis(1500), min, max)).not.toThrow();
    const token = Duration.millis(Token.asNumber(Lazy.number({ produce: () => 1500 })));
    expect(() => validateDurationRange('window', token, min, max, { wholeSeconds: true })).not.toThrow();
  });
});
