// Claim codes are stored only as argon2id hashes. Verification always costs one argon2 verify — against
// a fixed dummy hash when there is no code to compare with — so an unknown account, a used or expired
// code and a wrong code take about the same time.
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// OWASP's argon2id minimum (m=19 MiB, t=2, p=1).
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class CodeHasher {
  private dummy?: Promise<string>;

  hash(code: string): Promise<string> {
    return hash(code, OPTIONS);
  }

  /** True only when `codeHash` is given and matches; spends one argon2 verify either way. */
  async verify(codeHash: string | undefined, code: string): Promise<boolean> {
    if (!codeHash) {
      this.dummy ??= hash(randomBytes(16).toString('hex'), OPTIONS);
      await verify(await this.dummy, code).catch(() => false);
      return false;
    }
    return verify(codeHash, code).catch(() => false);
  }
}
