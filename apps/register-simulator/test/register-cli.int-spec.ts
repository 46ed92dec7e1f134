import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { startSimulator, type SimulatorHarness } from './support/simulator-harness';

const root = resolve(__dirname, '../../..');
let sim: SimulatorHarness;

beforeAll(async () => {
  sim = await startSimulator([
    { id: 'essunga', name: 'Essunga kommun', municipalityCode: '1445', persons: 40 },
  ]);
});

afterAll(async () => {
  await sim?.close();
});

/** Runs the CLI as its own process; asynchronously, since the simulator answers from this process. */
function run(
  env: Record<string, string>,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(root, 'scripts/register-cli.mjs'), ...args],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        done({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function cli(...args: string[]): Promise<{ status: number | null; out: any; err: string }> {
  const result = await run({ SIMULATOR_URL: sim.url, SIM_ADMIN_TOKEN: sim.adminToken }, args);
  let out: unknown = result.stdout;
  try {
    out = JSON.parse(result.stdout);
  } catch {
    // not JSON
  }
  return { status: result.status, out, err: result.stderr };
}

describe('npm run register (CLI)', () => {
  it('finds a pupil, renames them and marks them deceased through the admin API', async () => {
    const found = await cli('find', 'essunga', '--kind', 'pupil', '--limit', '3');
    expect(found.status).toBe(0);
    expect(found.out).toHaveLength(3);
    expect(JSON.stringify(found.out)).not.toMatch(/civicNo|\d{12}/);
    const id = found.out[0].id as string;

    expect((await cli('rename', 'essunga', id, '--given', 'Björn-Åke')).status).toBe(0);
    expect((await cli('deceased', 'essunga', id, '--date', '2026-12-24')).status).toBe(0);

    const person = await sim.get('essunga', `/persons/${id}`);
    expect(person.body).toMatchObject({ givenName: 'Björn-Åke', personStatus: 'Avliden' });
  });

  it('adds and clears faults', async () => {
    const added = await cli(
      'fault',
      'add',
      '--kind',
      'status',
      '--tenant',
      'essunga',
      '--entity',
      'persons',
      '--page',
      '2',
      '--status',
      '503',
    );
    expect(added.status).toBe(0);
    expect(added.out).toMatchObject({ kind: 'status', page: 2, status: 503, times: 1 });
    expect((await cli('fault', 'list')).out).toHaveLength(1);
    expect((await cli('fault', 'clear')).out).toEqual({ cleared: 1 });
  });

  it('exits non-zero with the server’s reason on a bad request, and on a wrong token', async () => {
    const bad = await cli('protect', 'essunga', '00000000-0000-4000-8000-000000000000');
    expect(bad.status).toBe(1);
    expect(bad.err).toContain('NOT_FOUND');
    const wrong = await run({ SIMULATOR_URL: sim.url, SIM_ADMIN_TOKEN: 'not-the-token-at-all' }, ['tenants']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('UNAUTHORIZED');
  });
});
