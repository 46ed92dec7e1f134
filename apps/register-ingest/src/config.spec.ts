import { ConfigError, loadConfig } from '@skolkonto/platform';
import { IngestConfig } from './config';

const base = { PORT: '0', DATABASE_URL: 'postgresql://postgres@127.0.0.1/x', INGEST_API_TOKEN: 'a-long-enough-operator-token' };

describe(IngestConfig.name, () => {
  it('reads "false" as false and defaults the schedule to on', () => {
    expect(loadConfig(IngestConfig, { ...base, INGEST_SCHEDULE_ENABLED: 'false' }).INGEST_SCHEDULE_ENABLED).toBe(false);
    expect(loadConfig(IngestConfig, base).INGEST_SCHEDULE_ENABLED).toBe(true);
    expect(loadConfig(IngestConfig, base).INGEST_OVERLAP_SECONDS).toBe(5);
  });

  it('names every bad key', () => {
    try {
      loadConfig(IngestConfig, { ...base, INGEST_API_TOKEN: 'short', INGEST_FULL_READ_ATTEMPTS: '0' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/INGEST_API_TOKEN/);
      expect(problems).toMatch(/INGEST_FULL_READ_ATTEMPTS/);
      expect(problems).not.toContain('short');
    }
  });
});
