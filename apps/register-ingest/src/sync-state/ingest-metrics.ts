import { Counter, Histogram, Registry, register as defaultRegistry } from 'prom-client';

/** register-ingest's Prometheus metrics. Labels never carry personal data: tenant, entity type, codes. */
export class IngestMetrics {
  readonly recordsRejected: Counter<'tenant' | 'entity' | 'code'>;
  readonly eventsWritten: Counter<'tenant' | 'entity' | 'verb'>;
  readonly syncRuns: Counter<'tenant' | 'kind' | 'outcome'>;
  readonly syncDuration: Histogram<'tenant' | 'kind'>;
  readonly plansHeld: Counter<'tenant' | 'entity'>;
  readonly webhooks: Counter<'tenant' | 'result'>;
  readonly pacedSeconds: Counter<'tenant'>;

  constructor(registry: Registry = defaultRegistry) {
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.pacedSeconds =
      existing('skolkonto_ingest_full_read_paced_seconds_total') ??
      new Counter({ name: 'skolkonto_ingest_full_read_paced_seconds_total', help: 'Time full reads waited for the pipeline to work off their events', labelNames: ['tenant'], registers: [registry] });
    this.recordsRejected =
      existing('skolkonto_ingest_records_rejected_total') ??
      new Counter({ name: 'skolkonto_ingest_records_rejected_total', help: 'Register records rejected by validation', labelNames: ['tenant', 'entity', 'code'], registers: [registry] });
    this.eventsWritten =
      existing('skolkonto_ingest_events_total') ??
      new Counter({ name: 'skolkonto_ingest_events_total', help: 'register.* events written to the outbox', labelNames: ['tenant', 'entity', 'verb'], registers: [registry] });
    this.syncRuns =
      existing('skolkonto_ingest_sync_runs_total') ??
      new Counter({ name: 'skolkonto_ingest_sync_runs_total', help: 'Delta pulls and full reconciliations by outcome', labelNames: ['tenant', 'kind', 'outcome'], registers: [registry] });
    this.syncDuration =
      existing('skolkonto_ingest_sync_duration_seconds') ??
      new Histogram({ name: 'skolkonto_ingest_sync_duration_seconds', help: 'Duration of sync runs', labelNames: ['tenant', 'kind'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [registry] });
    this.plansHeld =
      existing('skolkonto_ingest_plans_held_total') ??
      new Counter({ name: 'skolkonto_ingest_plans_held_total', help: 'Mass deletions held for approval', labelNames: ['tenant', 'entity'], registers: [registry] });
    this.webhooks =
      existing('skolkonto_ingest_webhooks_total') ??
      new Counter({ name: 'skolkonto_ingest_webhooks_total', help: 'Webhook calls by result', labelNames: ['tenant', 'result'], registers: [registry] });
  }
}
