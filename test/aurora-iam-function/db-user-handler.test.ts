import * as path from 'path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { handler } from '../../src/aurora-iam-function/db-user.lambda';
import { TestPostgres, connectAsAdmin, startTestPostgres } from '../support/postgres';

/**
 * The database-user custom resource handler (the bundled Lambda entry point, Secrets Manager
 * mocked) against a real PostgreSQL 17 server over verified TLS. `rds_iam` is created here as
 * Aurora provides it.
 */
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf';
const secrets = mockClient(SecretsManagerClient);
let server: TestPostgres;
let admin: Client;

function properties(userName: string, roles?: string[], onDelete = 'retain') {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    SecretArn: SECRET_ARN,
    Host: server.host,
    Port: String(server.port),
    Database: 'postgres',
    UserName: userName,
    ...(roles ? { Roles: roles } : {}),
    OnDelete: onDelete,
  };
}

const common = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ResponseURL: 'https://example.invalid/response',
  StackId: 'stack',
  RequestId: 'request',
  LogicalResourceId: 'DatabaseUser',
  ResourceType: 'Custom::AuroraIamDatabaseUser',
};
const create = (p: ReturnType<typeof properties>): CloudFormationCustomResourceEvent =>
  ({ ...common, RequestType: 'Create', ResourceProperties: p });
const update = (id: string, p: ReturnType<typeof properties>, old: ReturnType<typeof properties>): CloudFormationCustomResourceEvent =>
  ({ ...common, RequestType: 'Update', PhysicalResourceId: id, ResourceProperties: p, OldResourceProperties: old });
const remove = (id: string, p: ReturnType<typeof properties>): CloudFormationCustomResourceEvent =>
  ({ ...common, RequestType: 'Delete', PhysicalResourceId: id, ResourceProperties: p });

interface RoleRow { oid: number; canLogin: boolean; memberOf: string[] }
async function role(name: string): Promise<RoleRow | undefined> {
  const { rows } = await admin.query(
    `SELECT r.oid::int AS oid, r.rolcanlogin AS "canLogin",
            coalesce(array_agg(g.rolname::text ORDER BY g.rolname) FILTER (WHERE g.rolname IS NOT NULL), '{}'::text[]) AS "memberOf"
       FROM pg_roles r LEFT JOIN pg_auth_members m ON m.member = r.oid LEFT JOIN pg_roles g ON g.oid = m.roleid
      WHERE r.rolname = $1 GROUP BY r.oid, r.rolcanlogin`, [name]);
  return rows[0];
}

beforeAll(async () => {
  server = await startTestPostgres();
  process.env.DB_SSL_CA_FILE = server.caFile;
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({
    SecretString: JSON.stringify({ username: server.adminUser, password: server.adminPassword, engine: 'postgres' }),
  });
  admin = await connectAsAdmin(server);
  await admin.query('CREATE ROLE rds_iam NOLOGIN; CREATE ROLE reader NOLOGIN; CREATE ROLE writer NOLOGIN');
});

afterAll(async () => {
  delete process.env.DB_SSL_CA_FILE;
  await admin?.end();
  await server?.stop();
});

