import { App, CfnParameter, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AuroraIamDatabaseUser, AuroraIamFunction, AuroraIamFunctionProps } from '../../src';
import { createDeadLetterQueue } from '../../src/common/secure-queue';
import { expectWholeDurationProp } from '../support/durations';
import { expectCleanStack } from '../support/quality-gates';

const CODE = lambda.Code.fromInline('exports.handler = async () => 1;');

function setup(withEgress = false): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: withEgress ? 1 : 0,
    subnetConfiguration: withEgress
      ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }]
      : [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  vpc.addFlowLog('FlowLog');
  return { stack, vpc };
}

function build(props: Partial<AuroraIamFunctionProps> = {}, withEgress = false) {
  const { stack, vpc } = setup(withEgress);
  const fn = new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', ...props });
  return { stack, vpc, fn, template: Template.fromStack(stack) };
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as ec2.CfnSecurityGroup).logicalId);

/** The function's own IAM statements (its default policy), by action. */
function functionStatements(template: Template, action: string): any[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { PolicyName: Match.stringLikeRegexp('^FnFunctionServiceRoleDefaultPolicy') },
  });
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Action].flat().includes(action));
}

describe('AuroraIamFunction defaults', () => {
  test('defines an Aurora PostgreSQL cluster with IAM auth, encryption, TLS required, deletion protection and backups', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: '17.5',
      EnableIAMDatabaseAuthentication: true,
      StorageEncrypted: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      EnableCloudwatchLogsExports: ['postgresql'],
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      Port: 5432,
    });
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
  });

  test('places the cluster in the isolated subnets', () => {
    const { template } = build({}, true);
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [{ Ref: Match.stringLikeRegexp('^VpcdbSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcdbSubnet2') }],
    });
  });

  test('the function runs Node.js 24 in the private subnets with its own security group', () => {
    const { stack, fn, template } = build({}, true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      VpcConfig: {
        SecurityGroupIds: [{ 'Fn::GetAtt': [ref(stack, fn.connections.securityGroups[0]), 'GroupId'] }],
        SubnetIds: [{ Ref: Match.stringLikeRegexp('^VpcappSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcappSubnet2') }],
      },
    });
  });

  test('sets DB_HOST, DB_PORT, DB_NAME, DB_USER and the Lambda CA bundle, and no secret', () => {
    const { stack, fn, template } = build();
    const cluster = ref(stack, fn.cluster as rds.DatabaseCluster);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: {
          NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
          DB_HOST: { 'Fn::GetAtt': [cluster, 'Endpoint.Address'] },
          DB_PORT: { 'Fn::GetAtt': [cluster, 'Endpoint.Port'] },
          DB_NAME: 'postgres',
          DB_USER: 'lambda_iam_user',
        },
      },
    });
    expect(functionStatements(template, 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  test('grants rds-db:connect on exactly dbuser:<cluster resource id>/<user>', () => {
    const { stack, fn, template } = build();
    expect(functionStatements(template, 'rds-db:connect')).toEqual([{
      Action: 'rds-db:connect',
      Effect: 'Allow',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
          ':dbuser:', { 'Fn::GetAtt': [ref(stack, fn.cluster as rds.DatabaseCluster), 'DBClusterResourceId'] }, '/lambda_iam_user']],
      },
    }]);
  });

  test('the cluster accepts the function and the user handler on its port, and nothing else', () => {
    const { stack, fn, template } = build();
    const cluster = fn.cluster as rds.DatabaseCluster;
    const clusterSg = ref(stack, cluster.connections.securityGroups[0]);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties);
    const port = { 'Fn::GetAtt': [ref(stack, cluster), 'Endpoint.Port'] };
    expect(ingress).toEqual(expect.arrayContaining([
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [clusterSg, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: { 'Fn::GetAtt': [ref(stack, fn.connections.securityGroups[0]), 'GroupId'] },
      }),
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [clusterSg, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: { 'Fn::GetAtt': [ref(stack, fn.databaseUser.securityGroup), 'GroupId'] },
      }),
    ]));
    expect(ingress).toHaveLength(2);
    for (const sg of Object.values(template.findResources('AWS::EC2::SecurityGroup')) as any[]) {
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    }
  });

  test('creates the database user through the custom resource, retained on delete', () => {
    const { stack, fn, template } = build();
    const cluster = fn.cluster as rds.DatabaseCluster;
    template.hasResource('Custom::AuroraIamDatabaseUser', {
      Properties: {
        SecretArn: { Ref: Match.stringLikeRegexp('^FnClusterSecretAttachment') },
        Host: { 'Fn::GetAtt': [ref(stack, cluster), 'Endpoint.Address'] },
        Port: { 'Fn::GetAtt': [ref(stack, cluster), 'Endpoint.Port'] },
        Database: 'postgres',
        UserName: 'lambda_iam_user',
        Roles: [],
        OnDelete: 'retain',
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^FnClusterWriter')]),
    });
    // The function logs in only after the user exists.
    template.hasResource('AWS::Lambda::Function', {
      Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Environment: { Variables: Match.objectLike({ DB_USER: 'lambda_iam_user' }) } },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^FnDatabaseUser[0-9A-F]{8}$')]),
    });
  });

  test('only the bundled user handler, in the VPC, may read the admin secret', () => {
    const { stack, fn, template } = build();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Timeout: 120,
      Code: { S3Key: Match.stringLikeRegexp('\\.zip$') },
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [ref(stack, fn.databaseUser.securityGroup), 'GroupId'] }] },
    });
    const readers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]: [string, any]) =>
      p.Properties.PolicyDocument.Statement.some((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue')));
    expect(readers.map(([id]) => id)).toEqual([expect.stringMatching(/^FnDatabaseUserHandlerServiceRoleDefaultPolicy/)]);
  });

  test('alarms on function errors and on the cluster capacity ceiling, without actions', () => {
    const { fn, template } = build();
    expect(fn.alarms).toHaveLength(2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ACUUtilization',
      Namespace: 'AWS/RDS',
      Statistic: 'Average',
      Period: 300,
      Threshold: 90,
      EvaluationPeriods: 3,
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: { Ref: Match.stringLikeRegexp('^FnCluster') } }],
    });
  });

  test('metricErrors and metricDuration are the function\'s', () => {
    const { stack, fn } = build();
    expect(stack.resolve(fn.metricErrors().dimensions)).toEqual(stack.resolve(fn.lambdaFunction.metricErrors().dimensions));
    expect(fn.metricDuration().metricName).toBe('Duration');
    expect(fn.metricErrors().metricName).toBe('Errors');
  });

  test('metricServerlessDatabaseCapacity and metricACUUtilization are the cluster\'s (average over 5 minutes)', () => {
    const { stack, fn } = build();
    for (const [metric, name] of [[fn.metricServerlessDatabaseCapacity(), 'ServerlessDatabaseCapacity'], [fn.metricACUUtilization(), 'ACUUtilization']] as const) {
      expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toMinutes()]).toEqual(['AWS/RDS', name, 'Average', 5]);
      expect(stack.resolve(metric.dimensions)).toEqual({ DBClusterIdentifier: { Ref: expect.stringMatching(/^FnCluster/) } });
    }
  });

  test('grantConnect lets another principal log in as the same user, and nothing more', () => {
    const { stack, vpc } = setup();
    const fn = new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler' });
    const role = new iam.Role(stack, 'Other', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    fn.grantConnect(role);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Other') }],
      PolicyDocument: { Statement: [functionStatements(template, 'rds-db:connect')[0]] },
    });
  });

  test('implements IGrantable and IConnectable with the function', () => {
    const { fn } = build();
    expect(fn.grantPrincipal).toBe(fn.lambdaFunction.grantPrincipal);
    expect(fn.connections).toBe(fn.lambdaFunction.connections);
  });

  test('passes cfn-lint and cdk-nag', async () => {
    await expectCleanStack(build().stack);
  });
});

