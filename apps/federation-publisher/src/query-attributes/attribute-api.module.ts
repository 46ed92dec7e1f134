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
    this.route.mount(this.adapterHost.httpAdapter.getHttpServer());
  }
}
