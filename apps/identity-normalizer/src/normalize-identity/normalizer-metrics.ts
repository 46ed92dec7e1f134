import { Counter, type Registry } from 'prom-client';

/** identity-normalizer's Prometheus metrics. Labels never carry personal data: tenant, entity type, codes. */
export class NormalizerMetrics {
  readonly recordsRejected: Counter<'tenant' | 'entity' | 'code'>;
  readonly reviewsResolved: Counter<'tenant' | 'decision'>;

  constructor(registry: Registry) {
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.recordsRejected =
      existing('skolkonto_normalizer_records_rejected_total') ??
      new Counter({ name: 'skolkonto_normalizer_records_rejected_total', help: 'Register records the normalizer could not use (published as ops.record.rejected)', labelNames: ['tenant', 'entity', 'code'], registers: [registry] });
    this.reviewsResolved =
      existing('skolkonto_normalizer_reviews_resolved_total') ??
      new Counter({ name: 'skolkonto_normalizer_reviews_resolved_total', help: 'Operator review decisions applied', labelNames: ['tenant', 'decision'], registers: [registry] });
  }
}