describe('AuroraIamFunction with an RDS Proxy', () => {
  test('puts an IAM-auth proxy with TLS in front of the cluster, without a secret', () => {
    const { template } = build({ proxy: true });
    template.hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'POSTGRESQL',
      RequireTLS: true,
      DefaultAuthScheme: 'IAM_AUTH',
      Auth: Match.absent(),
    });
  });

  test('the function connects to the proxy and may connect as its user through the proxy only', () => {
    const { stack, fn, template } = build({ proxy: true });
    const proxy = ref(stack, fn.proxy!);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DB_HOST: { 'Fn::GetAtt': [proxy, 'Endpoint'] }, DB_PORT: '5432' }) },
    });
    const [grant, ...others] = functionStatements(template, 'rds-db:connect');
    expect(others).toEqual([]);
    // dbuser:<prx- id, the last part of the proxy ARN>/<user>, as DatabaseProxy.grantConnect builds it.
    expect(JSON.stringify(grant.Resource)).toContain(`{"Fn::Select":[6,{"Fn::Split":[":",{"Fn::GetAtt":["${proxy}","DBProxyArn"]}]}]},"/lambda_iam_user"`);
    expect(JSON.stringify(grant.Resource)).not.toContain('DBClusterResourceId');
  });

  test('the proxy role may connect to the cluster as the user (end-to-end IAM)', () => {
    const { stack, fn, template } = build({ proxy: true });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^FnProxyRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [{
          Action: 'rds-db:connect',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [ref(stack, fn.cluster as rds.DatabaseCluster), 'DBClusterResourceId'] }, '/lambda_iam_user'])],
          },
        }],
      },
    });
  });

  test('the proxy accepts the function on 5432; the cluster accepts the proxy, not the function', () => {
    const { stack, fn, template } = build({ proxy: true });
    const functionSg = { 'Fn::GetAtt': [ref(stack, fn.connections.securityGroups[0]), 'GroupId'] };
    const proxySg = fn.proxy!.connections.securityGroups[0];
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [ref(stack, proxySg), 'GroupId'] }, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: functionSg,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [ref(stack, (fn.cluster as rds.DatabaseCluster).connections.securityGroups[0]), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [ref(stack, proxySg), 'GroupId'] },
    });
    const fromFunction = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((r: any) => JSON.stringify(r.Properties.SourceSecurityGroupId) === JSON.stringify(functionSg));
    expect(fromFunction).toHaveLength(1);
  });
});

