import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { envFlag, ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
/**
 * ad-provisioner's environment. Per-tenant OU names, UPN suffix, naming patterns, retention and
 * thresholds come from config/tenants.yaml (`directory`, `naming`, `lifecycle`, `thresholds`, `dryRun`).
 */
const MAX_CONSUMER_CONCURRENCY = 8192;

export class ProvisionerConfig extends ServiceConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  override PORT: number = 3003;

  /** Bearer token for the operator endpoints (list, approve and reject held plans; drift now). */
  @MinLength(16, { message: 'must be at least 16 characters' })
  PROVISIONER_ADMIN_TOKEN!: string;

  /** ldaps://host:636, or ldap://host:389 which is always upgraded with StartTLS. */
  @Matches(/^ldaps?:\/\/\S+$/, { message: 'must be an ldaps:// (or ldap:// for StartTLS) URL' })
  LDAP_URL!: string;

  /** PEM file of the CA that signed the directory's certificate (verification is never off). */
  @IsString() @MinLength(1)
  LDAP_CA_FILE!: string;

  @IsString() @MinLength(3)
  LDAP_BIND_DN!: string;

  @IsString() @MinLength(1)
  LDAP_BIND_PASSWORD!: string;

  /** The domain (searched for sAMAccountName collisions), e.g. DC=skola,DC=test. */
  @IsString() @MinLength(3)
  LDAP_BASE_DN!: string;

  /** Where OU=Skolkonto lives; defaults to LDAP_BASE_DN. */
  @IsOptional() @IsString()
  AD_ACCOUNTS_BASE_DN?: string;

  @IsString() @MinLength(1)
  AD_ROOT_OU: string = 'Skolkonto';

  @Transform(toInt) @IsInt() @Min(1) @Max(32)
  AD_POOL_SIZE: number = 4;

  /** Identities applied side by side within a batch. */
  @Transform(toInt) @IsInt() @Min(1) @Max(32)
  PROVISIONER_CONCURRENCY: number = 4;

  /** Identity events collected into one batch per tenant (thresholds count per batch). */
  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  PROVISIONER_BATCH_SIZE: number = 200;

  /** How long a batch waits for more events after its first before it runs anyway. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  PROVISIONER_BATCH_LINGER_MS: number = 200;

  /**
   * Batches of one tenant that may run at once (an identity is never in two of them): one batch's
   * reads, name reservations and group writes overlap another's adds during a large initial load.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(8)
  PROVISIONER_PARALLEL_BATCHES: number = 2;

  /**
   * How long new accounts' group memberships may wait while their tenant has more identity batches
   * queued (0: written with each batch). A first load adds people in no class order, so a batch
   * holds about one member per class group, and every member modify is a whole directory
   * transaction. Waiting ones are written per group once 50 wait, for the whole tenant as soon as it
   * has nothing more queued, and at the latest after this long. A single change is never held.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  PROVISIONER_GROUP_MEMBERSHIP_DELAY_SECONDS: number = 300;

  /**
   * Handlers in flight per identity subject; each waits for its batch, so this must exceed the
   * batch size for a batch to fill. Unset: the running batches and one gathering for every tenant
   * ((parallel batches + 1) × batch size × tenants, at least 400), so all tenants' batches run side
   * by side and one's slow phase is another's add phase; fewer keeps tenants waiting for slots.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(MAX_CONSUMER_CONCURRENCY)
  PROVISIONER_CONSUMER_CONCURRENCY?: number;

  /** Publish plans only, for every tenant (a tenant can set dryRun in tenants.yaml). */
  @Transform(envFlag) @IsBoolean()
  PROVISIONER_DRY_RUN: boolean = false;

  @Transform(envFlag) @IsBoolean()
  PROVISIONER_MUST_CHANGE_PASSWORD: boolean = false;

  /** random: enabled with a random password in the add; none: created disabled for a claim flow. */
  @IsIn(['random', 'none'])
  PROVISIONER_INITIAL_PASSWORD: 'random' | 'none' = 'random';

  @IsIn(['repair', 'report'])
  PROVISIONER_DRIFT_POLICY: 'repair' | 'report' = 'report';

  /** Drift reconciliation and retention deletes run this often; 0 turns the timer off. */
  @Transform(toInt) @IsInt() @Min(0)
  PROVISIONER_RECONCILE_INTERVAL_SECONDS: number = 3600;

  /** The tenant's percentage threshold applies once it has at least this many accounts. */
  @Transform(toInt) @IsInt() @Min(0)
  PROVISIONER_PERCENT_RULE_MIN_ACCOUNTS: number = 20;
}

/** The handlers in flight per identity subject: the setting, or the running batches and one gathering per tenant. */
export function consumerConcurrency(
  config: Pick<ProvisionerConfig, 'PROVISIONER_CONSUMER_CONCURRENCY' | 'PROVISIONER_BATCH_SIZE' | 'PROVISIONER_PARALLEL_BATCHES'>,
  tenantCount: number,
): number {
  const batchesInFlight = config.PROVISIONER_PARALLEL_BATCHES + 1;
  return config.PROVISIONER_CONSUMER_CONCURRENCY ?? Math.min(MAX_CONSUMER_CONCURRENCY, Math.max(400, batchesInFlight * config.PROVISIONER_BATCH_SIZE * tenantCount));
}
