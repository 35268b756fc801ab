import {
  UsageError, formatMs, parseDuration, parseFunctionRef, parseInteger, parsePayload, parseQualifier, parseRate,
} from '../../src/cli/options';

describe('parseInteger', () => {
  test('accepts whole numbers in range', () => {
    expect(parseInteger('--concurrency', '1', 1, 1000)).toBe(1);
    expect(parseInteger('--concurrency', '1000', 1, 1000)).toBe(1000);
  });

  test.each(['0', '1001', 'ten', '2.5', '-3', '', '1e3'])('rejects %j, naming the option, range and value', (raw) => {
    expect(() => parseInteger('--concurrency', raw, 1, 1000))
      .toThrow(new UsageError(`--concurrency must be an integer between 1 and 1000, got ${JSON.stringify(raw)}`));
  });
});

describe('parseDuration', () => {
  test('reads ms, s and m units', () => {
    expect(parseDuration('--max-p99', '200ms', 0, 900_000)).toBe(200);
    expect(parseDuration('--max-p99', '1.5s', 0, 900_000)).toBe(1500);
    expect(parseDuration('--duration', '2m', 1000, 3_600_000)).toBe(120_000);
    expect(parseDuration('--duration', '1h', 1000, 3_600_000)).toBe(3_600_000);
  });

  test('refuses a bare number: its unit would be a guess', () => {
    expect(() => parseDuration('--max-p99', '200', 0, 900_000))
      .toThrow(/--max-p99 must be a duration with a unit such as 200ms, 1.5s or 2m, got "200"/);
  });

  test('refuses a duration out of range', () => {
    expect(() => parseDuration('--duration', '2h', 1000, 3_600_000)).toThrow(/--duration must be between 1s and 1h, got "2h"/);
    expect(() => parseDuration('--duration', '2d', 1000, 3_600_000)).toThrow(/--duration must be a duration with a unit/);
    expect(() => parseDuration('--duration', '61m', 1000, 3_600_000)).toThrow(/--duration must be between 1s and 1h, got "61m"/);
    expect(() => parseDuration('--duration', '500ms', 1000, 3_600_000)).toThrow(/between 1s and 1h, got "500ms"/);
  });
});

describe('parseRate', () => {
  test('reads a fraction or a percentage', () => {
    expect(parseRate('--max-error-rate', '0.01')).toBe(0.01);
    expect(parseRate('--max-error-rate', '5%')).toBe(0.05);
    expect(parseRate('--max-error-rate', '0')).toBe(0);
  });

  test.each(['2', '150%', 'some', '-1%'])('rejects %j', (raw) => {
    expect(() => parseRate('--max-error-rate', raw))
      .toThrow(`--max-error-rate must be a fraction between 0 and 1 or a percentage between 0% and 100%, got ${JSON.stringify(raw)}`);
  });
});

describe('parseQualifier', () => {
  test.each(['$LATEST', '7', 'live', 'blue_green-2'])('accepts %j', (q) => {
    expect(parseQualifier(q)).toBe(q);
  });

  test.each(['', 'a:b', 'LATEST$', 'x'.repeat(129), 'with space'])('rejects %j', (q) => {
    expect(() => parseQualifier(q)).toThrow(/--qualifier must be a version number, \$LATEST or an alias name/);
  });
});

describe('parseFunctionRef', () => {
  test('a plain name', () => {
    expect(parseFunctionRef('orders')).toEqual({ functionName: 'orders', qualifier: undefined, region: undefined });
  });

  test('a name with a qualifier', () => {
    expect(parseFunctionRef('orders:live')).toEqual({ functionName: 'orders', qualifier: 'live', region: undefined });
  });

  test('a partial ARN', () => {
    expect(parseFunctionRef('123456789012:function:orders:3'))
      .toEqual({ functionName: '123456789012:function:orders', qualifier: '3', region: undefined });
  });

  test('a full ARN gives its region, in any partition', () => {
    expect(parseFunctionRef('arn:aws:lambda:eu-west-1:123456789012:function:orders:live')).toEqual({
      functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:orders', qualifier: 'live', region: 'eu-west-1',
    });
    expect(parseFunctionRef('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:orders').region).toBe('us-gov-west-1');
  });

  test.each(['', 'orders!', 'arn:aws:s3:::bucket', 'a:b:c:d', 'x'.repeat(65)])('rejects %j', (raw) => {
    expect(() => parseFunctionRef(raw)).toThrow(/<function> must be a function name, partial ARN/);
  });
});

describe('parsePayload', () => {
  test('returns valid JSON as given', () => {
    expect(parsePayload('--payload', '{"id": 1}')).toBe('{"id": 1}');
  });

  test('names the source of invalid JSON', () => {
    expect(() => parsePayload('--payload', '{id: 1}')).toThrow(/--payload must be valid JSON: /);
  });
});

test('formatMs picks the largest whole unit', () => {
  expect(formatMs(250)).toBe('250ms');
  expect(formatMs(1000)).toBe('1s');
  expect(formatMs(1500)).toBe('1500ms');
  expect(formatMs(120_000)).toBe('2m');
  expect(formatMs(3_600_000)).toBe('1h');
});
