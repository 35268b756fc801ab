import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * A construct that shows its health on a `ServiceDashboard`: every construct of this library with
 * metrics implements it.
 */
export interface IDashboardSource {
  /**
   * The construct's widgets: a title naming the construct's path, then its graphs, with the
   * thresholds of the alarms the construct created as horizontal annotations.
   */
  dashboardWidgets(): cloudwatch.IWidget[];
}
