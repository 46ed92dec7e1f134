import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, Min, ValidateIf } from 'class-validator';
import { ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * federation-publisher's environment. PORT serves /health and /metrics (plain HTTP, loopback or the
 * pod network); the attribute API for IdPs listens on its own HTTPS port with the configured
 * certificate. Release policies, IdP clients and Entra settings come from RELEASE_POLICIES_FILE;
 * the secrets it names (pairwise-id keys, client tokens) from the environment.
 */
export class FederationPublisherConfig extends ServiceConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  override PORT: number = 3004;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  ATTRIBUTE_API_PORT: number = 3444;

  /**
   * PEM certificate (chain) and private key of the attribute API. Required in production; elsewhere
   * the API stays off (with a warning) until both are set — it is never served without TLS.
   */
  @ValidateIf((config: FederationPublisherConfig) => config.NODE_ENV === 'production' || config.ATTRIBUTE_API_TLS_KEY_FILE !== undefined)
  @IsString() @IsNotEmpty()
  ATTRIBUTE_API_TLS_CERT_FILE?: string;

  @ValidateIf((config: FederationPublisherConfig) => config.NODE_ENV === 'production' || config.ATTRIBUTE_API_TLS_CERT_FILE !== undefined)
  @IsString() @IsNotEmpty()
  ATTRIBUTE_API_TLS_KEY_FILE?: string;

  @IsString() @IsNotEmpty()
  RELEASE_POLICIES_FILE: string = 'config/release-policies.yaml';

  /** Events of one consumer handled at once; those in flight together share one transaction. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1024)
  FEDERATION_CONCURRENCY: number = 64;

  /** Connections of the attribute API's pool (its read model's change feed and reloads). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  ATTRIBUTE_API_DB_POOL: number = 10;
}
