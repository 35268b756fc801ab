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
    expect(() => validateDurationRange('window', Duration.minutes(5), 'seconds', Duration.seconds(0), Duration.seconds(300))).not.toThrow();
    expect(() => validateDurationRange('window', Duration.seconds(301), 'seconds', Duration.seconds(0), Duration.seconds(300)))
      .toThrow('window must be between 0 seconds and 5 minutes, got 5 minutes 1 second');
  });
  test('never rejects a token duration', () => {
    const token = Duration.seconds(Token.asNumber(Lazy.number({ produce: () => 9999 })));
    expect(() => validateDurationRange('window', token, 'seconds', Duration.seconds(0), Duration.seconds(300))).not.toThrow();
  });
  test('without a maximum, only the minimum bounds the value', () => {
    expect(() => validateDurationRange('expiration', Duration.days(10_000), 'days', Duration.days(1))).not.toThrow();
    expect(() => validateDurationRange('expiration', Duration.hours(12), 'days', Duration.days(1)))
      .toThrow('expiration must be at least 1 day, got 12 hours');
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
    expect(() => validateDurationRange('maxP99', Duration.millis(300), 'milliseconds', Duration.millis(1), Duration.minutes(15))).not.toThrow();
    expect(() => validateDurationRange('maxP99', Duration.millis(0), 'milliseconds', Duration.millis(1), Duration.minutes(15)))
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

describe('validateDurationRange in whole units', () => {
  const min = Duration.seconds(0);
  const max = Duration.minutes(5);
  test('a fraction of the unit is named, in that unit; whole values and tokens pass', () => {
    expect(() => validateDurationRange('window', Duration.seconds(2), 'seconds', min, max)).not.toThrow();
    expect(() => validateDurationRange('window', Duration.millis(1500), 'seconds', min, max))
      .toThrow('window must be a whole number of seconds between 0 seconds and 5 minutes, got 1.5 seconds');
    expect(() => validateDurationRange('window', Duration.millis(1500), 'milliseconds', min, max)).not.toThrow();
    const token = Duration.millis(Token.asNumber(Lazy.number({ produce: () => 1500 })));
    expect(() => validateDurationRange('window', token, 'seconds', min, max)).not.toThrow();
  });
  test('every unit, below a millisecond included', () => {
    expect(() => validateDurationRange('ttl', Duration.millis(0.5), 'milliseconds', Duration.millis(0), Duration.seconds(1)))
      .toThrow('ttl must be a whole number of milliseconds between 0 ms and 1 second, got 0.5 milliseconds');
    expect(() => validateDurationRange('ttl', Duration.seconds(90), 'minutes', Duration.minutes(1), Duration.hours(1)))
      .toThrow('ttl must be a whole number of minutes between 1 minute and 1 hour, got 1.5 minutes');
    expect(() => validateDurationRange('ttl', Duration.minutes(90), 'hours', Duration.hours(1), Duration.days(2)))
      .toThrow('ttl must be a whole number of hours between 1 hour and 2 days, got 1.5 hours');
    expect(() => validateDurationRange('ttl', Duration.hours(36), 'days', Duration.days(1), Duration.days(35)))
      .toThrow('ttl must be a whole number of days between 1 day and 35 days, got 1.5 days');
    expect(() => validateDurationRange('ttl', Duration.hours(48), 'days', Duration.days(1), Duration.days(35))).not.toThrow();
  });
  test('agrees with aws-cdk-lib on what converts: a value that passes converts without error', () => {
    // 4.35 minutes is 261 seconds, but not in floating point, where toSeconds() refuses it.
    expect(() => Duration.minutes(4.35).toSeconds()).toThrow(/cannot be converted into a whole number of seconds/);
    expect(() => validateDurationRange('window', Duration.minutes(4.35), 'seconds', min, max)).toThrow(/^window must be a whole number of seconds/);
    expect(() => validateDurationRange('window', Duration.minutes(0.5), 'seconds', min, max)).not.toThrow();
    expect(Duration.minutes(0.5).toSeconds()).toBe(30);
  });
});

describe('validateNumberRange with a step', () => {
  test('accepts the multiples of the step in range and names a value between two of them', () => {
    expect(() => validateNumberRange('capacity', 1.5, 0, 256, 0.5)).not.toThrow();
    expect(() => validateNumberRange('capacity', 1.25, 0, 256, 0.5)).toThrow('capacity must be a multiple of 0.5 between 0 and 256, got 1.25');
    expect(() => validateNumberRange('capacity', 300, 0, 256, 0.5)).toThrow('capacity must be between 0 and 256, got 300');
  });
});
