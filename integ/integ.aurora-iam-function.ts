import { auroraIamIntegApp } from './support/aurora-iam-stack';

// The function connects straight to the cluster, as `integ_app`, with an IAM token over TLS.
auroraIamIntegApp('AuroraIamFunctionInteg', 'integ_app');
