import { App, ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AuroraIamFunction } from '../../src';
import { Call, simulate } from '../support/permissions';

/**
 * The calls AuroraIamFunction's principals make at run time, each simulated against the policies the
 * stack synthesizes (test/support/permissions.ts): allowed where the construct needs them, denied on
 * the neighbours. The function logs in with an IAM authentication token, which RDS authorizes as
 * rds-db:connect on `dbuser:<cluster resource id>/<user>`, or `dbuser:<proxy id>/<user>` through
 * RDS Proxy (Aurora user guide, "Creating and using an IAM policy for IAM database access"); the
 * database-user handler reads the cluster's admin secret to create the user.
 */
function build(proxy: boolean) {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = new AuroraIamFunction(stack, 'Fn', { vpc, code: lambda.Code.fromInline('exports.handler = async () => 1;'), handler: 'index.handler', proxy });
  const dbuser = (id: string, user: string) => stack.formatArn({ service: 'rds-db', resource: 'dbuser', resourceName: `${id}/${user}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return { stack, fn, dbuser, role: fn.lambdaFunction.role! };
}

describe('AuroraIamFunction permissions', () => {
  const { stack, fn, dbuser, role } = build(false);
  const clusterId = fn.cluster.clusterResourceIdentifier;
  const user = fn.databaseUser.userName;
  const other = new secretsmanager.Secret(stack, 'OtherSecret');
  const adminSecret = (fn.cluster as rds.DatabaseCluster).secret!.secretArn;

  test.each<[string, Call]>([
    ['the function: rds-db:connect as its user', { who: role, action: 'rds-db:connect', resource: dbuser(clusterId, user) }],
    ["the database-user handler: secretsmanager:GetSecretValue on the cluster's admin secret",
      { who: fn.databaseUser.handlerFunction.role!, action: 'secretsmanager:GetSecretValue', resource: adminSecret }],
  ])('allowed: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toBe('Allowed');
  });

  test.each<[string, Call]>([
    ['the function: rds-db:connect as the admin user', { who: role, action: 'rds-db:connect', resource: dbuser(clusterId, 'postgres') }],
    ['the function: rds-db:connect as another user', { who: role, action: 'rds-db:connect', resource: dbuser(clusterId, `${user}_other`) }],
    ['the function: rds-db:connect as its user on another cluster', { who: role, action: 'rds-db:connect', resource: dbuser('cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ', user) }],
    ["the function: secretsmanager:GetSecretValue on the cluster's admin secret", { who: role, action: 'secretsmanager:GetSecretValue', resource: adminSecret }],
    ['the database-user handler: secretsmanager:GetSecretValue on another secret',
      { who: fn.databaseUser.handlerFunction.role!, action: 'secretsmanager:GetSecretValue', resource: other.secretArn }],
  ])('denied: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toMatch(/Denied$/);
  });
});

describe('AuroraIamFunction permissions through RDS Proxy', () => {
  const { stack, fn, dbuser, role } = build(true);
  const proxyId = Fn.select(6, Fn.split(':', fn.proxy!.dbProxyArn));
  const user = fn.databaseUser.userName;

  test('allowed: the function: rds-db:connect as its user through the proxy', async () => {
    expect(await simulate(stack, { who: role, action: 'rds-db:connect', resource: dbuser(proxyId, user) })).toBe('Allowed');
  });

  test.each<[string, Call]>([
    ['the function: rds-db:connect as the admin user through the proxy', { who: role, action: 'rds-db:connect', resource: dbuser(proxyId, 'postgres') }],
    ['the function: rds-db:connect as its user on the cluster, past the proxy', { who: role, action: 'rds-db:connect', resource: dbuser(fn.cluster.clusterResourceIdentifier, user) }],
  ])('denied: %s', async (_name, call) => {
    expect(await simulate(stack, call)).toMatch(/Denied$/);
  });
});
