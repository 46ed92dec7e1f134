import { ConfigError, loadConfig } from './load-config';
import { ServiceConfig } from './service-config';

describe(loadConfig.name, () => {
  const valid = { PORT: '3001', DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/skolkonto' };

  it('converts and defaults a valid environment', () => {
    const config = loadConfig(ServiceConfig, valid);
    expect(config.PORT).toBe(3001);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.TENANTS_FILE).toBe('config/tenants.yaml');
  });

  it('names every invalid key at once', () => {
    const attempt = () => loadConfig(ServiceConfig, { PORT: 'eighty', NATS_URL: 'http://x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^DATABASE_URL: /m);
      expect(problems).toMatch(/^PORT: /m);
      expect(problems).toMatch(/^NATS_URL: /m);
    }
  });

  it('never echoes a value, which may be a secret', () => {
    const secret = 'postgresql-but-not-really:hunter2@db';
    try {
      loadConfig(ServiceConfig, { ...valid, DATABASE_URL: secret });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('DATABASE_URL');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('takes a test clock file outside production and refuses one in production', () => {
    expect(loadConfig(ServiceConfig, { ...valid, NODE_ENV: 'test', CLOCK_FILE: '/tmp/clock' }).CLOCK_FILE).toBe('/tmp/clock');
    expect(() => loadConfig(ServiceConfig, { ...valid, NODE_ENV: 'production', CLOCK_FILE: '/tmp/clock' })).toThrow(
      /CLOCK_FILE: is a test clock and must not be set when NODE_ENV=production/,
    );
    expect(loadConfig(ServiceConfig, { ...valid, NODE_ENV: 'production', CLOCK_FILE: '' }).NODE_ENV).toBe('production');
  });
});