describe('AuroraIamFunction names that never collide', () => {
  /** RDS's rule for DBProxyName (CreateDBProxy API reference): 1-63 characters, a letter first, then
   *  letters, digits and hyphens, no two hyphens in a row and none at the end. */
  const PROXY_NAME_RULE = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{0,62}$/;
  const proxyNames = (template: Template) =>
    Object.values(template.findResources('AWS::RDS::DBProxy')).map((r: any) => r.Properties.DBProxyName as string);

  function twoWithProxies(context: Record<string, unknown> = {}, ids = ['Orders', 'Billing']) {
    const stack = new Stack(new App({ context }), 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const fns = ids.map((id, i) => new AuroraIamFunction(stack, id, {
      vpc, code: CODE, handler: 'index.handler', proxy: true, databaseUserName: `user_${i}`,
    }));
    return { stack, fns, template: Template.fromStack(stack) };
  }

  test('two proxies in one stack get distinct names within RDS\'s rules, without the feature flag', () => {
    const names = proxyNames(twoWithProxies().template);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(PROXY_NAME_RULE);
  });

  test('the name is the one @aws-cdk/aws-rds:databaseProxyUniqueResourceName gives, so turning the flag on replaces no proxy', () => {
    const without = proxyNames(twoWithProxies().template);
    const withFlag = proxyNames(twoWithProxies({ '@aws-cdk/aws-rds:databaseProxyUniqueResourceName': true }).template);
    expect(withFlag).toEqual(without);
  });

  test('a deep, long construct path still gives a name of at most 63 characters within the rules', () => {
    const long = 'A'.repeat(120);
    const [name] = proxyNames(twoWithProxies({}, [long]).template);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(PROXY_NAME_RULE);
  });

  test('two constructs on one cluster with the default user name: a synth-time error naming both', () => {
    const { stack, vpc } = setup();
    const first = new AuroraIamFunction(stack, 'Orders', { vpc, code: CODE, handler: 'index.handler' });
    expect(() => new AuroraIamFunction(stack, 'Billing', { vpc, code: CODE, handler: 'index.handler', cluster: first.cluster }))
      .toThrow("databaseUserName 'lambda_iam_user' is managed twice on cluster Stack/Orders/Cluster, by Stack/Orders/DatabaseUser and by Stack/Billing/DatabaseUser");
  });

  test('the same explicit user through AuroraIamFunction and AuroraIamDatabaseUser is refused too', () => {
    const { stack, vpc } = setup();
    const fn = new AuroraIamFunction(stack, 'Orders', { vpc, code: CODE, handler: 'index.handler', databaseUserName: 'orders_app' });
    expect(() => new AuroraIamDatabaseUser(stack, 'Extra', {
      cluster: fn.cluster, adminSecret: (fn.cluster as rds.DatabaseCluster).secret!, vpc, userName: 'orders_app',
    })).toThrow(/databaseUserName 'orders_app' is managed twice on cluster Stack\/Orders\/Cluster, by Stack\/Orders\/DatabaseUser and by Stack\/Extra: .*Give each construct its own databaseUserName/);
  });

  test('two imports of one cluster (by its resource id), even in two stacks, cannot manage one user', () => {
    const app = new App();
    const attrs = {
      clusterIdentifier: 'orders',
      clusterResourceIdentifier: 'cluster-ABCDEFGHIJKL01234',
      clusterEndpointAddress: 'orders.cluster-xyz.eu-west-1.rds.amazonaws.com',
      port: 5432,
    };
    const inStack = (name: string) => {
      const stack = new Stack(app, name);
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
        ...attrs, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-0123456789abcdef0')],
      });
      const adminSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-admin-AbCdEf');
      return () => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster, adminSecret });
    };
    inStack('First')();
    expect(inStack('Second')).toThrow("databaseUserName 'lambda_iam_user' is managed twice on cluster Second/Imported, by First/Fn/DatabaseUser and by Second/Fn/DatabaseUser");
  });

  test('distinct users on one cluster, or one user name on two clusters, are fine', () => {
    const { stack, vpc } = setup();
    const first = new AuroraIamFunction(stack, 'Orders', { vpc, code: CODE, handler: 'index.handler' });
    new AuroraIamFunction(stack, 'Billing', { vpc, code: CODE, handler: 'index.handler', cluster: first.cluster, databaseUserName: 'billing_app' });
    new AuroraIamFunction(stack, 'Other', { vpc, code: CODE, handler: 'index.handler' });
    Template.fromStack(stack).resourceCountIs('Custom::AuroraIamDatabaseUser', 3);
  });
});

