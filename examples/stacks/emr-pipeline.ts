import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EmrPipeline } from '../../src';

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

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1, flowLogs: { FlowLog: {} } });
    const data = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsPrefix: 'access-logs/',
    });

    // CloudWatch alarms can only publish to a topic whose key lets CloudWatch use it.
    const topicKey = new kms.Key(this, 'OnCallKey', { enableKeyRotation: true });
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
