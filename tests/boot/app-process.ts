import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '../..');

export interface ExitedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export function appMain(app: string): string {
  const main = join(REPO_ROOT, 'apps', app, 'dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the apps first (npm test does)`);
  return main;
}

/** Runs a built app until it exits by itself (or the timeout kills it) and returns what it printed. */
export function runUntilExit(app: string, env: Record<string, string | undefined>, timeoutMs = 20_000): Promise<ExitedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [appMain(app)], { cwd: REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit within ${timeoutMs} ms; output:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

export interface RunningApp {
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a built app on a free port and resolves once it logs that it listens. */
export function startApp(app: string, env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [appMain(app)], {
      cwd: REPO_ROOT,
      env: { ...env, PORT: '0' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let settled = false;
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({
          port: Number(match[1]),
          output: () => output,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start within ${timeoutMs} ms; output:\n${output.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${app} exited with ${code} before listening; output:\n${output.slice(-3000)}`));
      }
    });
  });
}
