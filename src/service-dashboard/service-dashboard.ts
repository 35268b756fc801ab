import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { IDashboardSource } from './dashboard-source';
import { SERVICE_DASHBOARD_SPEC } from './private/spec';
import { resolveProps } from '../common/spec';

/** Properties of a `ServiceDashboard`. */
export interface ServiceDashboardProps {
  /**
   * The constructs shown, top to bottom, each on rows of its own. More can be added with `addSource`.
   *
   * @default - none: add them with `addSource`
   */
  readonly sources?: IDashboardSource[];

  /**
   * Name of the dashboard: 1-255 letters, digits, `-` and `_`.
   *
   * @default - a name CloudFormation generates
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
   */
  readonly dashboardName?: string;

  /**
   * The time range the dashboard opens on, as CloudWatch takes it (`-PT3H`, an ISO 8601 duration
   * before now, or a timestamp).
   *
   * @default - CloudWatch's default, the last 3 hours
   */
  readonly start?: string;
}

/**
 * One CloudWatch dashboard for a service made of several constructs of this library: each construct
 * brings its widgets (`dashboardWidgets()`), with the thresholds of its alarms drawn on the graphs.
 */
export class ServiceDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps = {}) {
    super(scope, id);
    const config = resolveProps(SERVICE_DASHBOARD_SPEC, props);
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: config.dashboardName,
      start: config.start,
    });
    for (const source of config.sources ?? []) this.addSource(source);
  }

  /** Adds a construct's widgets below those already on the dashboard. */
  public addSource(source: IDashboardSource): void {
    // One row per source; a row wraps at the dashboard's 24 columns (the title takes all of them).
    this.dashboard.addWidgets(...source.dashboardWidgets());
  }
}
