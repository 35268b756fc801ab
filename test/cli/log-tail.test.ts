import { decodeLogResult, isColdStart, parseReportLine } from '../../src/cli/log-tail';

// REPORT lines as Lambda writes them (tab-separated, trailing tab).
const WARM = 'REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\t'
  + 'Memory Size: 128 MB\tMax Memory Used: 18 MB\t';
const COLD = 'REPORT RequestId: 8f5a1c2e-0b7d-4a52-9a9e-1c3d5e7f9a0b\tDuration: 3.15 ms\tBilled Duration: 4 ms\t'
  + 'Memory Size: 1024 MB\tMax Memory Used: 67 MB\tInit Duration: 156.03 ms\t';
const SNAPSTART = 'REPORT RequestId: 0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f\tDuration: 40.02 ms\tBilled Duration: 41 ms\t'
  + 'Memory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 312.45 ms\tBilled Restore Duration: 180 ms\t';
const XRAY = `${COLD}\nXRAY TraceId: 1-5e1b4151-5ac6c58f5a5bbeb4f2bfbe5d\tSegmentId: 1a2b3c4d5e6f7a8b\tSampled: true\t`;

const tail = (...lines: string[]) => `START RequestId: x Version: $LATEST\n${lines.join('\n')}\nEND RequestId: x\n`;

describe('parseReportLine', () => {
  test('reads every figure of a warm invocation, without Init Duration', () => {
    expect(parseReportLine(tail(WARM))).toEqual({
      requestId: '3604209a-e9a3-11e6-939a-754dd98c7be3',
      durationMs: 12.34,
      billedDurationMs: 13,
      memorySizeMb: 128,
      maxMemoryUsedMb: 18,
      initDurationMs: undefined,
      restoreDurationMs: undefined,
    });
    expect(isColdStart(parseReportLine(tail(WARM))!)).toBe(false);
  });

  test('an Init Duration marks a cold start, and Duration is not confused with it', () => {
    const report = parseReportLine(tail(COLD))!;
    expect(report.durationMs).toBe(3.15);
    expect(report.billedDurationMs).toBe(4);
    expect(report.initDurationMs).toBe(156.03);
    expect(isColdStart(report)).toBe(true);
  });

  test('a SnapStart Restore Duration also marks a cold start', () => {
    const report = parseReportLine(tail(SNAPSTART))!;
    expect(report.restoreDurationMs).toBe(312.45);
    expect(report.billedDurationMs).toBe(41);
    expect(report.initDurationMs).toBeUndefined();
    expect(isColdStart(report)).toBe(true);
  });

  test('a trailing XRAY line does not hide the REPORT line', () => {
    expect(parseReportLine(XRAY)?.initDurationMs).toBe(156.03);
  });

  test('function output that mentions durations is not taken for the REPORT line', () => {
    const log = tail('2026-11-30T12:00:00Z\tx\tINFO\tInit Duration: 999 ms (just a log message)', WARM);
    const report = parseReportLine(log)!;
    expect(report.durationMs).toBe(12.34);
    expect(report.initDurationMs).toBeUndefined();
  });

  test('a tail without a REPORT line (cut short, or not provided) gives undefined', () => {
    expect(parseReportLine('START RequestId: x Version: $LATEST\nhello\n')).toBeUndefined();
    expect(parseReportLine('')).toBeUndefined();
    expect(parseReportLine('REPORT RequestId: x\tsomething else\n')).toBeUndefined();
  });

  test('CRLF line ends are accepted', () => {
    expect(parseReportLine(tail(COLD).replace(/\n/g, '\r\n'))?.initDurationMs).toBe(156.03);
  });
});

describe('decodeLogResult', () => {
  test('decodes the base64 LogResult of an Invoke response', () => {
    const encoded = Buffer.from(tail(COLD)).toString('base64');
    expect(decodeLogResult(encoded)).toBe(tail(COLD));
    expect(isColdStart(parseReportLine(decodeLogResult(encoded))!)).toBe(true);
  });
});
