import { Transform } from 'class-transformer';
import { IsEmpty, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Settings every service reads; each app's config.ts extends it with its own keys. */
export class ServiceConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: string = 'development';

  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL: string = 'info';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT!: number;

  @IsString()
  @IsNotEmpty()
  HOST: string = '127.0.0.1';

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgresql:// connection URL' })
  DATABASE_URL!: string;

  @Matches(/^(nats|tls):\/\/\S+(,(nats|tls):\/\/\S+)*$/, { message: 'must be one or more nats:// URLs separated by commas' })
  NATS_URL: string = 'nats://127.0.0.1:4222';

  /** Prefix for stream names and subjects, so two deployments (or test runs) can share one NATS. */
  @IsOptional()
  @Matches(/^[a-z0-9_-]*$/, { message: 'may contain only a-z, 0-9, _ and -' })
  NATS_NAMESPACE?: string;

  @IsString()
  @IsNotEmpty()
  TENANTS_FILE: string = 'config/tenants.yaml';

  /**
   * Test clock (e2e): a file holding an ISO instant that date rules read as "now" (see fileClock
   * in libs/platform). Refused in production, where a moved clock would disable real accounts.
   */
  @ValidateIf((config: ServiceConfig) => config.NODE_ENV === 'production')
  @IsEmpty({ message: 'is a test clock and must not be set when NODE_ENV=production' })
  CLOCK_FILE?: string;
}