describe('database-user handler against PostgreSQL 17', () => {
  test('Create is idempotent: a login role in rds_iam and the given roles, once', async () => {
    const first = await handler(create(properties('app_user', ['reader'])));
    const before = await role('app_user');
    const second = await handler(create(properties('app_user', ['reader'])));
    expect(first).toEqual({ PhysicalResourceId: 'app_user', Data: { UserName: 'app_user' } });
    expect(second).toEqual(first);
    expect(before).toEqual({ oid: expect.any(Number), canLogin: true, memberOf: ['rds_iam', 'reader'] });
    expect(await role('app_user')).toEqual(before);
  });

  test('Create takes any name literally (quoted identifiers)', async () => {
    const name = 'Odd "name"; DROP ROLE reader; --';
    await handler(create(properties(name)));
    expect(await role(name)).toMatchObject({ canLogin: true, memberOf: ['rds_iam'] });
    expect(await role('reader')).toBeDefined();
  });

  test('Create restores LOGIN on an existing NOLOGIN role', async () => {
    await admin.query('CREATE ROLE dormant NOLOGIN');
    await handler(create(properties('dormant')));
    expect(await role('dormant')).toMatchObject({ canLogin: true, memberOf: ['rds_iam'] });
  });

  test('a failing Create leaves nothing behind (one transaction)', async () => {
    await expect(handler(create(properties('half_made', ['no_such_role'])))).rejects.toThrow(/role "no_such_role" does not exist/);
    expect(await role('half_made')).toBeUndefined();
  });

  test('Update renames the role in place and moves its grants', async () => {
    const old = properties('renamed_from', ['reader']);
    await handler(create(old));
    const { oid } = (await role('renamed_from'))!;
    const response = await handler(update('renamed_from', properties('renamed_to', ['writer']), old));
    expect(response.PhysicalResourceId).toBe('renamed_to');
    expect(await role('renamed_from')).toBeUndefined();
    expect(await role('renamed_to')).toEqual({ oid, canLogin: true, memberOf: ['rds_iam', 'writer'] });
    // CloudFormation then deletes the old physical id: nothing is left to drop.
    await handler(remove('renamed_from', properties('renamed_from', [], 'destroy')));
    expect(await role('renamed_to')).toMatchObject({ oid });
  });

  test('Update is idempotent and creates the role if it went missing', async () => {
    const p = properties('recreated', ['reader']);
    await handler(update('recreated', p, p));
    await handler(update('recreated', p, p));
    expect(await role('recreated')).toMatchObject({ canLogin: true, memberOf: ['rds_iam', 'reader'] });
  });

  test('Delete keeps the role by default (retain)', async () => {
    await handler(create(properties('kept')));
    await handler(remove('kept', properties('kept')));
    expect(await role('kept')).toMatchObject({ canLogin: true });
  });

  test('Delete with destroy drops the role, and is idempotent', async () => {
    await handler(create(properties('dropped', ['reader'], 'destroy')));
    await handler(remove('dropped', properties('dropped', ['reader'], 'destroy')));
    expect(await role('dropped')).toBeUndefined();
    await expect(handler(remove('dropped', properties('dropped', ['reader'], 'destroy')))).resolves
      .toEqual({ PhysicalResourceId: 'dropped', Data: { UserName: 'dropped' } });
  });

  test('Delete with destroy disables a role that still owns objects instead of dropping its data', async () => {
    await handler(create(properties('owner', [], 'destroy')));
    await admin.query('CREATE TABLE owned_table (id int); ALTER TABLE owned_table OWNER TO owner');
    await handler(remove('owner', properties('owner', [], 'destroy')));
    expect(await role('owner')).toMatchObject({ canLogin: false, memberOf: [] });
    expect((await admin.query("SELECT to_regclass('owned_table') IS NOT NULL AS exists")).rows[0].exists).toBe(true);
  });

  test('the bundled asset Lambda runs (assets/, built by `projen bundle`) behaves the same', async () => {
    const bundle = path.join(__dirname, '..', '..', 'assets', 'aurora-iam-function', 'db-user.lambda', 'index.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(bundle) as { handler: typeof handler };
    await bundled.handler(create(properties('bundled_user', ['reader'], 'destroy')));
    await bundled.handler(create(properties('bundled_user', ['reader'], 'destroy')));
    expect(await role('bundled_user')).toMatchObject({ canLogin: true, memberOf: ['rds_iam', 'reader'] });
    await bundled.handler(remove('bundled_user', properties('bundled_user', ['reader'], 'destroy')));
    expect(await role('bundled_user')).toBeUndefined();
  });

  test('reads the admin credentials from the secret it is given', async () => {
    const calls = secrets.commandCalls(GetSecretValueCommand);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.args[0].input.SecretId === SECRET_ARN)).toBe(true);
  });
});
