import type { Server } from 'node:http';
import { type DynamicModule, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EntraClaimsController } from '../entra-claims/entra-claims.controller';
import { EntraTokenVerifier } from '../entra-claims/entra-token.verifier';
import type { ReleaseSettings } from '../release-settings/release-settings';
import type { AttributeReadModel } from './attribute-read-model';
import { IdpClientAuthenticator } from './idp-client.authenticator';
import { QueryAttributesService } from './query-attributes.service';
import { ShibbolethAttributesRoute } from './shibboleth-attributes.route';

/**
 * The HTTPS attribute API: the Shibboleth-shaped GET (ShibbolethAttributesRoute, mounted in front of
 * Nest when the application boots) and the Entra custom claims provider POST (a Nest controller).
 * Both answer from the in-memory read model, which the caller starts before listening.
 */
export const ATTRIBUTE_API_KEEP_ALIVE_MS = 120_000;

@Module({})
export class AttributeApiModule implements OnApplicationBootstrap {
  private mounted = false;

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ShibbolethAttributesRoute) private readonly route: ShibbolethAttributesRoute,
  ) {}

  static register(options: { people: AttributeReadModel; settings: ReleaseSettings }): DynamicModule {
    return {
      module: AttributeApiModule,
      controllers: [EntraClaimsController],
      providers: [
        { provide: QueryAttributesService, useFactory: () => new QueryAttributesService(options.people, options.settings) },
        {
          provide: ShibbolethAttributesRoute,
          useFactory: (queries: QueryAttributesService) => new ShibbolethAttributesRoute(queries, new IdpClientAuthenticator(options.settings)),
          inject: [QueryAttributesService],
        },
        { provide: EntraTokenVerifier, useFactory: () => new EntraTokenVerifier(options.settings.entra) },
      ],
    };
  }

  onApplicationBootstrap(): void {
    if (this.mounted) return;
    this.mounted = true;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    // An IdP keeps a small pool of connections; a new one costs a TLS handshake (≈ 1.3 ms of server
    // CPU and several ms for the login, against ≈ 0.3 ms on a kept connection), so idle connections
    // are kept for two minutes instead of node's 5 s and the client decides when to drop them.
    server.keepAliveTimeout = ATTRIBUTE_API_KEEP_ALIVE_MS;
    this.route.mount(server);
  }
}
