import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AuroraIamDatabaseUser } from './database-user';
import { createAlarm } from '../common/alarms';
import { alarmAnnotations, graphWidget, titleWidget } from '../common/dashboard';
import { acknowledgeNoDeadLetterQueue } from '../common/nag';
import { createSecureFunction } from '../common/secure-function';
import { IDashboardSource } from '../service-dashboard/dashboard-source';
import { defineCluster, defineProxy } from './private/cluster';
import { allowDatabasePortFrom, databaseEndpoint } from './private/network';
import { LAMBDA_CA_BUNDLE_ENV } from './private/shared';
import { resolveAuroraIamFunctionProps } from './private/spec';

/**
 * Properties of {@link AuroraIamFunction}: the function's options plus the database's.
 *
 * `vpc` (inherited from `FunctionOptions`) is required: the function, the user-creation handler
 * and the cluster this construct may define run in it. (jsii forbids re-declaring it as required.)
 *
 * Where the inherited `@default`s say otherwise, the library's secure defaults apply: `memorySize`
 * 512, `timeout` 30 seconds, active X-Ray `tracing`, an own `logGroup` kept one year, an own `role`
 * without managed policies, `vpcSubnets` the private subnets with egress (else the isolated ones).
 */
export interface AuroraIamFunctionProps extends lambda.FunctionOptions {
  /** The function's code. Use the handler-side helper (see README) to connect. */
  readonly code: lambda.Code;

  /** The function's handler, e.g. `index.handler`. */
  readonly handler: string;

  /**
   * The function's runtime.
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly runtime?: lambda.Runtime;

  /**
   * An existing Aurora PostgreSQL cluster. An imported one needs `clusterResourceIdentifier`
   * (for the `rds-db:connect` grant), an endpoint and security groups, and then `adminSecret`.
   * Its IAM database authentication must be on.
   * @default - a new Aurora PostgreSQL Serverless v2 cluster with IAM authentication, encrypted
   * storage and TLS required
   */
  readonly cluster?: rds.IDatabaseCluster;

  /**
   * The admin secret of `cluster`, read only by the user-creation handler. Only with `cluster`:
   * the cluster this construct defines signs in with its own generated secret.
   * @default - the secret of the cluster, when it is a `DatabaseCluster` that has one
   */
  readonly adminSecret?: secretsmanager.ISecret;

  /**
   * Subnets of the cluster this construct defines and of the RDS Proxy.
   * @default - the VPC's isolated subnets, or its private subnets with egress if it has no isolated ones
   */
  readonly databaseSubnets?: ec2.SubnetSelection;

  /**
   * The database the function connects to (DB_NAME). For a new cluster, a name other than
   * `postgres` is created as the cluster's default database.
   * @default 'postgres'
   */
  readonly databaseName?: string;

  /**
   * The PostgreSQL user the function logs in as (DB_USER), created by this construct:
   * lowercase letters, digits and `_`, at most 63 characters.
   * @default 'lambda_iam_user'
   */
  readonly databaseUserName?: string;

  /**
   * Database roles granted to the user besides `rds_iam` (e.g. `pg_read_all_data`, or roles
   * your migrations create).
   * @default - none
   */
  readonly databaseUserRoles?: string[];

  /**
   * What happens to the database user when the construct is removed (`SNAPSHOT` is refused: a
   * custom resource has no snapshot).
   * @default RemovalPolicy.RETAIN
   * @see AuroraIamDatabaseUserProps.removalPolicy
   */
  readonly databaseUserRemovalPolicy?: RemovalPolicy;

  /**
   * Put an RDS Proxy in front of the cluster, with end-to-end IAM authentication (no secret): the
   * function connects to the proxy and is granted `rds-db:connect` on the proxy's `prx-` id.
   * @default false
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy.html
   */
  readonly proxy?: boolean;

  /**
   * Aurora PostgreSQL version of the cluster this construct defines.
   * @default rds.AuroraPostgresEngineVersion.VER_17_5
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;

  /**
   * Minimum Aurora capacity units of the new cluster's Serverless v2 writer. Valid range: 0-256,
   * in steps of 0.5, at most `serverlessV2MaxCapacity` (0 pauses an idle cluster, where the engine
   * version supports it).
   * @default 0.5
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
   */
  readonly serverlessV2MinCapacity?: number;

