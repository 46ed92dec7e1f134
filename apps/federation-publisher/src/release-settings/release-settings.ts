import { readFileSync } from 'node:fs';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse } from 'yaml';
import {
  FEDERATION_ATTRIBUTE_NAMES,
  GROUP_ATTRIBUTE_NAMES,
  type FederationAttributeName,
  type GroupAttributeName,
  type ReleasePolicy,
} from '@skolkonto/domain';
import { ConfigError, describeValidationErrors, type TenantConfig } from '@skolkonto/platform';

/**
 * config/release-policies.yaml: per tenant the service providers and what each gets, the pairwise-id
 * secret, the group attribute; the IdP clients allowed to query the attribute API; the Entra ID
 * custom claims provider settings. Secrets are named by environment variable, never written in the file.
 */
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const envMessage = { message: 'must name an environment variable (A-Z, 0-9, _)' };

export class ServiceProviderPolicyConfig {
  @IsString() @IsNotEmpty() entityId!: string;
  @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(FEDERATION_ATTRIBUTE_NAMES, { each: true })
  attributes!: FederationAttributeName[];
  @IsOptional() @IsArray() @ArrayUnique() @IsIn(FEDERATION_ATTRIBUTE_NAMES, { each: true })
  protectedIdentityAllows?: FederationAttributeName[];
}

export class TenantReleaseConfig {
  @Matches(/^[a-z][a-z0-9-]{1,30}$/) tenant!: string;
  /** Env var holding the tenant's pairwise-id HMAC key (at least 16 bytes). */
  @Matches(ENV_NAME, envMessage) pairwiseSecretEnv!: string;
  @IsOptional() @IsIn(GROUP_ATTRIBUTE_NAMES) groupAttribute?: GroupAttributeName;
  @ValidateNested({ each: true }) @Type(() => ServiceProviderPolicyConfig)
  serviceProviders!: ServiceProviderPolicyConfig[];
}

export class IdpClientConfig {
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/) id!: string;
  /** Env var holding the client's bearer token (at least 24 characters, i.e. ≥ 18 random bytes in base64url). */
  @Matches(ENV_NAME, envMessage) tokenEnv!: string;
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) tenants!: string[];
}

export class EntraClaimsProviderConfig {
  @IsString() @IsNotEmpty() id!: string;
  /** Which of our tenants this Entra directory serves. */
  @Matches(/^[a-z][a-z0-9-]{1,30}$/) tenant!: string;
  /** Token issuer, e.g. https://login.microsoftonline.com/<directory id>/v2.0 */
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) issuers!: string[];
  /** The custom extension's app registration (its application ID URI or app id). */
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) audiences!: string[];
  /** azp (v2) / appid (v1) of the caller: Entra's authentication events service, 99045fe1-7639-4a75-9d4a-577b6ca3810f. */
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) authorizedParties!: string[];
  /** JWKS with the issuer's signing keys: https URL or a local file path. */
  @IsString() @IsNotEmpty() jwks!: string;
}

export class ReleaseSettingsFile {
  @ValidateNested({ each: true }) @Type(() => TenantReleaseConfig) tenants!: TenantReleaseConfig[];
  @IsOptional() @ValidateNested({ each: true }) @Type(() => IdpClientConfig) idpClients: IdpClientConfig[] = [];
  @IsOptional() @ValidateNested({ each: true }) @Type(() => EntraClaimsProviderConfig) entra: EntraClaimsProviderConfig[] = [];
}

/** One tenant's resolved federation settings. */
export interface TenantFederation {
  tenant: string;
  scope: string;
  homeOrganization: string;
  pairwiseSecret: string;
  groupAttribute: GroupAttributeName;
  policies: Map<string, ReleasePolicy>;
}

export interface IdpClient {
  id: string;
  token: string;
  tenants: string[];
}

export interface ReleaseSettings {
  tenants: Map<string, TenantFederation>;
  clients: IdpClient[];
  entra: EntraClaimsProviderConfig[];
}

/**
 * Parses and validates the file against the tenants; throws ConfigError naming every bad key. A tenant
 * named here but missing from the tenants file is refused, never skipped: its scope and home
 * organisation live there, and guessing them would publish identifiers at the wrong scope.
 */
export function parseReleaseSettings(
  text: string,
  tenants: readonly Pick<TenantConfig, 'id' | 'federation'>[],
  env: Record<string, string | undefined>,
  source = 'config/release-policies.yaml',
  tenantsSource = 'config/tenants.yaml',
): ReleaseSettings {
  const file = plainToInstance(ReleaseSettingsFile, parse(text) ?? {});
  const problems = describeValidationErrors(validateSync(file, { forbidUnknownValues: true }));
  if (!Array.isArray(file.tenants)) problems.push('tenants: must be a list');
  if (problems.length > 0) throw new ConfigError(source, problems);

  const known = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  const unknown = (tenant: string) =>
    `tenant "${tenant}" is not in the tenants file ${tenantsSource} (known: ${[...known.keys()].join(', ') || 'none'}); add it there or remove it from ${source}`;
  const result: ReleaseSettings = { tenants: new Map(), clients: [], entra: file.entra ?? [] };
  file.tenants.forEach((entry, index) => {
    const tenant = known.get(entry.tenant);
    if (!tenant) {
      problems.push(`tenants.${index}.tenant: ${unknown(entry.tenant)}`);
      return;
    }
    const secret = env[entry.pairwiseSecretEnv];
    if (!secret || Buffer.byteLength(secret) < 16) {
      problems.push(`tenants.${index}.pairwiseSecretEnv: ${entry.pairwiseSecretEnv} must be set to at least 16 bytes`);
    }
    const policies = new Map<string, ReleasePolicy>();
    entry.serviceProviders.forEach((sp, spIndex) => {
      if (policies.has(sp.entityId)) problems.push(`tenants.${index}.serviceProviders.${spIndex}.entityId: listed twice`);
      policies.set(sp.entityId, { entityId: sp.entityId, attributes: sp.attributes, protectedIdentityAllows: sp.protectedIdentityAllows });
    });
    result.tenants.set(entry.tenant, {
      tenant: entry.tenant,
      scope: tenant.federation.scope,
      homeOrganization: tenant.federation.homeOrganization ?? tenant.federation.scope,
      pairwiseSecret: secret ?? '',
      groupAttribute: entry.groupAttribute ?? 'isMemberOf',
      policies,
    });
  });
  (file.idpClients ?? []).forEach((client, index) => {
    const token = env[client.tokenEnv];
    if (!token || token.length < 24) problems.push(`idpClients.${index}.tokenEnv: ${client.tokenEnv} must be set to at least 24 characters`);
    for (const tenant of client.tenants) {
      if (!known.has(tenant)) problems.push(`idpClients.${index}.tenants: ${unknown(tenant)}`);
    }
    result.clients.push({ id: client.id, token: token ?? '', tenants: client.tenants });
  });
  result.entra.forEach((entra, index) => {
    if (!known.has(entra.tenant)) problems.push(`entra.${index}.tenant: ${unknown(entra.tenant)}`);
  });
  if (problems.length > 0) throw new ConfigError(source, problems);
  return result;
}

export function loadReleaseSettings(
  path: string,
  tenants: readonly Pick<TenantConfig, 'id' | 'federation'>[],
  env: Record<string, string | undefined> = process.env,
  tenantsPath?: string,
): ReleaseSettings {
  return parseReleaseSettings(readFileSync(path, 'utf8'), tenants, env, path, tenantsPath);
}
