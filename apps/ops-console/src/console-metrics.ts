import { metricsRegistry } from '@skolkonto/platform';
import { Counter, Gauge } from 'prom-client';

// Labels are stream, domain and outcome names only: never tenants' people or ids.
function counter(name: string, help: string, label: string): Counter<string> {
  return (metricsRegistry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames: [label], registers: [metricsRegistry] });
}

const observed = counter('skolkonto_console_events_observed_total', 'Events the console read from the streams', 'stream');
const decisions = counter('skolkonto_console_operator_actions_total', 'Operator actions by kind', 'action');
const liveClients =
  (metricsRegistry.getSingleMetric('skolkonto_console_live_clients') as Gauge | undefined) ??
  new Gauge({ name: 'skolkonto_console_live_clients', help: 'Open live-view (SSE) connections', registers: [metricsRegistry] });

export const consoleMetrics = {
  observed: (stream: string) => observed.inc({ stream }),
  liveClientOpened: () => liveClients.inc(),
  liveClientClosed: () => liveClients.dec(),
  action: (action: 'plan-approved' | 'plan-rejected' | 'dead-letter-replayed' | 'dead-letter-discarded' | 'review-resolved' | 'login-failed' | 'login') => decisions.inc({ action }),
};
