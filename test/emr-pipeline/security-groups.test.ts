import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { stateMachineDefinition } from './asl';
import { EmrPipeline, EmrPipelineProps } from '../../src';
import { expectCleanStack } from '../support/quality-gates';

/**
 * The EMR-managed security groups: owned by the stack, passed to every RunJobFlow, and deletable
 * (a cleanup custom resource that CloudFormation deletes after the rules it owns and before the
 * groups revokes the rules EMR added between them).
 */
const TAG = { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' };

function build(subnetType: ec2.SubnetType, props: Partial<EmrPipelineProps> = {}) {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, flowLogs: { FlowLog: {} } });
  const pipeline = new EmrPipeline(stack, 'Pipeline', { vpc, vpcSubnets: { subnetType }, ...props });
  return { stack, vpc, pipeline, template: Template.fromStack(stack) };
}

function logicalIdOf(template: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`expected one ${type} matching ${pattern}, got ${ids.join(', ') || 'none'}`);
  return ids[0];
}

/** The Instances of the Create cluster state (GetAtt rendered as `...:<logicalId>-<attribute>` by asl.ts). */
function instances(template: Template) {
  return stateMachineDefinition(template, /^PipelineStateMachine/).States['Create cluster'].Parameters.Instances;
}

const groupIdText = (logicalId: string) => `arn:aws:states:us-east-1:123456789012:${logicalId}-GroupId`;

describe('in private subnets (the default selection)', () => {
  const { template, pipeline, stack } = build(ec2.SubnetType.PRIVATE_WITH_EGRESS);
  const primary = logicalIdOf(template, 'AWS::EC2::SecurityGroup', /^PipelineSecurityGroupsPrimary/);
  const core = logicalIdOf(template, 'AWS::EC2::SecurityGroup', /^PipelineSecurityGroupsCoreAndTask/);
  const access = logicalIdOf(template, 'AWS::EC2::SecurityGroup', /^PipelineSecurityGroupsServiceAccess/);
  const cleanup = logicalIdOf(template, 'Custom::EmrSecurityGroupCleanup', /^PipelineSecurityGroupsCleanup/);

  test('three groups in the VPC, tagged for AmazonEMRServicePolicy_v2, passed to every RunJobFlow', () => {
    for (const id of [primary, core, access]) {
      expect(template.toJSON().Resources[id].Properties).toMatchObject({ VpcId: { Ref: expect.stringMatching(/^Vpc[0-9A-F]{8}$/) }, Tags: [TAG] });
    }
    expect(instances(template)).toMatchObject({
      EmrManagedMasterSecurityGroup: groupIdText(primary),
      EmrManagedSlaveSecurityGroup: groupIdText(core),
      ServiceAccessSecurityGroup: groupIdText(access),
    });
    expect(stack.resolve(pipeline.securityGroups.serviceAccess!.securityGroupId)).toEqual({ 'Fn::GetAtt': [access, 'GroupId'] });
  });

  test('no inbound rule of our own (EMR adds them); primary and core/task send anywhere, service access only 8443 to the cluster groups', () => {
    const resources = template.toJSON().Resources;
    for (const id of [primary, core, access]) expect(resources[id].Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    for (const id of [primary, core]) {
      expect(resources[id].Properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }]);
    }
    // No inline outbound rule: the two AWS::EC2::SecurityGroupEgress resources replace EC2's default
    // allow-all rule when CloudFormation adds them (what CDK relies on, aws-cdk#987, #22140).
    expect(resources[access].Properties.SecurityGroupEgress).toBeUndefined();
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
    expect(egress).toEqual(expect.arrayContaining([primary, core].map((target) => ({
      GroupId: { 'Fn::GetAtt': [access, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [target, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 8443,
      ToPort: 8443,
      Description: 'EMR service access to the cluster instances',
    }))));
    expect(egress).toHaveLength(2);
  });

  test('deletion order: the rules CloudFormation owns, then the cleanup, then the groups', () => {
    const resources = template.toJSON().Resources;
    // The cleanup depends on the three groups (deleted before them) and names them all.
    expect(resources[cleanup].DependsOn).toEqual(expect.arrayContaining([primary, core, access]));
    expect(resources[cleanup].Properties.GroupIds).toEqual([primary, core, access].map((id) => ({ 'Fn::GetAtt': [id, 'GroupId'] })));
    // ...and on the state machine: no execution can start a cluster (EMR adding rules) after it ran.
    expect(resources[cleanup].DependsOn).toContain(logicalIdOf(template, 'AWS::StepFunctions::StateMachine', /^PipelineStateMachine/));
    // Each CloudFormation-owned rule depends on the cleanup (deleted before it, by CloudFormation).
    for (const [id, rule] of Object.entries(template.findResources('AWS::EC2::SecurityGroupEgress'))) {
      expect([id, rule.DependsOn]).toEqual([id, expect.arrayContaining([cleanup])]);
    }
  });

  test('the cleanup handler may revoke rules of these three groups only, and describe rules (no resource-level permissions)', () => {
    const handlerRole = logicalIdOf(template, 'AWS::IAM::Role', /^PipelineSecurityGroupsCleanupHandlerServiceRole/);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === handlerRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const ec2Statements = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ec2:')));
    const arn = (id: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':security-group/', { 'Fn::GetAtt': [id, 'GroupId'] }]] });
    expect(ec2Statements).toEqual([
      { Effect: 'Allow', Action: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'], Resource: [primary, core, access].map(arn) },
      { Effect: 'Allow', Action: 'ec2:DescribeSecurityGroupRules', Resource: '*' },
    ]);
    // The handler runs outside the VPC (it only calls the EC2 API).
    const fn = logicalIdOf(template, 'AWS::Lambda::Function', /^PipelineSecurityGroupsCleanupHandler[0-9A-F]{8}$/);
    expect(template.toJSON().Resources[fn].Properties.VpcConfig).toBeUndefined();
  });

  test('instance fleets get the same groups', () => {
    const fleets: tasks.EmrCreateCluster.InstanceFleetConfigProperty[] = [
      { instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.MASTER, targetOnDemandCapacity: 1, instanceTypeConfigs: [{ instanceType: 'm5.xlarge' }] },
    ];
    const fleet = build(ec2.SubnetType.PRIVATE_WITH_EGRESS, { instanceFleets: fleets }).template;
    expect(Object.keys(instances(fleet))).toEqual(expect.arrayContaining(['InstanceFleets', 'EmrManagedMasterSecurityGroup', 'EmrManagedSlaveSecurityGroup', 'ServiceAccessSecurityGroup']));
  });
});

