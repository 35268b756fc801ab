export * from './dashboard-source';
export * from './service-dashboard';
