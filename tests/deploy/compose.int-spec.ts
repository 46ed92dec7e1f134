import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadTenants } from '@skolkonto/platform';
import { REPO_ROOT } from '../boot/app-process';

/**
 * docker-compose.yml, checked without a Docker engine: Debian's docker-compose resolves the file
 * (anchors, interpolation, depends_on conditions) and we check what a one-host operator relies on.
 */
const APPS = ['register-simulator', 'register-ingest', 'identity-normalizer', 'ad-provisioner', 'federation-publisher', 'ops-console', 'claim-portal'];

describe('docker-compose.yml', () => {
  const resolved = parse(
    execFileSync('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' },
    }),
  ) as { services: Record<string, any>; volumes: Record<string, unknown> };

  it('runs the infrastructure with health checks and persistent volumes', () => {
    for (const name of ['nats', 'postgres', 'samba-ad']) expect(resolved.services[name]?.healthcheck).toBeDefined();
    expect(resolved.services.nats.command).toEqual(expect.arrayContaining(['-js']));
    expect(Object.keys(resolved.volumes)).toEqual(expect.arrayContaining(['nats-data', 'postgres-data', 'samba-data']));
  });

  it.each(APPS)('%s is built from the shared Dockerfile with its name, has a health check and waits for healthy dependencies and migrations', (app) => {
    const service = resolved.services[app];
    expect(service.build.dockerfile).toBe('docker/Dockerfile');
    expect(service.build.args).toMatchObject({ APP: app });
    // The image's default port is the one the service listens on and publishes.
    expect(String(service.build.args.PORT)).toBe(String(service.environment.PORT));
    expect(service.healthcheck.test.join(' ')).toContain('/health');
    expect(service.depends_on).toMatchObject({
      nats: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
  });

  it('builds every app from one template: no per-app Dockerfiles, and the template takes the app by ARG', () => {
    const apps = readdirSync(join(REPO_ROOT, 'apps')).filter((name) => existsSync(join(REPO_ROOT, 'apps', name, 'package.json')));
    expect(apps.filter((name) => existsSync(join(REPO_ROOT, 'apps', name, 'Dockerfile')))).toEqual([]);
    const template = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
    expect(template).toMatch(/^ARG APP$/m);
    // Only the app's name (never a hard-coded app) decides what is built and run.
    expect(template.replace(/^#.*$/gm, '')).not.toMatch(new RegExp(`\\b(${apps.join('|')})\\b`));
  });

  it('binds every published port to loopback only', () => {
    const ports = Object.values(resolved.services).flatMap((service) => service.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port.host_ip ?? String(port)).toMatch(/^127\.0\.0\.1/);
  });

  it('gives the apps a valid tenants file whose registers are reachable inside the compose network', () => {
    const tenants = loadTenants(join(REPO_ROOT, 'config/tenants.compose.yaml'));
    expect(tenants.map((tenant) => tenant.register.baseUrl)).toEqual(
      tenants.map((tenant) => `http://register-simulator:3006/tenants/${tenant.id}/v2.1`),
    );
    expect(resolved.services['register-ingest'].environment.TENANTS_FILE).toBe('/app/config/tenants.compose.yaml');
  });
});
