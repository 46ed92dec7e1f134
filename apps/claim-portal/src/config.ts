import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { envFlag, envInteger, ServiceConfig } from '@skolkonto/platform';

/**
 * claim-portal's environment. PORT serves the public claim page (and /health, /metrics, which the
 * ingress must not route from the internet); CLAIM_ADMIN_PORT the internal admin API the console
 * calls, never exposed publicly. Secrets only from the environment; never printed.
 */
export class ClaimPortalConfig extends ServiceConfig {
  @Transform(envInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT: number = 3007;

  @Transform(envInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  CLAIM_ADMIN_PORT: number = 3008;

  /** Where the admin API listens; defaults to HOST. */
  @IsOptional()
  @IsString()
  CLAIM_ADMIN_HOST?: string;

  /** Bearer token the ops console sends to the admin API. */
  @MinLength(16, { message: 'must be at least 16 characters' })
  CLAIM_ADMIN_TOKEN!: string;

  /** Key for the session/CSRF tokens and the keyed hashes of IPs and typed account names. */
  @MinLength(16, { message: 'must be at least 16 characters' })
  CLAIM_SESSION_SECRET!: string;

  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(90)
  CLAIM_CODE_VALID_DAYS: number = 14;

  /** Wrong codes for one account before it locks until an operator unlocks it. */
  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  CLAIM_MAX_FAILED_ATTEMPTS: number = 5;

  /** Code submissions allowed per client IP, and per typed account name, within the window. */
  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  CLAIM_RATE_LIMIT_PER_IP: number = 30;

  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(10000)
  CLAIM_RATE_LIMIT_PER_ACCOUNT: number = 10;

  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(86400)
  CLAIM_RATE_LIMIT_WINDOW_SECONDS: number = 900;

  /** Our own floor on top of the domain's minPwdLength (the larger one applies). */
  @Transform(envInteger)
  @IsInt()
  @Min(6)
  @Max(64)
  CLAIM_MIN_PASSWORD_LENGTH: number = 10;

  /** Minutes a correct code keeps the password form open. */
  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(120)
  CLAIM_TICKET_MINUTES: number = 15;

  /** Secure cookies and HSTS; defaults to on in production and off elsewhere (local http). */
  @IsOptional()
  @Transform(envFlag)
  @IsBoolean()
  CLAIM_COOKIE_SECURE?: boolean;

  /** Express "trust proxy": number of proxies in front (the ingress), so rate limits see the client IP. */
  @Transform(envInteger)
  @IsInt()
  @Min(0)
  @Max(10)
  CLAIM_TRUST_PROXY_HOPS: number = 0;

  @IsIn(['sv', 'en'])
  CLAIM_DEFAULT_LANGUAGE: 'sv' | 'en' = 'sv';

  /** ldaps://host:636, or ldap://host:389 which is always upgraded with StartTLS. */
  @Matches(/^ldaps?:\/\/\S+$/, { message: 'must be an ldaps:// (or ldap:// for StartTLS) URL' })
  LDAP_URL!: string;

  /** PEM file of the CA that signed the directory's certificate (verification is never off). */
  @IsString()
  @MinLength(1)
  LDAP_CA_FILE!: string;

  /** A service account allowed to reset passwords of the tenants' accounts. */
  @IsString()
  @MinLength(3)
  LDAP_BIND_DN!: string;

  @IsString()
  @MinLength(1)
  LDAP_BIND_PASSWORD!: string;

  /** The domain root: its minPwdLength and pwdProperties are the password policy. */
  @IsString()
  @MinLength(3)
  LDAP_BASE_DN!: string;

  @Transform(envInteger)
  @IsInt()
  @Min(1)
  @Max(16)
  AD_POOL_SIZE: number = 2;

  get cookieSecure(): boolean {
    return this.CLAIM_COOKIE_SECURE ?? this.NODE_ENV === 'production';
  }
}
