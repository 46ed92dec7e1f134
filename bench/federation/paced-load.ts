/**
 * An open-loop load generator for bench:federation, in its own process: request i is due at
 * start + i / rate, whatever happened to earlier requests, and its latency is counted from that due
 * time (so a stalled server or client is charged in full: no coordinated omission). This is what
 * "p99 at 500 requests/s" means for IdPs whose logins arrive independently.
 *
 * autocannon's overallRate is a different load: each connection may send rate/connections requests per
 * second and sends them back to back at the start of each second, so all connections burst together
 * and wait; its latency figures then also add synthetic samples with a 1 ms expected interval. Both are
 * printed; this one is the steady-arrival figure.
 *
 * Parent sends { url, ca, token, paths, rate, durationSeconds, connections } over IPC; answers { result }.
 */
import { Agent, request } from 'node:https';

interface Job {
  url: string;
  ca: string;
  token: string;
  paths: string[];
  rate: number;
  durationSeconds: number;
  connections: number;
}

export interface PacedResult {
  targetRate: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  /** Requests that could not be sent on time because every connection was busy. */
  queuedBehindBusyConnections: number;
  /** How late this process itself sent requests (its own scheduling delay, part of the latency above). */
  sendLatenessMs: { p50: number; p99: number; max: number };
}

function run(job: Job): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections, ca: job.ca });
  const base = new URL(job.url);
  const total = Math.round(job.rate * job.durationSeconds);
  const latencies: number[] = [];
  const lateness: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let done = 0;
  let inFlight = 0;
  let queued = 0;
  let start = 0;

  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      lateness.sort((a, b) => a - b);
      const pick = (values: number[], q: number) => +(values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0).toFixed(2);
      const at = (q: number) => pick(latencies, q);
      resolve({
        targetRate: job.rate,
        requests: done,
        requestsPerSecond: Math.round(done / elapsed),
        latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: +(latencies.at(-1) ?? 0).toFixed(2) },
        non2xx,
        errors,
        queuedBehindBusyConnections: queued,
        sendLatenessMs: { p50: pick(lateness, 0.5), p99: pick(lateness, 0.99), max: +(lateness.at(-1) ?? 0).toFixed(2) },
      });
    };
    const fire = (index: number, due: number) => {
      if (inFlight >= job.connections) queued += 1;
      lateness.push(performance.now() - due);
      inFlight += 1;
      const req = request(
        { host: base.hostname, port: base.port, path: job.paths[index % job.paths.length], agent, headers: { authorization: `Bearer ${job.token}` } },
        (res) => {
          res.resume();
          res.on('end', () => {
            inFlight -= 1;
            latencies.push(performance.now() - due);
            if (res.statusCode !== 200) non2xx += 1;
            if (++done === total) finish();
          });
        },
      );
      req.on('error', () => {
        inFlight -= 1;
        errors += 1;
        if (++done === total) finish();
      });
      req.end();
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / job.rate <= now) {
        fire(sent, start + (sent * 1000) / job.rate);
        sent += 1;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / job.rate - performance.now()));
    };
    // Open every connection (TLS handshake) before the clock starts, as an IdP's pooled client would have.
    const warm = Array.from({ length: job.connections }, (_, index) => new Promise<void>((done) => {
      const req = request({ host: base.hostname, port: base.port, path: job.paths[index % job.paths.length], agent, headers: { authorization: `Bearer ${job.token}` } }, (res) => {
        res.resume();
        res.on('end', () => done());
      });
      req.on('error', () => done());
      req.end();
    }));
    void Promise.all(warm).then(() => {
      start = performance.now() + 50;
      setTimeout(tick, 50);
    });
  });
}

process.once('message', (job: Job) => {
  void run(job).then((result) => {
    process.send?.({ result }, () => process.exit(0));
  });
});
