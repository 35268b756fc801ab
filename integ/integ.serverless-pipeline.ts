import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { LatencyGate, PipelineSource, ServerlessPipeline } from '../src';
import { enforceNag } from './support/gates';
import { ACCESS_LOG_BUCKET_GUARD_REASONS, acknowledgeGuardRules } from '../src/common/guard';
import { limitGrantsToAwsServices } from '../src/common/keys';
import { createAccessLogBucket, createSecureBucket } from '../src/common/secure-bucket';
import { ServiceStage } from '../test/serverless-pipeline/service-stage';

/**
 * A pipeline from a zip in a versioned S3 bucket to two stages (the second behind a manual
 * approval), each followed by a latency gate on its `live` alias. Deployed, it proves the
 * pipeline exists with its stages and actions in order, and that the gate's CodeBuild project
 * runs the probe unprivileged, logging to the kept build log group.
 *
 * The source is S3, not CodeCommit: CodeCommit is closed to new customers since 25 July 2024
 * (https://aws.amazon.com/blogs/devops/how-to-migrate-your-aws-codecommit-repository-to-another-git-provider/),
 * so a new account cannot create the repository; a CodeStar connection needs a handshake in the
 * console, which a test cannot make. Nothing is uploaded to `source/app.zip`, so the first
 * execution stops at Source and deploys nothing (as the empty repository did before).
 */
const app = new App();
const stack = new Stack(app, 'ServerlessPipelineInteg');
// The source bucket as an app would define it: SSE-KMS, versioned (as the S3 source requires),
// server access logs, and old versions of the zip (and old access logs) expired.
const sourceLogs = createAccessLogBucket(stack, 'SourceAccessLogs',
  "This bucket is the source bucket's server access log destination; logging it to itself would loop.",
  [{ expiration: Duration.days(90) }]);
acknowledgeGuardRules(sourceLogs, ACCESS_LOG_BUCKET_GUARD_REASONS);
const sourceKey = new kms.Key(stack, 'SourceKey', { enableKeyRotation: true, description: 'Encrypts the source zips of the integ pipeline' });
limitGrantsToAwsServices(sourceKey);
const sourceBucket = createSecureBucket(stack, 'SourceBucket', {
  encryptionKey: sourceKey,
  versioned: true,
  lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
  serverAccessLogs: { bucket: sourceLogs, prefix: 'source/' },
});
acknowledgeGuardRules(sourceBucket, {
  s3_bucket_object_lock_enabled_check: 'The source zip is replaced by each upload and its versions expire; Object Lock would make each version undeletable for its retention period.',
  s3_event_notifications_enabled_check: 'The pipeline polls the source object (S3Trigger.POLL); nothing else reacts to an upload.',
});
const delivery = new ServerlessPipeline(stack, 'Pipeline', {
  source: PipelineSource.s3(sourceBucket, 'source/app.zip'),
});
const beta = new ServiceStage(stack, 'Beta');
const prod = new ServiceStage(stack, 'Prod');
const betaDeployment = delivery.addStage(beta, {
  latencyGates: [LatencyGate.forAlias(beta.alias, { concurrency: 2, requests: 50, maxP99: Duration.millis(500) })],
});
delivery.addStage(prod, { manualApproval: true, latencyGates: [LatencyGate.forAlias(prod.alias, { concurrency: 2, requests: 50 })] });
// Build now (synth would do it) so the assertions can name the pipeline and cdk-nag sees it.
delivery.pipeline.buildPipeline();

const integ = new IntegTest(app, 'ServerlessPipelineTest', { testCases: [stack] });
integ.assertions.awsApiCall('CodePipeline', 'getPipeline', { name: delivery.pipeline.pipeline.pipelineName })
  .expect(ExpectedResult.objectLike({
    pipeline: {
      stages: [
        { name: 'Source' },
        { name: 'Build', actions: [{ name: 'Synth' }] },
        { name: 'UpdatePipeline', actions: [{ name: 'SelfMutate' }] },
        { name: 'Beta', actions: [{ name: 'Service.Prepare' }, { name: 'Service.Deploy' }, { name: 'LatencyGate' }] },
        { name: 'Prod', actions: [{ name: 'ManualApproval' }, { name: 'Service.Prepare' }, { name: 'Service.Deploy' }, { name: 'LatencyGate' }] },
      ],
    },
  }));

const betaGate = betaDeployment.post.find((step) => step.id === 'LatencyGate') as pipelines.CodeBuildStep;
integ.assertions.awsApiCall('CodeBuild', 'batchGetProjects', { names: [betaGate.project.projectName] })
  .expect(ExpectedResult.objectLike({
    projects: [{
      environment: { privilegedMode: false },
      // The deployed buildspec runs the probe on the alias with the gate's thresholds.
      source: {
        buildspec: Match.stringLikeRegexp(
          'npx cdk-serverless-patterns probe .*LATENCY_GATE_FUNCTION_1.* --qualifier live --concurrency 2 --requests 50 --max-cold-starts 0 --max-p99 500ms --json'),
      },
      logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: delivery.buildLogGroup.logGroupName } },
    }],
  }));

enforceNag(stack);