describe('AuroraIamFunction overrides', () => {
  test('databaseName becomes the cluster default database and DB_NAME', () => {
    const { template } = build({ databaseName: 'orders' });
    template.hasResourceProperties('AWS::RDS::DBCluster', { DatabaseName: 'orders' });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DB_NAME: 'orders' }) } });
    template.hasResourceProperties('Custom::AuroraIamDatabaseUser', { Database: 'orders' });
  });

  test('databaseUserName and databaseUserRoles reach the user, the grant and DB_USER', () => {
    const { template } = build({ databaseUserName: 'orders_app', databaseUserRoles: ['pg_read_all_data', 'orders_rw'] });
    template.hasResourceProperties('Custom::AuroraIamDatabaseUser', { UserName: 'orders_app', Roles: ['pg_read_all_data', 'orders_rw'] });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DB_USER: 'orders_app' }) } });
    expect(JSON.stringify(functionStatements(template, 'rds-db:connect'))).toContain('"/orders_app"');
  });

  test('alarmTopic receives ALARM and OK of every alarm', () => {
    const { stack, vpc } = setup();
    const topic = new sns.Topic(stack, 'Topic', { enforceSSL: true });
    const fn = new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', alarmTopic: topic });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(fn.alarms.length);
    for (const alarm of Object.values(alarms) as any[]) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: stack.resolve((topic.node.defaultChild as sns.CfnTopic).logicalId) }]);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  test('databaseUserRemovalPolicy DESTROY drops the user on delete', () => {
    const { template } = build({ databaseUserRemovalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('Custom::AuroraIamDatabaseUser', { Properties: Match.objectLike({ OnDelete: 'destroy' }), DeletionPolicy: 'Delete' });
  });

  test('databaseUserRemovalPolicy RETAIN_ON_UPDATE_OR_DELETE keeps the user', () => {
    const { template } = build({ databaseUserRemovalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    template.hasResource('Custom::AuroraIamDatabaseUser', { Properties: Match.objectLike({ OnDelete: 'retain' }), DeletionPolicy: 'RetainExceptOnCreate' });
  });

  // CloudFormation's Snapshot policy is for resources that have snapshots (cfn-lint E3035 on a custom resource).
  test('databaseUserRemovalPolicy SNAPSHOT is refused', () => {
    expect(() => build({ databaseUserRemovalPolicy: RemovalPolicy.SNAPSHOT }))
      .toThrow("databaseUserRemovalPolicy must be one of 'retain', 'destroy', 'retain-on-update-or-delete', got 'snapshot'");
  });

  test('cluster settings: version, capacity, backups, deletion protection (with a warning when off)', () => {
    const { stack, template } = build({
      engineVersion: rds.AuroraPostgresEngineVersion.VER_16_6,
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 16,
      backupRetention: Duration.days(30),
      deletionProtection: false,
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      EngineVersion: '16.6',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 16 },
      BackupRetentionPeriod: 30,
      DeletionProtection: false,
    });
    Annotations.fromStack(stack).hasWarning('/Stack/Fn',
      Match.stringLikeRegexp('^deletionProtection is off: .*\\[ack: cdk-serverless-patterns:AuroraIamFunction:noDeletionProtection\\]$'));
  });

  test('function options pass through: runtime, memory, environment, subnets', () => {
    const { template } = build({
      runtime: lambda.Runtime.NODEJS_22_X,
      memorySize: 1024,
      environment: { LOG_LEVEL: 'debug' },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    }, true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'debug', DB_USER: 'lambda_iam_user' }) },
      VpcConfig: Match.objectLike({ SubnetIds: [{ Ref: Match.stringLikeRegexp('^VpcdbSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcdbSubnet2') }] }),
    });
  });

  test('the fullest configuration passes cfn-lint and cdk-nag', async () => {
    const { stack, vpc } = setup(true);
    new AuroraIamFunction(stack, 'Fn', {
      vpc,
      code: CODE,
      handler: 'index.handler',
      proxy: true,
      databaseName: 'orders',
      databaseUserName: 'orders_app',
      databaseUserRoles: ['pg_read_all_data'],
      databaseUserRemovalPolicy: RemovalPolicy.DESTROY,
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 8,
      backupRetention: Duration.days(14),
      deadLetterQueue: createDeadLetterQueue(stack, 'Dlq'),
      alarmTopic: new sns.Topic(stack, 'Alarms', { enforceSSL: true }),
    });
    await expectCleanStack(stack);
  });
});

