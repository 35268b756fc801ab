import { defineSpec } from '../../common/spec';
import type { ServiceDashboardProps } from '../service-dashboard';

/** ServiceDashboard's props: the PutDashboard API's rules for the name. */
export const SERVICE_DASHBOARD_SPEC = defineSpec<ServiceDashboardProps>()({
  sources: { kind: { kind: 'other' }, defaultDoc: '- none: add them with `addSource`' },
  dashboardName: {
    kind: { kind: 'string', pattern: /^[A-Za-z0-9_-]{1,255}$/, expected: '1-255 letters, digits, "-" or "_"' },
    defaultDoc: '- a name CloudFormation generates',
  },
  start: { kind: { kind: 'other' }, defaultDoc: '- CloudWatch\'s default, the last 3 hours' },
});
