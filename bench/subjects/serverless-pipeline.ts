import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { LatencyGate, PipelineSource, ServerlessPipeline } from '../../src';
import { ServiceStage } from '../../test/serverless-pipeline/service-stage';
import { BenchSubject } from '../support/subject';

/**
 * A ServerlessPipeline with a new repository and one stage (a function behind a provisioned
 * alias) gated on latency, and by hand on CDK Pipelines: access-log bucket, artifact key and
 * bucket, build log group, repository, the same synth step and pipeline settings, the stage with
 * a CodeBuild step that probes the alias. The stage itself is the same in both.
 */
export const subject: BenchSubject = {
  name: 'ServerlessPipeline',
  construct: (scope, id) => {
    const pipeline = new ServerlessPipeline(scope, id, { source: PipelineSource.newCodeCommitRepository(`orders-${id}`) });
    const stage = new ServiceStage(scope, `${id}Beta`);
    pipeline.addStage(stage, { latencyGates: [LatencyGate.forAlias(stage.alias)] });
  },
  floor: (parent, id) => {
    const scope = new Construct(parent, id);
    // Access logs through a bucket policy, not the legacy ACL (what the construct sets too).
    scope.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const accessLogsBucket = new s3.Bucket(scope, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
    const artifactKey = new kms.Key(scope, 'ArtifactKey', { enableKeyRotation: true });
    const artifactBucket = new s3.Bucket(scope, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: artifactKey,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts/',
    });
    const logGroup = new logs.LogGroup(scope, 'BuildLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const repository = new codecommit.Repository(scope, 'Repository', { repositoryName: `orders-${id}` });
    const source = pipelines.CodePipelineSource.codeCommit(repository, 'main');
    const pipeline = new pipelines.CodePipeline(scope, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      synth: new pipelines.ShellStep('Synth', {
        input: source,
        installCommands: ['npm ci'],
        commands: ['npm test', 'npx cdk synth'],
        primaryOutputDirectory: 'cdk.out',
      }),
      artifactBucket,
      crossAccountKeys: true,
      enableKeyRotation: true,
      selfMutation: true,
      dockerEnabledForSynth: false,
      dockerEnabledForSelfMutation: false,
      codeBuildDefaults: { logging: { cloudWatch: { logGroup } } },
    });

    const stage = new ServiceStage(parent, `${id}Beta`);
    const output = new CfnOutput(stage.alias, 'LatencyGateFunctionArn', { value: stage.fn.functionArn });
    pipeline.addStage(stage, {
      post: [new pipelines.CodeBuildStep('LatencyGate', {
        input: source,
        installCommands: ['npm ci'],
        commands: ['npx cdk-serverless-patterns probe "$LATENCY_GATE_FUNCTION_1" --qualifier live --concurrency 10 --requests 100 --max-cold-starts 0 --json'],
        envFromCfnOutputs: { LATENCY_GATE_FUNCTION_1: output },
        rolePolicyStatements: [new iam.PolicyStatement({
          actions: ['lambda:GetProvisionedConcurrencyConfig', 'lambda:InvokeFunction'],
          resources: [Stack.of(scope).formatArn({ service: 'lambda', resource: 'function', resourceName: '*:live', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        })],
      })],
    });
  },
};