describe('AuroraIamFunction with an existing cluster', () => {
  function existing(stack: Stack, vpc: ec2.IVpc) {
    return new rds.DatabaseCluster(stack, 'Existing', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      iamAuthentication: true,
    });
  }

  test('uses the DatabaseCluster and its secret, and defines no cluster', () => {
    const { stack, vpc } = setup();
    const cluster = existing(stack, vpc);
    new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::RDS::DBCluster', 1);
    // Only the function's errors: the capacity alarm belongs to whoever defines the cluster.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.hasResourceProperties('Custom::AuroraIamDatabaseUser', { SecretArn: { Ref: Match.stringLikeRegexp('^ExistingSecretAttachment') } });
    expect(JSON.stringify(functionStatements(template, 'rds-db:connect')))
      .toContain(`{"Fn::GetAtt":["${stack.resolve((cluster.node.defaultChild as rds.CfnDBCluster).logicalId)}","DBClusterResourceId"]}`);
  });

  test('an imported cluster with its resource id and an admin secret', () => {
    const { stack, vpc } = setup();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
      clusterIdentifier: 'orders',
      clusterResourceIdentifier: 'cluster-ABCDEFGHIJKL01234',
      clusterEndpointAddress: 'orders.cluster-xyz.eu-west-1.rds.amazonaws.com',
      port: 5432,
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-0123456789abcdef0')],
    });
    const adminSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-admin-AbCdEf');
    new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster, adminSecret });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    expect(JSON.stringify(functionStatements(template, 'rds-db:connect'))).toContain(':dbuser:cluster-ABCDEFGHIJKL01234/lambda_iam_user');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', FromPort: 5432, ToPort: 5432 });
    template.hasResourceProperties('Custom::AuroraIamDatabaseUser', {
      Host: 'orders.cluster-xyz.eu-west-1.rds.amazonaws.com',
      Port: '5432',
      SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-admin-AbCdEf',
    });
  });

  test('an imported cluster without a resource id is a clear error', () => {
    const { stack, vpc } = setup();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
      clusterIdentifier: 'orders', clusterEndpointAddress: 'orders.example', port: 5432,
    });
    expect(() => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster }))
      .toThrow(/cluster has no clusterResourceIdentifier: import it with DatabaseCluster.fromDatabaseClusterAttributes/);
  });

  test('an imported cluster without adminSecret is a clear error', () => {
    const { stack, vpc } = setup();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
      clusterIdentifier: 'orders', clusterResourceIdentifier: 'cluster-X', clusterEndpointAddress: 'orders.example', port: 5432,
    });
    expect(() => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster }))
      .toThrow(/adminSecret is required when the cluster has no secret/);
  });

  test('adminSecret without cluster is refused: the cluster this construct defines signs in with its own secret', () => {
    const { stack, vpc } = setup();
    const adminSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'Admin', 'orders/admin');
    expect(() => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', adminSecret }))
      .toThrow('adminSecret requires cluster');
  });

  test('a MySQL cluster is refused', () => {
    const { stack, vpc } = setup();
    const cluster = new rds.DatabaseCluster(stack, 'MySql', {
      engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    expect(() => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster }))
      .toThrow(/cluster must be Aurora PostgreSQL \(engine family POSTGRESQL\), got MYSQL/);
  });

  test.each([
    ['engineVersion', { engineVersion: rds.AuroraPostgresEngineVersion.VER_16_6 }],
    ['serverlessV2MinCapacity', { serverlessV2MinCapacity: 1 }],
    ['deletionProtection', { deletionProtection: false }],
    ['backupRetention', { backupRetention: Duration.days(3) }],
  ])('%s cannot be combined with cluster', (name, extra) => {
    const { stack, vpc } = setup();
    const cluster = existing(stack, vpc);
    expect(() => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster, ...extra }))
      .toThrow(`${name} cannot be combined with cluster`);
  });

  test('databaseSubnets with a given cluster need the proxy they would place, else they would be ignored', () => {
    const { stack, vpc } = setup();
    const cluster = existing(stack, vpc);
    const databaseSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    expect(() => new AuroraIamFunction(stack, 'Fn', { vpc, code: CODE, handler: 'index.handler', cluster, databaseSubnets }))
      .toThrow('databaseSubnets places a cluster this construct defines or its RDS Proxy: with a given cluster it needs proxy: true, or it would be ignored');
    expect(() => new AuroraIamFunction(stack, 'WithProxy', { vpc, code: CODE, handler: 'index.handler', cluster, databaseSubnets, proxy: true }))
      .not.toThrow();
  });
});

