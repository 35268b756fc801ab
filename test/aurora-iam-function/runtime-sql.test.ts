import {
  createLoginRole, dropRole, grantRole, quoteIdentifier, renameRole, revokeRole,
} from '../../src/aurora-iam-function/runtime/sql';

describe('quoteIdentifier', () => {
  test.each([
    ['app_user', '"app_user"'],
    ['MixedCase', '"MixedCase"'],
    ['user', '"user"'],
    ['a"b', '"a""b"'],
    ['x"; DROP TABLE t; --', '"x""; DROP TABLE t; --"'],
  ])('%s -> %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  test('rejects an empty name', () => {
    expect(() => quoteIdentifier('')).toThrow(/must not be empty/);
  });

  test('rejects a NUL character', () => {
    expect(() => quoteIdentifier('a\0b')).toThrow(/must not contain a NUL/);
  });

  test('counts bytes, not characters, against the 63-byte limit', () => {
    expect(quoteIdentifier('a'.repeat(63))).toBe(`"${'a'.repeat(63)}"`);
    expect(() => quoteIdentifier('a'.repeat(64))).toThrow(/at most 63 bytes, got 64/);
    expect(() => quoteIdentifier('é'.repeat(32))).toThrow(/at most 63 bytes, got 64/);
  });
});

describe('statements', () => {
  test('quote every identifier', () => {
    expect(createLoginRole('u"1')).toBe('CREATE ROLE "u""1" LOGIN');
    expect(grantRole('rds_iam', 'u')).toBe('GRANT "rds_iam" TO "u"');
    expect(revokeRole('r', 'u')).toBe('REVOKE "r" FROM "u"');
    expect(renameRole('a', 'b')).toBe('ALTER ROLE "a" RENAME TO "b"');
    expect(dropRole('u')).toBe('DROP ROLE IF EXISTS "u"');
  });
});
