import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * The `DashboardBody` of the stack's only dashboard, parsed: the Fn::Join CloudFormation gets is
 * joined with each token written as a placeholder (`${Ref:Id}`, `${GetAtt:Id.Attr}`, `${AWS::Region}`),
 * so tests read widgets, metrics, dimensions and annotations as the CloudWatch console will.
 */
export function dashboardBody(stack: Stack): { widgets: any[] } {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(placeholder).join(body['Fn::Join'][0]);
  return JSON.parse(text);
}

function placeholder(part: unknown): string {
  if (typeof part === 'string') return part;
  const token = part as Record<string, any>;
  if (token.Ref) return String(token.Ref).startsWith('AWS::') ? `\${${token.Ref}}` : `\${Ref:${token.Ref}}`;
  if (token['Fn::GetAtt']) return `\${GetAtt:${token['Fn::GetAtt'].join('.')}}`;
  throw new Error(`unexpected token in DashboardBody: ${JSON.stringify(part)}`);
}

/** A graph's metrics as `{ namespace, name, dimensions, stat, period, label }`. */
export function graphMetrics(widget: any): Array<Record<string, any>> {
  return widget.properties.metrics.map((row: any[]) => {
    const options = typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {};
    const names = row.slice(0, typeof row[row.length - 1] === 'object' ? -1 : undefined) as string[];
    const [namespace, name, ...dims] = names;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < dims.length; i += 2) dimensions[dims[i]] = dims[i + 1];
    // CloudWatch's defaults when the body leaves them out: Average over 300 s, left axis.
    return { namespace, name, dimensions, stat: options.stat ?? 'Average', period: options.period ?? 300, label: options.label, yAxis: options.yAxis ?? 'left' };
  });
}

/** The graph titled `title` among the widgets (exactly one). */
export function graph(body: { widgets: any[] }, title: string): any {
  const found = body.widgets.filter((w) => w.type === 'metric' && w.properties.title === title);
  expect(found.map((w) => w.properties.title)).toEqual([title]);
  return found[0];
}