describe('AuroraIamFunction validation', () => {
  test.each([
    ['Orders', "databaseUserName must be 1-63 characters of lowercase letters, digits and _, not starting with a digit, got 'Orders'"],
    ['1user', "got '1user'"],
    ['a'.repeat(64), `got '${'a'.repeat(64)}'`],
  ])('databaseUserName %s', (databaseUserName, message) => {
    expect(() => build({ databaseUserName })).toThrow(message);
  });

  test('vpc is required', () => {
    const stack = new Stack(new App(), 'Stack');
    expect(() => new AuroraIamFunction(stack, 'Fn', { code: CODE, handler: 'index.handler' }))
      .toThrow('vpc is required: AuroraIamFunction places the function, the user-creation handler and the database in it');
  });

  test('databaseName', () => {
    expect(() => build({ databaseName: 'my-db' })).toThrow("databaseName must be 1-63 characters of lowercase letters, digits and _, not starting with a digit, got 'my-db'");
  });

  test('databaseUserRoles: the error names the prop the user set, not the inner roles', () => {
    expect(() => build({ databaseUserRoles: ['pg_read_all_data', 'x; DROP'] }))
      .toThrow(/^databaseUserRoles must be 1-63 characters of lowercase letters, digits and _, not starting with a digit, got 'x; DROP'$/);
  });

  test('serverlessV2MinCapacity range', () => {
    expect(() => build({ serverlessV2MinCapacity: 300 })).toThrow('serverlessV2MinCapacity must be between 0 and 256, got 300');
  });

  test('serverlessV2MaxCapacity range', () => {
    expect(() => build({ serverlessV2MaxCapacity: 0.5 })).toThrow('serverlessV2MaxCapacity must be between 1 and 256, got 0.5');
  });

  test('min capacity above max capacity', () => {
    expect(() => build({ serverlessV2MinCapacity: 8, serverlessV2MaxCapacity: 4 }))
      .toThrow('serverlessV2MinCapacity (8) must be <= serverlessV2MaxCapacity (4)');
    // Against the default maximum (4 ACUs) too.
    expect(() => build({ serverlessV2MinCapacity: 4.5 })).toThrow('serverlessV2MinCapacity (4.5) must be <= serverlessV2MaxCapacity (4)');
  });

  // Aurora counts Serverless v2 capacity in half ACUs; aws-cdk-lib's own error names neither range nor value.
  test.each([
    ['serverlessV2MinCapacity', { serverlessV2MinCapacity: 1.25 }, 'serverlessV2MinCapacity must be a multiple of 0.5 between 0 and 256, got 1.25'],
    ['serverlessV2MaxCapacity', { serverlessV2MaxCapacity: 7.1 }, 'serverlessV2MaxCapacity must be a multiple of 0.5 between 1 and 256, got 7.1'],
  ])('%s is a multiple of 0.5 ACU', (_name, extra, message) => {
    expect(() => build(extra)).toThrow(message);
  });

  test('capacity bounds and half steps are accepted', () => {
    const { template } = build({ serverlessV2MinCapacity: 0, serverlessV2MaxCapacity: 256 });
    template.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 256 } });
    const half = build({ serverlessV2MinCapacity: 1.5, serverlessV2MaxCapacity: 2.5 }).template;
    half.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 1.5, MaxCapacity: 2.5 } });
  });

  test('backupRetention range', () => {
    expect(() => build({ backupRetention: Duration.days(40) })).toThrow('backupRetention must be between 1 day and 35 days, got 40 days');
  });

  // Issue 18: RDS counts the retention in days, Lambda the function's durations in seconds; a
  // fraction would fail inside aws-cdk-lib's conversion, naming no prop.
  test.each([
    { prop: 'backupRetention', unit: 'days', min: 1, max: 35 },
    { prop: 'timeout', unit: 'seconds', min: 1, max: 900 },
    { prop: 'maxEventAge', unit: 'seconds', min: 60, max: 6 * 3600 },
  ] as const)('$prop is a whole number of $unit in range', (spec) => {
    expectWholeDurationProp(spec, (value) => build({ [spec.prop]: value }));
  });

  test('a token maxEventAge reaches the function\'s EventInvokeConfig (aws-cdk-lib\'s range check would refuse it)', () => {
    const { template } = build({ maxEventAge: Duration.seconds(Token.asNumber(Lazy.number({ produce: () => 120 }))) });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 120 });
  });

  test.each(['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER'])('environment must not set %s', (name) => {
    expect(() => build({ environment: { [name]: 'x' } })).toThrow(`environment must not set ${name}: AuroraIamFunction sets it`);
  });

  test('tokens are never rejected', () => {
    const { stack, vpc } = setup();
    const days = Token.asNumber(new CfnParameter(stack, 'Days', { type: 'Number' }));
    const minAcu = Token.asNumber(new CfnParameter(stack, 'MinAcu', { type: 'Number' }));
    const maxAcu = Token.asNumber(new CfnParameter(stack, 'MaxAcu', { type: 'Number' }));
    const user = new CfnParameter(stack, 'User').valueAsString;
    const database = new CfnParameter(stack, 'Database').valueAsString;
    new AuroraIamFunction(stack, 'Fn', {
      vpc,
      code: CODE,
      handler: 'index.handler',
      backupRetention: Duration.days(days),
      databaseUserName: user,
      databaseName: database,
      serverlessV2MinCapacity: minAcu,
      serverlessV2MaxCapacity: maxAcu,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      BackupRetentionPeriod: { Ref: 'Days' },
      ServerlessV2ScalingConfiguration: { MinCapacity: { Ref: 'MinAcu' }, MaxCapacity: { Ref: 'MaxAcu' } },
    });
    template.hasResourceProperties('Custom::AuroraIamDatabaseUser', { UserName: { Ref: 'User' }, Database: { Ref: 'Database' } });
  });
});

