/**
 * SQL for the database-user custom resource, kept pure so it is tested without AWS or a server.
 * PostgreSQL identifiers cannot be bound as query parameters, so every name is quoted here.
 */

/** PostgreSQL silently truncates longer identifiers, which would desynchronise the IAM grant. */
const MAX_IDENTIFIER_BYTES = 63;

/** The role Aurora PostgreSQL checks IAM tokens for. */
export const RDS_IAM_ROLE = 'rds_iam';

/**
 * Quotes a PostgreSQL identifier (`"` doubled), so any name, including reserved words and
 * mixed case, is taken literally and cannot inject SQL.
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) {
    throw new Error('a PostgreSQL identifier must not be empty');
  }
  if (name.includes('\0')) {
    throw new Error('a PostgreSQL identifier must not contain a NUL character');
  }
  const bytes = Buffer.byteLength(name, 'utf-8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new Error(`a PostgreSQL identifier must be at most ${MAX_IDENTIFIER_BYTES} bytes, got ${bytes}: ${name}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Whether a role exists and may log in: one row (`rolcanlogin`) or none. Bind `$1` to the name. */
export const SELECT_ROLE = 'SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1';

/** Whether `$1` is a member of `$2`: one row or none. */
export const SELECT_MEMBERSHIP =
  'SELECT 1 FROM pg_catalog.pg_auth_members m ' +
  'JOIN pg_catalog.pg_roles u ON u.oid = m.member JOIN pg_catalog.pg_roles r ON r.oid = m.roleid ' +
  'WHERE u.rolname = $1 AND r.rolname = $2';

export const createLoginRole = (user: string) => `CREATE ROLE ${quoteIdentifier(user)} LOGIN`;
export const enableLogin = (user: string) => `ALTER ROLE ${quoteIdentifier(user)} LOGIN`;
export const disableLogin = (user: string) => `ALTER ROLE ${quoteIdentifier(user)} NOLOGIN`;
export const renameRole = (from: string, to: string) => `ALTER ROLE ${quoteIdentifier(from)} RENAME TO ${quoteIdentifier(to)}`;
export const grantRole = (role: string, user: string) => `GRANT ${quoteIdentifier(role)} TO ${quoteIdentifier(user)}`;
export const revokeRole = (role: string, user: string) => `REVOKE ${quoteIdentifier(role)} FROM ${quoteIdentifier(user)}`;
export const dropRole = (user: string) => `DROP ROLE IF EXISTS ${quoteIdentifier(user)}`;