  /**
   * Maximum Aurora capacity units of the new cluster's Serverless v2 writer. Valid range: 1-256,
   * in steps of 0.5.
   * @default 4
   */
  readonly serverlessV2MaxCapacity?: number;

  /**
   * Deletion protection of the new cluster.
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Automated backup retention of the new cluster. Valid range: 1-35 days, in whole days.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;

  /**
   * Topic notified when an alarm of this construct goes to ALARM and back to OK.
   * @default - the alarms have no actions
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A Lambda function in a VPC that connects to Aurora PostgreSQL with IAM database authentication:
 * no password anywhere, `rds-db:connect` on exactly its database user, the database reachable
 * from its security group on the database port only, and the user created by a custom resource.
 */
export class AuroraIamFunction extends Construct implements ec2.IConnectable, iam.IGrantable, IDashboardSource {
  /** The function. */
  public readonly lambdaFunction: lambda.Function;

  /** The cluster, given or defined. */
  public readonly cluster: rds.IDatabaseCluster;

  /** The RDS Proxy, when `proxy` is on. */
  public readonly proxy?: rds.DatabaseProxy;

  /** The database user the function logs in as. */
  public readonly databaseUser: AuroraIamDatabaseUser;

  /** The host the function connects to (DB_HOST): the proxy's or the cluster's endpoint. */
  public readonly databaseHost: string;

  /** The function's security groups. */
  public readonly connections: ec2.Connections;

  /** The function's role. */
  public readonly grantPrincipal: iam.IPrincipal;

  /**
   * Alarms: function errors (any, over 5 minutes) and, for the cluster this construct defines,
   * Serverless v2 capacity at 90% of its maximum for 15 minutes (the ceiling throttles queries).
   */
  public readonly alarms: cloudwatch.Alarm[] = [];

  private readonly userName: string;

