import { CfnResource, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EMR_MANAGED_POLICY_TAG, ManagedSecurityGroups } from './security-groups';
import { ACCESS_LOG_BUCKET_GUARD_REASONS, LOG_BUCKET_GUARD_REASONS, acknowledgeGuardRules } from '../../common/guard';
import { acknowledgeNagRule } from '../../common/nag';
import { createAccessLogBucket, createSecureBucket } from '../../common/secure-bucket';
import type { EmrPipelineSecurityGroups } from '../emr-pipeline';

/** Where EMR writes cluster logs in the log bucket. */
export const LOG_PREFIX = 'emr-logs/';

/** The log bucket EMR writes cluster logs to: SSE-S3, TLS only, its server access logs in a second bucket. */
export function createLogBucket(scope: Construct, expiration: Duration): s3.Bucket {
  const lifecycleRules = [{ expiration, abortIncompleteMultipartUploadAfter: Duration.days(7) }];
  const accessLogs = createAccessLogBucket(scope, 'AccessLogBucket',
    'This bucket is the server access log destination of the EMR log bucket; logging it into itself would loop.', lifecycleRules);
  acknowledgeGuardRules(accessLogs, ACCESS_LOG_BUCKET_GUARD_REASONS);
  const bucket = createSecureBucket(scope, 'LogBucket', {
    lifecycleRules,
    serverAccessLogs: { bucket: accessLogs, prefix: 'emr-log-bucket/' },
  });
  acknowledgeGuardRules(bucket, {
    ...LOG_BUCKET_GUARD_REASONS,
    s3_bucket_default_encryption_kms_check: 'EMR uploads cluster logs with the cluster\'s instance role, which SSE-S3 keeps free of key permissions; a KMS-encrypted bucket can be given as `logBucket`.',
  });
  return bucket;
}

/** The EMR service role, with the AWS managed `AmazonEMRServicePolicy_v2`. */
export function createServiceRole(scope: Construct): iam.Role {
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
  });
  acknowledgeNagRule(role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]',
    'The EMR service role policy AWS maintains for new EMR features; v2 only acts on resources tagged for-use-with-amazon-emr-managed-policies, which the pipeline tags.');
  return role;
}

/** The role of the cluster's instances, and its instance profile of the same name. */
export function createInstanceRole(scope: Construct): iam.Role {
  const role = new iam.Role(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: 'EC2 instance profile role of the EMR pipeline clusters',
  });
  // EMR looks the instance profile up by the name passed as JobFlowRole: the role's name.
  new iam.CfnInstanceProfile(scope, 'InstanceProfile', { roles: [role.roleName], instanceProfileName: role.roleName });
  return role;
}

/** Lets the instances write the cluster logs, which is all they need to boot. */
export function allowLogWrites(instanceRole: iam.IRole, logBucket: s3.IBucket): void {
  // EMR's log pusher on the instances writes under the prefix.
  instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:PutObject'],
    resources: [logBucket.arnForObjects(`${LOG_PREFIX}*`)],
  }));
  // (cdk-nag names the resource by the bucket's logical id, or by its name when it is imported)
  const logBucketResource = logBucket.node.defaultChild;
  const logBucketArn = logBucketResource instanceof s3.CfnBucket
    ? `<${Stack.of(logBucketResource).getLogicalId(logBucketResource)}.Arn>`
    : `arn:<AWS::Partition>:s3:::${logBucket.bucketName}`;
  acknowledgeNagRule(instanceRole, `AwsSolutions-IAM5[Resource::${logBucketArn}/${LOG_PREFIX}*]`,
    'EMR names its log objects per cluster, node and application at run time; writes are confined to the log prefix.');
}

/** The cluster's network: its subnets (tagged for the EMR policy) and EMR-managed security groups. */
export interface ClusterNetwork {
  readonly subnets: ec2.SelectedSubnets;
  readonly securityGroups: EmrPipelineSecurityGroups;
  /** The groups the pipeline created, when it was given none. */
  readonly ownGroups?: ManagedSecurityGroups;
}

/**
 * Selects and tags the cluster subnets and creates (or checks) the EMR-managed security groups.
 * `fleets`: instance fleets launch in any selected subnet, instance groups in the first one.
 */
export function clusterNetwork(scope: Construct, props: {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly managedSecurityGroups?: EmrPipelineSecurityGroups;
  readonly fleets: boolean;
}): ClusterNetwork {
  const subnets = props.vpc.selectSubnets(props.vpcSubnets);
  // AmazonEMRServicePolicy_v2 launches instances only in tagged subnets (and acts only on a tagged
  // VPC). Only those resources are tagged (not their children), and only when they are defined in
  // this app.
  for (const network of [props.vpc, ...subnets.subnets]) {
    const resource = network.node.defaultChild;
    if (resource instanceof CfnResource) {
      Tags.of(resource).add(EMR_MANAGED_POLICY_TAG, 'true');
    }
  }
  const clusterSubnets = props.fleets ? subnets.subnets : subnets.subnets.slice(0, 1);
  const privateSubnets = inPrivateSubnets(props.vpc, clusterSubnets);
  const ownGroups = props.managedSecurityGroups ? undefined : new ManagedSecurityGroups(scope, 'SecurityGroups', { vpc: props.vpc, privateSubnets });
  const securityGroups = props.managedSecurityGroups ?? ownGroups!;
  validateSecurityGroups(securityGroups, privateSubnets);
  return { subnets, securityGroups, ownGroups };
}

/**
 * Whether the cluster subnets are private: none is one of the VPC's public subnets. A selection
 * of both fails, since EMR needs a service access group in private subnets only.
 */
function inPrivateSubnets(vpc: ec2.IVpc, clusterSubnets: ec2.ISubnet[]): boolean {
  const isPublic = (subnet: ec2.ISubnet) => vpc.publicSubnets.some((p) => p === subnet || p.subnetId === subnet.subnetId);
  const publicCount = clusterSubnets.filter(isPublic).length;
  if (publicCount > 0 && publicCount < clusterSubnets.length) {
    throw new Error(`vpcSubnets must select only public or only private subnets for instance fleets (EMR needs a service access security group in private subnets only), got ${publicCount} public and ${clusterSubnets.length - publicCount} private`);
  }
  return publicCount === 0;
}

function validateSecurityGroups(groups: EmrPipelineSecurityGroups, privateSubnets: boolean): void {
  if (privateSubnets && !groups.serviceAccess) {
    throw new Error('managedSecurityGroups.serviceAccess is required in private subnets (EMR reaches the cluster through it), got none; the selected subnets are private');
  }
  if (!privateSubnets && groups.serviceAccess) {
    throw new Error('managedSecurityGroups.serviceAccess applies only to private subnets, got a group; the selected subnets are public');
  }
}
