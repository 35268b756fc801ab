import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EmrPipeline } from '../../src';
import { acknowledgeGuardRule, acknowledgeGuardRules } from '../../src/common/guard';
import { limitGrantsToAwsServices } from '../../src/common/keys';

/**
 * The most common EmrPipeline: nightly Spark jobs on a transient cluster in private subnets,
 * reading raw data and writing results in a data bucket, alarms to an encrypted on-call topic.
 * Start an execution with
 * `{ "steps": [{ "name": "...", "jar": "command-runner.jar", "args": ["spark-submit", "s3://.../job.py"] }] }`.
 */
export class EmrPipelineExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // As in new CDK projects: server access logs are delivered under a bucket policy, not an ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { FlowLog: {} },
      // (the NAT gateway has its own Elastic IP: nothing in the public subnets needs an automatic one)
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
    });
    acknowledgeGuardRule(vpc.node.findChild('FlowLog').node.findChild('LogGroup'), 'cloudwatch_log_group_encrypted_check',
      'The VPC flow log of the example network: CloudWatch Logs encrypts it at rest; a customer-managed key is the network owner\'s choice.');
    const data = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsPrefix: 'access-logs/',
    });
    const dataOwner = "The example data bucket stands for the caller's own: its key, versioning, retention, locking and notifications are the data owner's choice.";
    acknowledgeGuardRules(data, Object.fromEntries([
      's3_bucket_default_encryption_kms_check', 's3_bucket_versioning_enabled_check', 's3_lifecycle_policy_check',
      's3_bucket_object_lock_enabled_check', 's3_event_notifications_enabled_check',
    ].map((rule) => [rule, dataOwner])));

    // CloudWatch alarms can only publish to a topic whose key lets CloudWatch use it.
    const topicKey = new kms.Key(this, 'OnCallKey', { enableKeyRotation: true });
    limitGrantsToAwsServices(topicKey);
    topicKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const onCall = new sns.Topic(this, 'OnCall', { enforceSSL: true, masterKey: topicKey });

    const pipeline = new EmrPipeline(this, 'NightlyJobs', {
      vpc,
      maxConcurrency: 4,
      alarmTopic: onCall,
    });

    // The jobs read raw/ and write results/.
    pipeline.instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [data.arnForObjects('raw/*')],
    }));
    pipeline.instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [data.arnForObjects('results/*')],
    }));
    const dataBucket = this.getLogicalId(data.node.defaultChild as s3.CfnBucket);
    for (const prefix of ['raw', 'results']) {
      Validations.of(pipeline.instanceRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${dataBucket}.Arn>/${prefix}/*]`,
        reason: `Spark jobs read and write files under ${prefix}/ whose names they choose at run time.`,
      });
    }
  }
}
