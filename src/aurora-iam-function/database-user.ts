import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { createCustomResourceProvider } from '../common/custom-resource';
import { createSecureFunction } from '../common/secure-function';
import { resolveProps } from '../common/spec';
import { LAMBDA_CA_BUNDLE_ENV } from './private/shared';
import { DATABASE_USER_SPEC } from './private/spec';

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
   * never dropped). `RETAIN` and `RETAIN_ON_UPDATE_OR_DELETE` keep the user; `SNAPSHOT` is refused
   * (a custom resource has no snapshot).
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
    const config = resolveProps(DATABASE_USER_SPEC, props);
    claimDatabaseUser(this, config.cluster, config.userName);
    this.userName = config.userName;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: config.vpc,
      description: 'Database-user custom resource handler (to the cluster and Secrets Manager)',
    });
    this.handlerFunction = createSecureFunction(this, 'Handler', {
      description: 'Creates, updates and drops an IAM-authenticated PostgreSQL user',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      // Bundled at our build time by projen from db-user.lambda.ts.
      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', 'assets', 'aurora-iam-function', 'db-user.lambda')),
      timeout: Duration.minutes(2),
      vpc: config.vpc,
      vpcSubnets: config.vpcSubnets,
      securityGroups: [this.securityGroup],
      environment: { ...LAMBDA_CA_BUNDLE_ENV },
    });
    config.adminSecret.grantRead(this.handlerFunction);
    config.cluster.connections.allowDefaultPortFrom(this.handlerFunction, 'Database-user handler');

    const provider = createCustomResourceProvider(this, 'Provider', this.handlerFunction);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AuroraIamDatabaseUser',
      removalPolicy: config.removalPolicy,
      properties: {
        SecretArn: config.adminSecret.secretArn,
        Host: config.cluster.clusterEndpoint.hostname,
        Port: Tokenization.stringifyNumber(config.cluster.clusterEndpoint.port),
        Database: config.databaseName,
        UserName: config.userName,
        Roles: config.roles,
        OnDelete: config.removalPolicy === RemovalPolicy.DESTROY ? 'destroy' : 'retain',
      },
    });
    // Connect only once the instances are up and the cluster accepts the handler's security group.
    this.resource.node.addDependency(config.cluster);
    for (const sg of config.cluster.connections.securityGroups) this.resource.node.addDependency(sg);
  }
}

/**
 * The database users claimed in an app, per cluster: `<cluster key> <user name>` -> the path of
 * the construct that manages it. Kept per app root, as two stacks of one app can reach one cluster.
 */
const CLAIMED_USERS = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Refuses a second construct managing the same PostgreSQL user on the same cluster: users are
 * cluster-wide (not per database), so both would write the same role's grants and, with
 * `DESTROY`, removing either would drop the other's user.
 *
 * A cluster defined in the app is known by its construct path. An imported one is known by its
 * resource id when that is a literal, so two imports of one cluster are caught too; when it is a
 * token, only by the import's path. A user name known only at deploy time cannot be checked.
 */
function claimDatabaseUser(claimant: Construct, cluster: rds.IDatabaseCluster, userName: string): void {
  if (Token.isUnresolved(userName)) return;
  const key = `${clusterKey(cluster)} ${userName}`;
  let claimed = CLAIMED_USERS.get(claimant.node.root);
  if (!claimed) {
    claimed = new Map();
    CLAIMED_USERS.set(claimant.node.root, claimed);
  }
  const owner = claimed.get(key);
  if (owner !== undefined) {
    throw new Error(`databaseUserName '${userName}' is managed twice on cluster ${cluster.node.path}, by ${owner} and by ${claimant.node.path}: ` +
      'a PostgreSQL user belongs to the whole cluster, so removing either with DESTROY would drop the other\'s user. ' +
      'Give each construct its own databaseUserName (userName of AuroraIamDatabaseUser), or let the second function log in as the first one\'s user with its grantConnect()');
  }
  claimed.set(key, claimant.node.path);
}

function clusterKey(cluster: rds.IDatabaseCluster): string {
  try {
    const resourceId = cluster.clusterResourceIdentifier;
    if (!Token.isUnresolved(resourceId)) return resourceId;
  } catch {
    // an import without clusterResourceIdentifier (the user-creation handler only needs its endpoint)
  }
  return cluster.node.path;
}
