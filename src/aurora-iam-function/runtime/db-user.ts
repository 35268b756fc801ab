import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  RDS_IAM_ROLE, SELECT_MEMBERSHIP, SELECT_ROLE, createLoginRole, disableLogin, dropRole, enableLogin,
  grantRole, renameRole, revokeRole,
} from './sql';

/** The part of a `pg` client the user handler needs (a connected admin session). */
export interface SqlSession {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/** Properties of the `Custom::AuroraIamDatabaseUser` resource (CloudFormation passes strings). */
export interface DatabaseUserProperties {
  readonly SecretArn: string;
  readonly Host: string;
  readonly Port: string;
  readonly Database: string;
  readonly UserName: string;
  /** Database roles granted to the user besides `rds_iam`. */
  readonly Roles?: string[];
  /** `destroy` drops the user on Delete; `retain` keeps it. */
  readonly OnDelete?: string;
}

export interface DatabaseUserResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly UserName: string };
}

/** SQLSTATE 2BP01: the role still owns objects or holds privileges, so it cannot be dropped. */
const DEPENDENT_OBJECTS_STILL_EXIST = '2BP01';

async function roleCanLogin(db: SqlSession, user: string): Promise<boolean | undefined> {
  const { rows } = await db.query(SELECT_ROLE, [user]);
  return rows.length === 0 ? undefined : rows[0].rolcanlogin === true;
}

async function isMember(db: SqlSession, user: string, role: string): Promise<boolean> {
  return (await db.query(SELECT_MEMBERSHIP, [user, role])).rows.length > 0;
}

/** Creates the login role if missing, lets it log in, and grants `rds_iam` and `roles`. Idempotent. */
async function ensureUser(db: SqlSession, user: string, roles: string[]): Promise<void> {
  const canLogin = await roleCanLogin(db, user);
  if (canLogin === undefined) {
    await db.query(createLoginRole(user));
  } else if (!canLogin) {
    await db.query(enableLogin(user));
  }
  for (const role of [RDS_IAM_ROLE, ...roles]) {
    if (!(await isMember(db, user, role))) {
      await db.query(grantRole(role, user));
    }
  }
}

/**
 * Drops the user. A user that still owns objects or holds privileges cannot be dropped without
 * destroying data (PostgreSQL refuses): it then loses LOGIN and `rds_iam` instead, so nobody can
 * connect as it, the stack deletion is not blocked, and the data stays for a human to decide.
 */
async function removeUser(db: SqlSession, user: string): Promise<void> {
  if ((await roleCanLogin(db, user)) === undefined) return;
  await db.query('SAVEPOINT drop_user');
  try {
    await db.query(dropRole(user));
  } catch (error) {
    if ((error as { code?: string }).code !== DEPENDENT_OBJECTS_STILL_EXIST) throw error;
    await db.query('ROLLBACK TO SAVEPOINT drop_user');
    await db.query(disableLogin(user));
    if (await isMember(db, user, RDS_IAM_ROLE)) {
      await db.query(revokeRole(RDS_IAM_ROLE, user));
    }
  }
}

/**
 * Applies a CloudFormation event for the database user in one transaction. The physical id is the
 * user name, so a rename (an Update with a new name) renames the role in place and CloudFormation's
 * follow-up Delete of the old name finds nothing to drop.
 */
export async function applyDatabaseUserEvent(db: SqlSession, event: CloudFormationCustomResourceEvent): Promise<DatabaseUserResponse> {
  const props = event.ResourceProperties as unknown as DatabaseUserProperties;
  const user = props.UserName;
  const roles = props.Roles ?? [];

  await db.query('BEGIN');
  try {
    switch (event.RequestType) {
      case 'Create':
        await ensureUser(db, user, roles);
        break;
      case 'Update': {
        const old = event.OldResourceProperties as unknown as DatabaseUserProperties;
        if (old.UserName !== user
          && (await roleCanLogin(db, old.UserName)) !== undefined
          && (await roleCanLogin(db, user)) === undefined) {
          await db.query(renameRole(old.UserName, user));
        }
        await ensureUser(db, user, roles);
        for (const role of (old.Roles ?? []).filter((r) => !roles.includes(r))) {
          if (await isMember(db, user, role)) {
            await db.query(revokeRole(role, user));
          }
        }
        break;
      }
      case 'Delete':
        if (props.OnDelete === 'destroy') {
          await removeUser(db, event.PhysicalResourceId);
        }
        break;
    }
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
  const name = event.RequestType === 'Delete' ? event.PhysicalResourceId : user;
  return { PhysicalResourceId: name, Data: { UserName: name } };
}
