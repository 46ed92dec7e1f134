// Creates operator accounts: the CLI's create-admin (first admin, no default password anywhere)
// and admins adding colleagues through the API.
import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@skolkonto/persistence';
import { generatePassword, hashPassword } from '../auth/password-hasher';
import { Role } from '../auth/roles';

export class OperatorError extends Error {
  constructor(readonly code: 'INVALID_USERNAME' | 'ALREADY_EXISTS' | 'WEAK_PASSWORD', message: string) {
    super(message);
  }
}

export interface NewOperator {
  username: string;
  role: Role;
  /** 'all' or a list of tenant ids. */
  tenants: 'all' | string[];
  /** Omit to have one generated (returned once, never stored in clear). */
  password?: string;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;

@Injectable()
export class CreateOperatorService {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: NewOperator): Promise<{ id: string; username: string; generatedPassword?: string }> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username)) {
      throw new OperatorError('INVALID_USERNAME', 'username: 2-63 characters a-z, 0-9, . _ -');
    }
    const generated = input.password === undefined ? generatePassword() : undefined;
    let passwordHash: string;
    try {
      passwordHash = await hashPassword(input.password ?? generated!);
    } catch (error) {
      throw new OperatorError('WEAK_PASSWORD', (error as Error).message);
    }
    const existing = await this.prisma.consoleOperator.findUnique({ where: { username } });
    if (existing) throw new OperatorError('ALREADY_EXISTS', `operator ${username} already exists`);
    const created = await this.prisma.consoleOperator.create({
      data: {
        username,
        passwordHash,
        role: input.role,
        allTenants: input.tenants === 'all',
        tenants: input.tenants === 'all' ? [] : input.tenants,
      },
    });
    return { id: created.id, username, generatedPassword: generated };
  }
}
