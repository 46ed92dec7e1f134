import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { envFlag, ServiceConfig } from '@skolkonto/platform';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyIsUnset = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const claimCodesOn = (config: ConsoleConfig) => config.CLAIM_ADMIN_URL !== undefined;

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

  /**
   * The claim-portal's internal admin API (its CLAIM_ADMIN_PORT, never public). Unset: issuing claim
   * codes shows as not configured and the rest of the console works as before.
   */
  @Transform(emptyIsUnset)
  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'must be an http(s) URL such as http://claim-portal:3008' })
  CLAIM_ADMIN_URL?: string;

  /** Bearer token for that API (claim-portal's CLAIM_ADMIN_TOKEN); required with CLAIM_ADMIN_URL. */
  @Transform(emptyIsUnset)
  @ValidateIf(claimCodesOn)
  @IsString({ message: 'is required when CLAIM_ADMIN_URL is set' })
  @MinLength(16, { message: 'must be at least 16 characters' })
  CLAIM_ADMIN_TOKEN?: string;

  /** The public claim page printed on each letter; required with CLAIM_ADMIN_URL. */
  @Transform(emptyIsUnset)
  @ValidateIf(claimCodesOn)
  @IsUrl(HTTP_URL, { message: 'must be the public http(s) URL of the claim page (required when CLAIM_ADMIN_URL is set)' })
  CLAIM_PUBLIC_URL?: string;

  /**
   * Demo only (npm start sets it to the register simulator): the simulator's base URL, which turns on
   * the dashboard's "Make a school day's register changes" button. Never set in production.
   */
  @Transform(emptyIsUnset)
  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'must be an http(s) URL such as http://127.0.0.1:3006' })
  DEMO_REGISTER_URL?: string;

  /** The simulator's admin token (SIM_ADMIN_TOKEN); required with DEMO_REGISTER_URL. */
  @Transform(emptyIsUnset)
  @ValidateIf((config: ConsoleConfig) => config.DEMO_REGISTER_URL !== undefined)
  @IsString({ message: 'is required when DEMO_REGISTER_URL is set' })
  @MinLength(1)
  DEMO_REGISTER_TOKEN?: string;

  /** Where the built web UI lives; defaults to apps/ops-console/web/dist. */
  @IsOptional()
  @IsString()
  WEB_DIR?: string;
}
