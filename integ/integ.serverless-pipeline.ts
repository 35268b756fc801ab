import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { LatencyGate, PipelineSource, ServerlessPipeline } from '../src';
import { enforceNag } from './support/gates';
import { ServiceStage } from '../test/serverless-pipeline/service-stage';

/**
 * A pipeline from a new CodeCommit repository to two stages (the second behind a manual
 * approval), each followed by a latency gate on its `live` alias. Deployed, it proves the
 * pipeline exists with its stages and actions in order, and that the gate's CodeBuild project
 * runs the probe unprivileged, logging to the kept build log group.
 * (The repository is empty, so the first execution stops at Source: nothing is deployed by it.)
 */
const app = new App();
const stack = new Stack(app, 'ServerlessPipelineInteg');
const delivery = new ServerlessPipeline(stack, 'Pipeline', {
  source: PipelineSource.newCodeCommitRepository('cdk-serverless-patterns-integ'),
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
