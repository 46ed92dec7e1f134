import { Controller, Get, Global, Injectable, Module } from '@nestjs/common';
import { HealthCheck as TerminusHealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';

export type HealthCheck = () => Promise<void>;

/**
 * Modules register the dependencies they cannot work without (NATS, PostgreSQL, AD, the
 * register); /health (terminus) runs them all with a timeout and answers 503 naming each one down.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  entries(): Array<[string, HealthCheck]> {
    return [...this.checks];
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @TerminusHealthCheck()
  check() {
    return this.health.check(
      this.registry.entries().map(([name, check]) => async () => {
        const indicator = this.indicators.check(name);
        try {
          await withTimeout(check(), 2000);
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: (error as Error).message });
        }
      }),
    );
  }
}

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthRegistry],
  exports: [HealthRegistry],
})
export class HealthModule {}
