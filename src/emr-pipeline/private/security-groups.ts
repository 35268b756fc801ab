import * as path from 'path';
import { CustomResource, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { createCustomResourceProvider } from '../../common/custom-resource';
import { acknowledgeNagRule } from '../../common/nag';
import { createSecureFunction } from '../../common/secure-function';

/** The tag AmazonEMRServicePolicy_v2 requires on clusters, subnets and security groups it may use. */
export const EMR_MANAGED_POLICY_TAG = 'for-use-with-amazon-emr-managed-policies';

/**
 * The port EMR's service reaches the primary and core/task instances on, from the service access
 * group (the outbound rules of the default ElasticMapReduce-ServiceAccess group in the EMR
 * Management Guide, "Working with Amazon EMR-managed security groups").
 */
const SERVICE_ACCESS_PORT = 8443;

export interface ManagedSecurityGroupsProps {
  readonly vpc: ec2.IVpc;
  /** Whether the cluster runs in private subnets, where EMR needs a service access group. */
  readonly privateSubnets: boolean;
}

/**
 * The EMR-managed security groups of the pipeline's clusters, owned by CloudFormation, and the
 * custom resource that lets CloudFormation delete them.
 *
 * Without them EMR creates its default groups (ElasticMapReduce-master, -slave, and in private
 * subnets -ServiceAccess) in the VPC, which the stack does not know and which keep the VPC from
 * being deleted. EMR adds the rules a cluster needs to the groups it is given, among them rules
 * that reference the other groups; EC2 refuses to delete a group that another group's rule
 * references, so the cleanup resource, which CloudFormation deletes before the groups, revokes
 * those rules first.
 */
export class ManagedSecurityGroups extends Construct {
  public readonly primary: ec2.SecurityGroup;
  public readonly coreAndTask: ec2.SecurityGroup;
  public readonly serviceAccess?: ec2.SecurityGroup;
  /** Revokes the rules between the groups before CloudFormation deletes them. */
  public readonly cleanup: CustomResource;

  constructor(scope: Construct, id: string, props: ManagedSecurityGroupsProps) {
    super(scope, id);
    // All outbound traffic, as in EMR's default primary and core/task groups; EMR adds the inbound rules.
    this.primary = new ec2.SecurityGroup(this, 'Primary', {
      vpc: props.vpc,
      description: 'EMR pipeline clusters, primary node: EMR-managed security group (EMR adds its rules)',
    });
    this.coreAndTask = new ec2.SecurityGroup(this, 'CoreAndTask', {
      vpc: props.vpc,
      description: 'EMR pipeline clusters, core and task nodes: EMR-managed security group (EMR adds its rules)',
    });
    const groups = [this.primary, this.coreAndTask];
    const ruleResources: ec2.CfnSecurityGroupEgress[] = [];
    if (props.privateSubnets) {
      this.serviceAccess = new ec2.SecurityGroup(this, 'ServiceAccess', {
        vpc: props.vpc,
        description: 'EMR pipeline clusters: EMR-managed service access security group (EMR adds its inbound rules)',
        allowAllOutbound: false,
      });
      // EMR documents that it adds the missing *inbound* rules to the groups it is given; the
      // service access group's outbound rules are declared here.
      for (const target of groups) {
        this.serviceAccess.addEgressRule(target, ec2.Port.tcp(SERVICE_ACCESS_PORT), 'EMR service access to the cluster instances');
      }
      groups.push(this.serviceAccess);
      const isEgressRule = (c: IConstruct): c is ec2.CfnSecurityGroupEgress => c instanceof ec2.CfnSecurityGroupEgress;
      ruleResources.push(...this.serviceAccess.node.findAll().filter(isEgressRule));
    }
    // AmazonEMRServicePolicy_v2 launches instances with, and edits the rules of, tagged groups only.
    for (const group of groups) Tags.of(group).add(EMR_MANAGED_POLICY_TAG, 'true');

    const cleanupFunction = createSecureFunction(this, 'CleanupHandler', {
      description: 'Revokes the rules between the EMR pipeline\'s security groups before CloudFormation deletes them',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      // Bundled at our build time by projen from security-group-cleanup.lambda.ts.
      code: lambda.Code.fromAsset(path.join(__dirname, '..', '..', '..', 'assets', 'emr-pipeline', 'security-group-cleanup.lambda')),
      timeout: Duration.minutes(2),
    });
    const stack = Stack.of(this);
    cleanupFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
      resources: groups.map((group) => stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: group.securityGroupId })),
    }));
    const describe = new iam.Policy(this, 'CleanupDescribePolicy', {
      roles: [cleanupFunction.role!],
      statements: [new iam.PolicyStatement({ actions: ['ec2:DescribeSecurityGroupRules'], resources: ['*'] })],
    });
    cleanupFunction.node.addDependency(describe);
    acknowledgeNagRule(describe, 'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeSecurityGroupRules supports no resource-level permissions (no resource types in the service authorization reference); the handler filters by the pipeline\'s group ids, and this policy holds nothing else.');

    this.cleanup = new CustomResource(this, 'Cleanup', {
      serviceToken: createCustomResourceProvider(this, 'Provider', cleanupFunction).serviceToken,
      resourceType: 'Custom::EmrSecurityGroupCleanup',
      properties: { GroupIds: groups.map((group) => group.securityGroupId) },
    });
    // Deleted before the groups (it references them) and after the rules CloudFormation owns,
    // which CloudFormation revokes itself.
    for (const group of groups) this.cleanup.node.addDependency(group.node.defaultChild!);
    for (const rule of ruleResources) rule.node.addDependency(this.cleanup);
  }
}
