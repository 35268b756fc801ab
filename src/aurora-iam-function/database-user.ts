import * as path from 'path';
import { CfnElement, CustomResource, Duration, RemovalPolicy, Stack, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from '../common/guard';
import { acknowledgeNagRule } from '../common/nag';
import { createFunctionLogGroup, createSecureFunction } from '../common/secure-function';
import { LAMBDA_CA_BUNDLE_ENV, defaultPrivateSubnets, validatePostgresIdentifier } from './private/shared';

/** Properties of {@link AuroraIamDatabaseUser}. */
export interface AuroraIamDatabaseUserProps {
  /** The Aurora PostgreSQL cluster in which the user is created. */
  readonly cluster: rds.IDatabaseCluster;

  /**
   * The cluster's admin secret (JSON with `username` and `password`, as RDS writes it). Only the
   * user-creation handler may read it.
   */
  readonly adminSecret: secretsmanager.ISecret;

  /** The VPC of the cluster; the handler runs in it. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets of the handler. It must reach the cluster and Secrets Manager (through a NAT gateway
   * or a `secretsmanager` interface endpoint).
   * @default - the VPC's private subnets with egress, or its isolated subnets if it has none
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The database the handler connects to (grants of roles are cluster-wide; this only needs to exist).
   * @default 'postgres'
   */
  readonly databaseName?: string;

  /**
   * The PostgreSQL user to create: lowercase letters, digits and `_`, starting with a letter or
   * `_`, at most 63 characters.
   */
  readonly userName: string;

  /**
   * Database roles granted to the user besides `rds_iam`, e.g. `pg_read_all_data` or a role of
   * your schema. Removing one from the list revokes it.
   * @default - none
   */
  readonly roles?: string[];

  /**
   * What happens to the user when this resource is deleted. `DESTROY` drops it, or, if it still
   * owns objects or holds privileges, takes away its LOGIN and `rds_iam` instead (its data is
   * never dropped). Any other policy keeps the user.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A PostgreSQL user that logs in with IAM database authentication (`CREATE ROLE ... LOGIN`,
 * `GRANT rds_iam`), created, updated and dropped by a custom resource whose handler, shipped
 * pre-bundled with this library, runs in the cluster's VPC and alone reads the admin secret.
 */
export class AuroraIamDatabaseUser extends Construct {
  /** The user name. */
  public readonly userName: string;

  /** The function that runs the SQL (Provider's onEvent handler). */
  public readonly handlerFunction: lambda.Function;

  /** The handler's security group, which the cluster accepts on its port. */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The custom resource. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: AuroraIamDatabaseUserProps) {
    super(scope, id);
    validatePostgresIdentifier('userName', props.userName);
    for (const role of props.roles ?? []) validatePostgresIdentifier('roles', role);
    this.userName = props.userName;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Database-user custom resource handler (to the cluster and Secrets Manager)',
    });
    this.handlerFunction = createSecureFunction(this, 'Handler', {
      description: 'Creates, updates and drops an IAM-authenticated PostgreSQL user',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      // Bundled at our build time by projen from db-user.lambda.ts.
      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', 'assets', 'aurora-iam-function', 'db-user.lambda')),
      timeout: Duration.minutes(2),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? defaultPrivateSubnets(props.vpc),
      securityGroups: [this.securityGroup],
      environment: { ...LAMBDA_CA_BUNDLE_ENV },
    });
    acknowledgeNagRule(this.handlerFunction, 'Serverless-LambdaDLQ',
      'Invoked synchronously by the custom-resource provider, which reports any failure to CloudFormation: there is no event to park.');
    props.adminSecret.grantRead(this.handlerFunction);
    props.cluster.connections.allowDefaultPortFrom(this.handlerFunction, 'Database-user handler');

    // The framework function gets its own role and log group rather than CDK's default role with
    // the AWS-managed AWSLambdaBasicExecutionRole (which may write to any log group).
    const frameworkLogGroup = createFunctionLogGroup(this, 'ProviderLogGroup');
    const frameworkRole = new iam.Role(this, 'ProviderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    frameworkLogGroup.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handlerFunction,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogGroup,
    });
    acknowledgeProviderFramework(provider, frameworkRole, this.handlerFunction);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AuroraIamDatabaseUser',
      removalPolicy,
      properties: {
        SecretArn: props.adminSecret.secretArn,
        Host: props.cluster.clusterEndpoint.hostname,
        Port: Tokenization.stringifyNumber(props.cluster.clusterEndpoint.port),
        Database: props.databaseName ?? 'postgres',
        UserName: props.userName,
        Roles: props.roles ?? [],
        OnDelete: removalPolicy === RemovalPolicy.DESTROY ? 'destroy' : 'retain',
      },
    });
    // Connect only once the instances are up and the cluster accepts the handler's security group.
    this.resource.node.addDependency(props.cluster);
    for (const sg of props.cluster.connections.securityGroups) this.resource.node.addDependency(sg);
  }
}

/**
 * The Provider's framework function is aws-cdk-lib's code, outside the VPC, that only invokes our
 * handler and answers CloudFormation: its findings are acknowledged on it alone, each with why.
 */
function acknowledgeProviderFramework(provider: cr.Provider, role: iam.Role, handler: lambda.Function): void {
  const framework = provider.node.findChild('framework-onEvent');
  const handlerId = Stack.of(handler).getLogicalId(handler.node.defaultChild as CfnElement);
  acknowledgeNagRule(role, `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
    'The Provider framework is granted invoke on the versions of the one handler it fronts (Function.grantInvoke adds the :* form).');
  for (const rule of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    acknowledgeNagRule(framework, rule, 'The runtime of the custom-resource Provider framework is chosen by aws-cdk-lib, not by this construct.');
  }
  acknowledgeNagRule(framework, 'Serverless-LambdaDefaultMemorySize',
    'aws-cdk-lib sizes its Provider framework function; it only relays one synchronous invoke.');
  acknowledgeNagRule(framework, 'Serverless-LambdaDLQ',
    'Invoked by CloudFormation for the custom resource; every failure is reported to the stack, there is no event to park.');
  acknowledgeNagRule(framework, 'Serverless-LambdaTracing',
    'aws-cdk-lib\'s Provider framework relay; the handler it invokes is traced.');
  acknowledgeGuardRule(framework, 'lambda_inside_vpc_check',
    'The Provider framework relay only invokes the handler (which is in the VPC) and answers CloudFormation through a pre-signed S3 URL.');
}
