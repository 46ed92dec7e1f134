import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@skolkonto/testing';

describe('scripts/stack.sh', () => {
  it('reports every service up and exits 0 while the stack runs', () => {
    // Inherits the endpoints the global setup chose, so it checks exactly what the tests use.
    const result = spawnSync('bash', [join(repositoryRoot, 'scripts/stack.sh'), 'status'], {
      encoding: 'utf8',
    });
    expect(result.stdout).toMatch(/^nats\s+up\s/m);
    expect(result.stdout).toMatch(/^postgres\s+up\s/m);
    expect(result.stdout).toMatch(/^ad\s+up\s/m);
    expect(result.status).toBe(0);
  });
});
