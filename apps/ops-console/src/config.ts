import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { envFlag, ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** ops-console's environment, validated before Nest starts (libs/platform names every bad key). */
export class ConsoleConfig extends ServiceConfig {
  override PORT: number = 3005;

  /** Secure cookies need HTTPS; turn off only for local http (tests, development). */
  @Transform(envFlag)
  @IsBoolean()
  COOKIE_SECURE: boolean = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  SESSION_TTL_HOURS: number = 12;

  /**
   * The console's own secret (deployments provide it as CONSOLE_SESSION_SECRET): keys the HMAC under
   * which civic numbers are kept for admin search, so the table never holds the number itself.
   * Sessions themselves are random tokens stored hashed and need no signing key.
   */
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CONSOLE_SESSION_SECRET!: string;

  /** Where the built web UI lives; defaults to apps/ops-console/web/dist. */
  @IsOptional()
  @IsString()
  WEB_DIR?: string;
}
