import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min, MinLength } from 'class-validator';
import { envFlag, ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
// Implicit conversion would turn the string "false" into true: read the raw value instead.
/**
 * register-ingest's environment. Per-tenant register endpoints, auth, webhook secrets, delta interval,
 * nightly reconciliation time and the full-read share come from config/tenants.yaml (`register.*`).
 */
export class IngestConfig extends ServiceConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  override PORT: number = 3001;

  /** Bearer token for the operator endpoints (reconcile now, list and approve held plans). */
  @MinLength(16, { message: 'must be at least 16 characters' })
  INGEST_API_TOKEN!: string;

  /** Delta pulls ask for meta.modified after watermark minus this many seconds. */
  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  INGEST_OVERLAP_SECONDS: number = 5;

  /** Attempts of a full read before the reconciliation fails (and deletes nothing). */
  @Transform(toInt) @IsInt() @Min(1) @Max(10)
  INGEST_FULL_READ_ATTEMPTS: number = 3;

  @Transform(toInt) @IsInt() @Min(0) @Max(3600)
  INGEST_FULL_READ_RETRY_SECONDS: number = 5;

  /** Records per page asked of the register. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  INGEST_PAGE_SIZE: number = 1000;

  /** A read stops with a clear error after this many pages (a register handing out tokens forever). */
  @Transform(toInt) @IsInt() @Min(1)
  INGEST_MAX_PAGES: number = 10_000;

  /** Retries of one register request (429/5xx/timeouts, with backoff honouring Retry-After). */
  @Transform(toInt) @IsInt() @Min(0) @Max(20)
  INGEST_REGISTER_RETRIES: number = 4;

  /** First backoff delay of a register request retry, doubled per retry. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  INGEST_REGISTER_BACKOFF_MS: number = 250;

  /** Per-request timeout towards the register. */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  INGEST_REGISTER_TIMEOUT_MS: number = 30_000;

  /**
   * A full read waits while more than this many events are still in its outbox or not yet
   * acknowledged downstream (per stream REGISTER, IDENTITY and FEDERATION, its slowest durable
   * consumer's, added up), so a large first load flows through at the pace of the slowest stage (the
   * directory) instead of all at once; 0 turns it off. Delta pulls never wait.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000)
  INGEST_FULL_READ_MAX_BACKLOG: number = 2000;

  /** A full read stops waiting when nothing downstream was acknowledged for this long (an app is down). */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  INGEST_FULL_READ_STALL_SECONDS: number = 60;

  /** Timers for delta pulls and the nightly reconciliation; off only in tests and benchmarks. */
  @Transform(envFlag) @IsBoolean()
  INGEST_SCHEDULE_ENABLED: boolean = true;

  /** Where registers reach this service; when set, a webhook subscription is created per tenant at boot. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  INGEST_PUBLIC_URL?: string;
}
