import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min, MinLength } from 'class-validator';
import { envFlag, ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
/**
 * register-simulator's environment. Its tenants, and each tenant's API credentials (the env var
 * named by register.auth.secretEnv), come from config/tenants.yaml — the same file the ingest
 * reads, so both sides agree on tokens without further setup.
 */
export class SimulatorConfig extends ServiceConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT: number = 3006;

  /** Bearer token for /admin (mutations, reseed, faults); see withAdminTokenAlias. */
  @MinLength(16, { message: 'must be at least 16 characters (SIM_ADMIN_TOKEN, or its alias SIMULATOR_ADMIN_TOKEN)' })
  SIM_ADMIN_TOKEN!: string;

  /** Seed of the synthetic data: the same seed and size give the same registers. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  SIM_SEED: number = 12000;

  /**
   * Register sizes: one number (persons in all registers together, split by municipality size),
   * or `tenant=N,tenant=N` per tenant.
   */
  @Matches(/^(\d+|[a-z0-9_-]+=\d+(,[a-z0-9_-]+=\d+)*)$/, { message: 'must be a number or tenant=N,tenant=N' })
  SIM_PERSONS: string = '300';

  /** Year the current school year started (August); default: the latest August. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2000)
  @Max(2100)
  SIM_SCHOOL_YEAR_START?: number;

  /** Throw the stored registers away and seed again at boot. */
  @Transform(envFlag)
  @IsBoolean()
  SIM_RESEED_ON_BOOT: boolean = false;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  SIM_SUBSCRIPTION_TTL_HOURS: number = 24;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SIM_WEBHOOK_TIMEOUT_MS: number = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  SIM_WEBHOOK_RETRIES: number = 2;
}

export function currentSchoolYearStart(now = new Date()): number {
  return now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
}

/**
 * The simulator's env with SIMULATOR_ADMIN_TOKEN (the name npm start's demo.env and the demo scripts
 * use) standing in for an unset or empty SIM_ADMIN_TOKEN. Done before validation: class-transformer
 * runs no @Transform for a key the env does not have, so a fallback inside the class never fired.
 */
export function withAdminTokenAlias<E extends Record<string, string | undefined>>(env: E): E {
  return env.SIM_ADMIN_TOKEN ? env : { ...env, SIM_ADMIN_TOKEN: env.SIMULATOR_ADMIN_TOKEN };
}
