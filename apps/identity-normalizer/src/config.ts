import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** identity-normalizer's environment (plus the shared keys of ServiceConfig). */
export class IdentityNormalizerConfig extends ServiceConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  override PORT: number = 3002;

  /** Register events applied per database transaction (at most). */
  @Transform(toInt) @IsInt() @Min(1) @Max(5000)
  NORMALIZER_BATCH_SIZE: number = 500;

  /** How long the first event of a batch waits for company, in ms. */
  @Transform(toInt) @IsInt() @Min(0) @Max(1000)
  NORMALIZER_BATCH_LINGER_MS: number = 5;

  /** Handlers in flight per register subject; they feed the batcher. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1024)
  NORMALIZER_CONCURRENCY: number = 128;

  /** How often the lifecycle sweep looks for identities whose dates have come, in ms. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(86_400_000)
  LIFECYCLE_SWEEP_INTERVAL_MS: number = 60_000;

  @Transform(toInt) @IsInt() @Min(1) @Max(50)
  NORMALIZER_DB_POOL: number = 4;
}
