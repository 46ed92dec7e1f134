import { ConfigError, loadConfig } from '@skolkonto/platform';
import { SimulatorConfig, withAdminTokenAlias } from './config';

const base = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/sim' };
const token = 'a-simulator-admin-token-0123';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(SimulatorConfig, withAdminTokenAlias(env));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => JSON.stringify(problem));
    throw error;
  }
  return [];
}

describe(SimulatorConfig.name, () => {
  it('reads the admin token from SIM_ADMIN_TOKEN', () => {
    expect(loadConfig(SimulatorConfig, withAdminTokenAlias({ ...base, SIM_ADMIN_TOKEN: token })).SIM_ADMIN_TOKEN).toBe(token);
  });

  it('accepts SIMULATOR_ADMIN_TOKEN alone, or when SIM_ADMIN_TOKEN is empty', () => {
    expect(loadConfig(SimulatorConfig, withAdminTokenAlias({ ...base, SIMULATOR_ADMIN_TOKEN: token })).SIM_ADMIN_TOKEN).toBe(token);
    expect(loadConfig(SimulatorConfig, withAdminTokenAlias({ ...base, SIM_ADMIN_TOKEN: '', SIMULATOR_ADMIN_TOKEN: token })).SIM_ADMIN_TOKEN).toBe(token);
  });

  it('prefers SIM_ADMIN_TOKEN when both are set', () => {
    expect(loadConfig(SimulatorConfig, withAdminTokenAlias({ ...base, SIM_ADMIN_TOKEN: token, SIMULATOR_ADMIN_TOKEN: 'the-other-token-0123456' })).SIM_ADMIN_TOKEN).toBe(token);
  });

  it('refuses to start without a token, naming the key', () => {
    const problems = problemsOf(base);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('SIM_ADMIN_TOKEN');
    expect(problemsOf({ ...base, SIMULATOR_ADMIN_TOKEN: 'short' })[0]).toContain('at least 16 characters');
  });
});
