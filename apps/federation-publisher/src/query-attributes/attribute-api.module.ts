import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { EntraClaimsController } from '../entra-claims/entra-claims.controller';
import { EntraTokenVerifier } from '../entra-claims/entra-token.verifier';
import type { ReleaseSettings } from '../release-settings/release-settings';
import { AttributesController } from './attributes.controller';
import { IdpClientGuard } from './idp-client.guard';
import { QueryAttributesService } from './query-attributes.service';
import { RELEASE_SETTINGS } from './tokens';

/** The HTTPS attribute API: Shibboleth-shaped GET and the Entra custom claims provider POST. */
@Module({})
export class AttributeApiModule {
  static register(options: { pool: Pool; settings: ReleaseSettings }): DynamicModule {
    return {
      module: AttributeApiModule,
      controllers: [AttributesController, EntraClaimsController],
      providers: [
        { provide: RELEASE_SETTINGS, useValue: options.settings },
        { provide: QueryAttributesService, useFactory: () => new QueryAttributesService(options.pool, options.settings) },
        { provide: EntraTokenVerifier, useFactory: () => new EntraTokenVerifier(options.settings.entra) },
        IdpClientGuard,
      ],
    };
  }
}
