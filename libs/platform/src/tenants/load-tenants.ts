import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse } from 'yaml';
import { ConfigError, describeValidationErrors } from '../config/load-config';
import { TenantConfig, TenantsFile } from './tenant-config';

/** Reads and validates the tenants file; throws ConfigError naming the file and each bad field. */
export function loadTenants(path: string): TenantConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`TENANTS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseTenants(text, path);
}

export function parseTenants(text: string, source = 'tenants file'): TenantConfig[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ConfigError(source, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (!raw || typeof raw !== 'object' || !Array.isArray((raw as { tenants?: unknown }).tenants)) {
    throw new ConfigError(source, ['tenants: must be a list of tenants']);
  }
  const file = plainToInstance(TenantsFile, raw, { exposeDefaultValues: true });
  const errors = validateSync(file, { forbidUnknownValues: true });
  if (errors.length > 0) {
    // Name tenants by id rather than by list index where the id is known.
    const problems = describeValidationErrors(errors).map((problem) =>
      problem.replace(/^tenants\.(\d+)/, (match, index: string) => {
        const id = (raw as { tenants: Array<{ id?: unknown }> }).tenants[Number(index)]?.id;
        return typeof id === 'string' ? `tenants[${id}]` : `tenants[${index}]`;
      }),
    );
    throw new ConfigError(source, problems);
  }
  return file.tenants;
}

export function findTenant(tenants: TenantConfig[], id: string): TenantConfig | undefined {
  return tenants.find((tenant) => tenant.id === id);
}
