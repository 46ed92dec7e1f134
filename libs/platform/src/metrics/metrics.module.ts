import { Controller, Get, Global, Header, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per process; metric labels never carry personal data. */
export const metricsRegistry = new Registry();
let defaultsCollected = false;

export function ensureDefaultMetrics(service: string): void {
  if (defaultsCollected) return;
  metricsRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metricsRegistry });
  defaultsCollected = true;
}

@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}

@Global()
@Module({ controllers: [MetricsController], providers: [{ provide: Registry, useValue: metricsRegistry }], exports: [Registry] })
export class MetricsModule {}
