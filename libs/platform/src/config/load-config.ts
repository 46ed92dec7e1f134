import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/**
 * Thrown when configuration is invalid. The message lists every bad key with the rule it breaks,
 * never the value (values may be secrets).
 */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function describeValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // class-validator starts its messages with the property name; say the full path instead.
      problems.push(`${path}: ${message.startsWith(error.property) ? message.slice(error.property.length).trim() : message}`);
    }
    if (error.children?.length) problems.push(...describeValidationErrors(error.children, path));
  }
  return problems;
}

/** Builds and validates a config class from environment-like input; throws ConfigError naming every bad key. */
export function loadConfig<T extends object>(
  configClass: new () => T,
  env: Record<string, string | undefined> = process.env,
  source = 'environment',
): T {
  const instance = plainToInstance(configClass, { ...env }, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(source, describeValidationErrors(errors));
  return instance;
}
