import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { createAccessLogBucket, createSecureBucket } from '../../src/common/secure-bucket';

const logicalId = (b: s3.Bucket) => Stack.of(b).getLogicalId(b.node.defaultChild as s3.CfnBucket);

describe('createSecureBucket', () => {
  test('SSE-S3, TLS only, public access blocked, ACLs disabled, no versioning or lifecycle unless asked', () => {
    const stack = new Stack(new App(), 'Stack');
    createSecureBucket(stack, 'Bucket');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: Match.absent(),
      LifecycleConfiguration: Match.absent(),
      LoggingConfiguration: Match.absent(),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  test('SSE-KMS with the given key; versioning and lifecycle rules as given', () => {
    const stack = new Stack(new App(), 'Stack');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    createSecureBucket(stack, 'Bucket', { encryptionKey: key, versioned: true, lifecycleRules: [{ expiration: Duration.days(30) }] });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
        }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
  });

  // The approach @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy selects, whatever the app's flags:
  // no LogDeliveryWrite ACL, a policy statement for the logging service on the destination.
  test.each([true, false])('server access logs: a bucket policy for logging.s3 limited to the source bucket and account (flag %s)', (flag) => {
    const app = new App({ context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': flag } });
    const stack = new Stack(app, 'Stack');
    const logs = createAccessLogBucket(stack, 'AccessLogs', 'the destination of server access logs');
    const bucket = createSecureBucket(stack, 'Bucket', { serverAccessLogs: { bucket: logs, prefix: 'data/' } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(logs) }, LogFilePrefix: 'data/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(logs) },
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(logs), 'Arn'] }, '/data/*']] },
          Condition: {
            ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(bucket), 'Arn'] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        }]),
      },
    });
    const accessControl = Object.values(template.findResources('AWS::S3::Bucket')).map((r) => r.Properties.AccessControl);
    expect(accessControl).toEqual([undefined, undefined]);
  });
});