describe('in public subnets', () => {
  const { template, stack } = build(ec2.SubnetType.PUBLIC);

  test('two groups and no service access group (EMR uses one in private subnets only)', async () => {
    const groups = Object.keys(template.findResources('AWS::EC2::SecurityGroup')).filter((id) => id.startsWith('PipelineSecurityGroups'));
    expect(groups.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['PipelineSecurityGroupsCoreAndTask', 'PipelineSecurityGroupsPrimary']);
    expect(instances(template).ServiceAccessSecurityGroup).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    const cleanup = Object.values(template.findResources('Custom::EmrSecurityGroupCleanup'))[0];
    expect(cleanup.Properties.GroupIds).toHaveLength(2);
    await expectCleanStack(stack);
  });
});

describe('security groups you bring', () => {
  function withGroups(subnetType: ec2.SubnetType, serviceAccess: boolean) {
    const stack = new Stack(new App(), 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, flowLogs: { FlowLog: {} } });
    const group = (id: string) => new ec2.SecurityGroup(stack, id, { vpc });
    const managedSecurityGroups = { primary: group('Primary'), coreAndTask: group('Core'), serviceAccess: serviceAccess ? group('Access') : undefined };
    const make = () => new EmrPipeline(stack, 'Pipeline', { vpc, vpcSubnets: { subnetType }, managedSecurityGroups });
    return { stack, managedSecurityGroups, make };
  }

  test('are passed as they are: nothing is created, tagged or cleaned up', () => {
    const { stack, managedSecurityGroups, make } = withGroups(ec2.SubnetType.PRIVATE_WITH_EGRESS, true);
    const pipeline = make();
    const template = Template.fromStack(stack);
    expect(pipeline.securityGroups).toBe(managedSecurityGroups);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 3);
    template.resourceCountIs('Custom::EmrSecurityGroupCleanup', 0);
    for (const group of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
      expect(group.Properties.Tags).toBeUndefined();
    }
    const id = (group: ec2.SecurityGroup) => groupIdText(stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup));
    expect(instances(template)).toMatchObject({
      EmrManagedMasterSecurityGroup: id(managedSecurityGroups.primary),
      EmrManagedSlaveSecurityGroup: id(managedSecurityGroups.coreAndTask),
      ServiceAccessSecurityGroup: id(managedSecurityGroups.serviceAccess!),
    });
  });

  test('private subnets need a service access group', () => {
    expect(withGroups(ec2.SubnetType.PRIVATE_WITH_EGRESS, false).make).toThrow(
      /managedSecurityGroups.serviceAccess is required in private subnets .*, got none; the selected subnets are private/);
  });

  test('public subnets take none', () => {
    expect(withGroups(ec2.SubnetType.PUBLIC, true).make).toThrow(
      /managedSecurityGroups.serviceAccess applies only to private subnets, got a group; the selected subnets are public/);
  });
});

test('instance fleets over public and private subnets at once are refused (EMR needs a service access group in private ones only)', () => {
  const fleets: tasks.EmrCreateCluster.InstanceFleetConfigProperty[] = [
    { instanceFleetType: tasks.EmrCreateCluster.InstanceRoleType.MASTER, targetOnDemandCapacity: 1, instanceTypeConfigs: [{ instanceType: 'm5.xlarge' }] },
  ];
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
  expect(() => new EmrPipeline(stack, 'Pipeline', {
    vpc,
    vpcSubnets: { subnets: [vpc.publicSubnets[0], vpc.privateSubnets[0]] },
    instanceFleets: fleets,
  })).toThrow(/vpcSubnets must select only public or only private subnets for instance fleets .*, got 1 public and 1 private/);
});
