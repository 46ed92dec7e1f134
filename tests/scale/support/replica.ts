// One replica of a built app as its own OS process, for the scale test: stdout and stderr go to a
// log file under test-artifacts/scale/<run>/, the delivery probe is preloaded, and kill() sends a
// real SIGKILL (the boot helpers only stop with SIGTERM).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { appMain, REPO_ROOT } from '../../boot/app-process';

export interface Replica {
  readonly name: string;
  readonly logFile: string;
  readonly port: number;
  readonly pid: number;
  output(): string;
  running(): boolean;
  /** Acks the replica wrote per durable consumer (from the delivery probe's lines). */
  acks(): Record<string, number>;
  /** Every ack the replica wrote: durable, stream sequence and which delivery of the message it was. */
  ackLines(): Array<{ durable: string; seq: number; delivery: number }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const PROBE = join(__dirname, 'delivery-probe.js');

export function startReplica(app: string, name: string, env: Record<string, string>, runDir: string, timeoutMs = 90_000): Promise<Replica> {
  const logFile = join(runDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', '--require', PROBE, appMain(app)], {
    cwd: REPO_ROOT,
    env: { ...env, PORT: '0' } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  const closeLog = () => new Promise<void>((done) => log.end(done));
  return new Promise((resolve, reject) => {
    let settled = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(output);
      if (!match || settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        name,
        logFile,
        port: Number(match[1]),
        pid: child.pid!,
        output: () => output,
        running: () => !exited(),
        acks() {
          const counts: Record<string, number> = {};
          for (const line of output.matchAll(/^scale-probe ack (\S+)/gm)) counts[line[1]!] = (counts[line[1]!] ?? 0) + 1;
          return counts;
        },
        ackLines() {
          return [...output.matchAll(/^scale-probe ack (\S+) seq=(\d+) delivery=(\d+)$/gm)].map((m) => ({ durable: m[1]!, seq: Number(m[2]), delivery: Number(m[3]) }));
        },
        async kill(signal = 'SIGKILL') {
          if (!exited()) child.kill(signal);
          await gone;
          await closeLog();
        },
        async stop(graceMs = 10_000) {
          if (!exited()) {
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await gone;
            clearTimeout(killer);
          }
          await closeLog();
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms; log ${logFile}:\n${output.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before listening; log ${logFile}:\n${output.slice(-3000)}`));
    });
  });
}
