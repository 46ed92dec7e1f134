export { loadConfig, ConfigError, describeValidationErrors } from './config/load-config';
export { ServiceConfig } from './config/service-config';
export { fileClock, testClock } from './clock/test-clock';
export type { FileClock } from './clock/test-clock';
export { envFlag, envInteger } from './config/env-transforms';
export { assertReachable, describeEndpoint, EndpointUnreachableError } from './config/endpoint-check';
export { loadTenants, parseTenants, findTenant } from './tenants/load-tenants';
export {
  TenantConfig,
  TenantsFile,
  RegisterConfig,
  RegisterAuthConfig,
  DirectoryLayoutConfig,
  NamingConfig,
  LifecycleConfig,
  ThresholdConfig,
  FederationConfig,
} from './tenants/tenant-config';
export { createLogger, PinoNestLogger } from './logging/logger';
export { maskCivicNumbers, REDACTED_KEYS } from './logging/redaction';
export { HealthModule, HealthRegistry } from './health/health.module';
export type { HealthCheck } from './health/health.module';
export { MetricsModule, metricsRegistry, ensureDefaultMetrics } from './metrics/metrics.module';
export { PlatformModule, SERVICE_CONFIG, TENANTS } from './bootstrap/platform.module';
export { runService, EXIT_CONFIG, EXIT_UNREACHABLE } from './bootstrap/run-service';
export type { RunServiceOptions } from './bootstrap/run-service';
export { TraceMiddleware, traceRequests } from './tracing/trace.middleware';
