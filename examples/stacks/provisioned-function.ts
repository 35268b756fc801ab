import { CfnOutput, Duration, Stack, StackProps, TimeZone } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ProvisionedFunction } from '../../src';
import { acknowledgeGuardRule } from '../../src/common/guard';

/**
 * A latency-sensitive HTTP API: the route invokes the function's alias, whose provisioned
 * concurrency tracks 70% utilization between 2 and 20 environments and keeps at least 10 during
 * business hours (Berlin time). No request waits for a cold start unless the spillover alarm fires.
 */
export class ProvisionedFunctionExampleStack extends Stack {
  public readonly api: ProvisionedFunction;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const api = this.api = new ProvisionedFunction(this, 'OrdersApi', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ orders: [] }) });'),
      timeout: Duration.seconds(10),
      provisionedConcurrency: 2,
      autoScaling: {
        maxCapacity: 20,
        schedules: [
          {
            name: 'BusinessHoursStart',
            schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '8', minute: '0' }),
            minCapacity: 10,
            timeZone: TimeZone.EUROPE_BERLIN,
          },
          {
            name: 'BusinessHoursEnd',
            schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '19', minute: '0' }),
            minCapacity: 2,
            timeZone: TimeZone.EUROPE_BERLIN,
          },
        ],
      },
    });

    // An HTTP API whose integration is the alias: requests reach the provisioned environments.
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    acknowledgeGuardRule(accessLogs, 'cloudwatch_log_group_encrypted_check',
      "The example API's access log: CloudWatch Logs encrypts it at rest; a customer-managed key is the API owner's choice.");
    const httpApi = new apigw.HttpApi(this, 'HttpApi', { createDefaultStage: false });
    httpApi.addRoutes({
      path: '/orders',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Orders', api.alias),
      authorizer: new HttpIamAuthorizer(),
    });
    httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // JSON, with the HTTP API's own context variables (routeKey, integrationLatency).
        format: apigateway.AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId',
          sourceIp: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          routeKey: '$context.routeKey',
          status: '$context.status',
          responseLength: '$context.responseLength',
          integrationLatency: '$context.integrationLatency',
        })),
      },
    });
    for (const permission of httpApi.node.findAll().filter((c) => c instanceof lambda.CfnPermission)) {
      acknowledgeGuardRule(permission, 'lambda_function_public_access_prohibited_check',
        'Only API Gateway may invoke, and only for this API\'s GET /orders route (SourceArn, built with Fn::Join, which the control does not resolve).');
    }
    new CfnOutput(this, 'OrdersUrl', { value: `${httpApi.apiEndpoint}/orders` });
  }
}
