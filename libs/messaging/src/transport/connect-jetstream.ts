// Attaches the JetStream transport to a Nest application (next to HTTP), with the exception filter
// that lets the transport see retryable/permanent errors. Call before `app.startAllMicroservices()`.
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { JetStreamExceptionFilter } from './jetstream-exception.filter';
import { JetStreamServer, type JetStreamServerOptions } from './jetstream.server';

export function connectJetStream(app: INestApplication, options: JetStreamServerOptions): { microservice: INestMicroservice; server: JetStreamServer } {
  const server = new JetStreamServer(options);
  // Deferred: listeners are registered at startAllMicroservices(), after the filter below is in place.
  const microservice = app.connectMicroservice({ strategy: server }, { inheritAppConfig: false, deferInitialization: true });
  microservice.useGlobalFilters(new JetStreamExceptionFilter());
  return { microservice, server };
}
