// One built app as its own OS process for the e2e suite: stdout and stderr go to a log file under
// test-artifacts/e2e/ (kept after the run for the privacy scan and for debugging), and start()
// resolves once the app logs `listening on http://host:port`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { appMain, REPO_ROOT } from '../../boot/app-process';

// A test run that is killed must not leave its apps running: kill whatever is still alive on exit.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ServiceProcess {
  readonly app: string;
  /** OS process id (for /proc sampling, e.g. peak memory in the system bench). */
  readonly pid: number;
  readonly logFile: string;
  /** The HTTP port the app reported. */
  readonly port: number;
  readonly url: string;
  /** Everything the process printed so far (all its incarnations). */
  output(): string;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A TCP port that was free a moment ago (for apps whose URL must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function startService(
  app: string,
  env: Record<string, string>,
  options: { logFile: string; port?: number; timeoutMs?: number },
): Promise<ServiceProcess> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  let output = '';
  let child: ChildProcess;
  return new Promise((resolve, reject) => {
    // SKOLKONTO_CPU_PROF_DIR=<dir>: each app writes a V8 CPU profile there when it exits (to find where a bench's CPU goes).
    const profileDir = process.env.SKOLKONTO_CPU_PROF_DIR;
    const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${app}.${Date.now()}.cpuprofile`] : [];
    child = spawn(process.execPath, ['--enable-source-maps', ...profiling, appMain(app)], {
      cwd: REPO_ROOT,
      env: { ...env, PORT: String(options.port ?? 0) } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    let settled = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
      const match = /listening on http:\/\/([^:\s]+):(\d+)/.exec(output);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        const port = Number(match[2]);
        const exited = () => child.exitCode !== null || child.signalCode !== null;
        const waitExit = () =>
          new Promise<void>((done) => (exited() ? done() : child.once('exit', () => done())));
        resolve({
          app,
          pid: child.pid!,
          logFile: options.logFile,
          port,
          url: `http://127.0.0.1:${port}`,
          output: () => output,
          running: () => !exited(),
          async stop(graceMs = 10_000) {
            if (exited()) return;
            const gone = waitExit();
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await gone;
            clearTimeout(killer);
            await new Promise<void>((done) => log.end(done));
          },
          async kill(signal = 'SIGKILL') {
            if (exited()) return;
            // 'close' comes after the last output, so the log gets all of it before it is closed.
            const closed = new Promise<void>((done) => child.once('close', () => done()));
            child.kill(signal);
            await closed;
            await new Promise<void>((done) => log.end(done));
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(
        new Error(
          `${app} did not start within ${timeoutMs} ms; log ${options.logFile}:\n${output.slice(-3000)}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(
          new Error(
            `${app} exited (${signal ?? code}) before listening; log ${options.logFile}:\n${output.slice(-3000)}`,
          ),
        );
      }
    });
  });
}
