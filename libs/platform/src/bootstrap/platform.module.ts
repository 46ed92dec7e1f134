import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { TenantConfig } from '../tenants/tenant-config';
import type { ServiceConfig } from '../config/service-config';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { TraceMiddleware } from '../tracing/trace.middleware';

/** Injection tokens for the validated configuration. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const TENANTS = Symbol('TENANTS');

/** Health, metrics, request tracing and the validated config + tenants, for every app's root module. */
@Global()
@Module({})
export class PlatformModule implements NestModule {
  static forRoot(config: ServiceConfig, tenants: TenantConfig[]): DynamicModule {
    return {
      module: PlatformModule,
      imports: [HealthModule, MetricsModule],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: TENANTS, useValue: tenants },
      ],
      exports: [SERVICE_CONFIG, TENANTS, HealthModule, MetricsModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(TraceMiddleware).forRoutes('*');
  }
}