  constructor(scope: Construct, id: string, props: AuroraIamFunctionProps) {
    super(scope, id);
    const config = resolveAuroraIamFunctionProps(props);
    const {
      code, handler, runtime, vpc, cluster: givenCluster, adminSecret, databaseSubnets, databaseName,
      databaseUserName, databaseUserRoles, databaseUserRemovalPolicy, proxy, engineVersion,
      serverlessV2MinCapacity, serverlessV2MaxCapacity, deletionProtection, backupRetention, alarmTopic,
      ...functionOptions
    } = config;
    this.userName = databaseUserName;

    this.cluster = givenCluster ?? defineCluster(this, {
      vpc,
      subnets: databaseSubnets,
      databaseName,
      engineVersion,
      serverlessV2MinCapacity,
      serverlessV2MaxCapacity,
      deletionProtection,
      backupRetention,
    });
    this.databaseUser = new AuroraIamDatabaseUser(this, 'DatabaseUser', {
      cluster: this.cluster,
      // A given cluster comes with its secret (the spec requires one); a defined one always has its own.
      adminSecret: givenCluster ? adminSecret : (this.cluster as rds.DatabaseCluster).secret!,
      vpc,
      vpcSubnets: functionOptions.vpcSubnets,
      databaseName,
      userName: databaseUserName,
      roles: databaseUserRoles,
      removalPolicy: databaseUserRemovalPolicy,
    });

    const securityGroups = functionOptions.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'AuroraIamFunction function',
    })];

    this.proxy = proxy ? defineProxy(this, this.cluster, vpc, databaseSubnets, databaseUserName) : undefined;
    const endpoint = databaseEndpoint(this.cluster, this.proxy);
    this.databaseHost = endpoint.host;

    this.lambdaFunction = createSecureFunction(this, 'Function', {
      ...functionOptions,
      code,
      handler,
      runtime,
      vpc,
      securityGroups,
      environment: {
        ...LAMBDA_CA_BUNDLE_ENV,
        ...functionOptions.environment,
        DB_HOST: endpoint.host,
        DB_PORT: endpoint.port,
        DB_NAME: databaseName,
        DB_USER: databaseUserName,
      },
    });
    acknowledgeNoDeadLetterQueue(this.lambdaFunction,
      'How the function is invoked is the user\'s choice: a synchronous caller receives the error; for asynchronous invocations pass deadLetterQueue (or onFailure).',
      functionOptions);
    // Log in only once the user exists.
    this.lambdaFunction.node.addDependency(this.databaseUser);
    this.connections = this.lambdaFunction.connections;
    this.grantPrincipal = this.lambdaFunction.grantPrincipal;

    allowDatabasePortFrom(this.lambdaFunction, this.cluster, this.proxy);
    this.grantConnect(this.lambdaFunction);

    this.alarms.push(createAlarm(this, 'ErrorsAlarm', {
      metric: this.metricErrors(),
      threshold: 1,
      description: 'The function reported errors (see its log group; a login failure names the user and host)',
    }, alarmTopic));
    if (!givenCluster) {
      this.alarms.push(createAlarm(this, 'CapacityAlarm', {
        metric: this.metricACUUtilization(),
        threshold: 90,
        evaluationPeriods: 3,
        description: 'The Serverless v2 cluster has run at 90% or more of its maximum capacity for 15 minutes; raise serverlessV2MaxCapacity',
      }, alarmTopic));
    }
  }

  /**
   * Lets another principal log in as this construct's database user: `rds-db:connect` on exactly
   * `dbuser:<cluster resource id>/<user>`, or on the proxy's `prx-` id when there is a proxy.
   * (Its network access to the database is separate: see `connections`.)
   */
  public grantConnect(grantee: iam.IGrantable): iam.Grant {
    return this.proxy ? this.proxy.grantConnect(grantee, this.userName) : this.cluster.grantConnect(grantee, this.userName);
  }

  /**
   * Invocations of the function that ended in an error (`Errors`).
   *
   * @default - sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lambdaFunction.metricErrors(props);
  }

  /**
   * Run time of the function's invocations (`Duration`, milliseconds).
   *
   * @default - average over 5 minutes
   */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.lambdaFunction.metricDuration(props);
  }

  /**
   * Aurora Serverless v2 capacity of the cluster, in ACUs (`ServerlessDatabaseCapacity`,
   * dimension `DBClusterIdentifier`). Only Serverless v2 clusters report it.
   *
   * @default - average over 5 minutes
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.viewing.monitoring.html
   */
  public metricServerlessDatabaseCapacity(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metric('ServerlessDatabaseCapacity', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /**
   * Serverless v2 capacity as a percentage of the cluster's maximum (`ACUUtilization`, 0-100):
   * at 100 the cluster cannot scale up further.
   *
   * @default - average over 5 minutes
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.viewing.monitoring.html
   */
  public metricACUUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.cluster.metric('ACUUtilization', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /**
   * The function and, when this construct defined the cluster, its Serverless v2 capacity on a
   * `ServiceDashboard`: function errors and duration against the errors alarm; ACUs in use and
   * ACU utilization against the capacity alarm. A given cluster is not shown: whoever owns it
   * watches it (it may not even be Serverless v2, and so have no ACU metrics).
   *
   * Metrics: `ServerlessDatabaseCapacity` and `ACUUtilization`, dimension `DBClusterIdentifier`
   * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.viewing.monitoring.html).
   */
  public dashboardWidgets(): cloudwatch.IWidget[] {
    const widgets: cloudwatch.IWidget[] = [
      titleWidget(this, 'AuroraIamFunction'),
      graphWidget({
        title: 'Function errors and duration',
        left: [this.metricErrors()],
        leftAnnotations: alarmAnnotations(this, 'ErrorsAlarm'),
        right: [this.metricDuration({ label: 'Duration (ms, average)' })],
      }),
    ];
    if (this.cluster.node.scopes.includes(this)) {
      widgets.push(graphWidget({
        title: 'Aurora Serverless v2 capacity',
        left: [this.metricServerlessDatabaseCapacity({ label: 'ServerlessDatabaseCapacity (ACU)' })],
        right: [this.metricACUUtilization({ label: 'ACUUtilization (%)' })],
        rightAnnotations: alarmAnnotations(this, 'CapacityAlarm'),
        rightYAxis: { max: 100 },
      }));
    }
    return widgets;
  }

}
