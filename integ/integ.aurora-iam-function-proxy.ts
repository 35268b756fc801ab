import { auroraIamIntegApp } from './support/aurora-iam-stack';

// Through an RDS Proxy with end-to-end IAM authentication: the function's token is for the
// proxy's prx- id, the proxy's own for the cluster; no secret on either hop.
auroraIamIntegApp('AuroraIamFunctionProxyInteg', 'integ_proxy_app', { proxy: true });