describe('AuroraIamDatabaseUser', () => {
  test('on its own: handler in the VPC private subnets with egress by default', () => {
    const { stack, vpc } = setup(true);
    const cluster = new rds.DatabaseCluster(stack, 'Db', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      iamAuthentication: true,
    });
    const user = new AuroraIamDatabaseUser(stack, 'User', { cluster, adminSecret: cluster.secret!, vpc, userName: 'reporting' });
    expect(user.userName).toBe('reporting');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: [{ Ref: Match.stringLikeRegexp('^VpcappSubnet1') }, { Ref: Match.stringLikeRegexp('^VpcappSubnet2') }] }),
      Environment: { Variables: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } },
    });
  });

  test('rejects roles that are not plain lowercase identifiers, and the SNAPSHOT removal policy', () => {
    const { stack, vpc } = setup();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
      clusterIdentifier: 'c', clusterResourceIdentifier: 'cluster-X', clusterEndpointAddress: 'c.example', port: 5432,
    });
    const adminSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'admin');
    expect(() => new AuroraIamDatabaseUser(stack, 'User', { cluster, adminSecret, vpc, userName: 'reporting', roles: ['Admin'] }))
      .toThrow("roles must be 1-63 characters of lowercase letters, digits and _, not starting with a digit, got 'Admin'");
    expect(() => new AuroraIamDatabaseUser(stack, 'Other', { cluster, adminSecret, vpc, userName: 'other', removalPolicy: RemovalPolicy.SNAPSHOT }))
      .toThrow("removalPolicy must be one of 'retain', 'destroy', 'retain-on-update-or-delete', got 'snapshot'");
  });

  test('rejects a user name that is not a plain lowercase identifier', () => {
    const { stack, vpc } = setup();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', {
      clusterIdentifier: 'c', clusterResourceIdentifier: 'cluster-X', clusterEndpointAddress: 'c.example', port: 5432,
    });
    const adminSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'admin');
    expect(() => new AuroraIamDatabaseUser(stack, 'User', { cluster, adminSecret, vpc, userName: 'Robert"); DROP' }))
      .toThrow(/userName must be 1-63 characters .* got 'Robert"\); DROP'/);
  });
});
