// Attaches the JetStream transport to a Nest application (next to HTTP), with the exception filter
// that lets the transport see retryable/permanent errors. Call before `app.startAllMicroservices()`.
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { JetStreamExceptionFilter } from './jetstream-exception.filter';
import { JetStreamServer, type JetStreamServerOptions } from './jetstream.server';

export function connectJetStream(app: INestApplication, options: JetStreamServerOptions): { microservice: INestMicroservice; server: JetStreamServer } {
  const server = new JetStreamServer(options);
  // Deferred: listeners are registered at startAllMicroservices(), after the filter below is in place.
  const microservice = app.connectMicroservice({ strategy: server }, { inheritAppConfig: false, deferInitialization: true });
  // The microservice shares the app's module container, and the app runs its lifecycle hooks
  // (app.init/listen). A deferred microservice would run onModuleInit and onApplicationBootstrap a
  // second time on the same instances at startAllMicroservices(): every boot task twice (two webhook
  // subscriptions per tenant, two startup syncs, two sets of timers).
  (microservice as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
  microservice.useGlobalFilters(new JetStreamExceptionFilter());
  return { microservice, server };
}
