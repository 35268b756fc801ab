import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** Width of a graph: three side by side on the dashboard's 24 columns. */
const GRAPH_WIDTH = 8;
const GRAPH_HEIGHT = 6;

/** The title row of a construct's widgets: its class and path, so two instances are told apart. */
export function titleWidget(scope: Construct, className: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({ markdown: `### ${className} \`${scope.node.path}\``, width: 24, height: 1 });
}

/**
 * The thresholds of the alarms `scope` created under the given ids (those that exist), as
 * horizontal annotations: taken from the alarms themselves, so the line cannot drift from what pages.
 */
export function alarmAnnotations(scope: Construct, ...alarmIds: string[]): cloudwatch.HorizontalAnnotation[] {
  return alarmIds.flatMap((id) => {
    const alarm = scope.node.tryFindChild(id);
    return alarm instanceof cloudwatch.Alarm ? [alarm.toAnnotation()] : [];
  });
}

export interface GraphOptions {
  readonly title: string;
  readonly left: cloudwatch.IMetric[];
  readonly leftAnnotations?: cloudwatch.HorizontalAnnotation[];
  readonly leftYAxis?: cloudwatch.YAxisProps;
  readonly right?: cloudwatch.IMetric[];
  readonly rightAnnotations?: cloudwatch.HorizontalAnnotation[];
  readonly rightYAxis?: cloudwatch.YAxisProps;
}

/** A time-series graph of the size every construct uses; the y axes start at zero. */
export function graphWidget(options: GraphOptions): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    width: GRAPH_WIDTH,
    height: GRAPH_HEIGHT,
    ...options,
    leftYAxis: { min: 0, ...options.leftYAxis },
    rightYAxis: options.right ? { min: 0, ...options.rightYAxis } : undefined,
  });
}
