import { metricsRegistry } from '@skolkonto/platform';
import { Counter } from 'prom-client';

// Labels are outcomes and scopes only: never accounts, IPs or codes.
function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (
    (metricsRegistry.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({ name, help, labelNames, registers: [metricsRegistry] })
  );
}

const codeSubmissions = counter(
  'skolkonto_claim_code_submissions_total',
  'Claim codes typed on the claim page, by outcome',
  ['outcome'],
);
const passwordSubmissions = counter(
  'skolkonto_claim_password_submissions_total',
  'Passwords chosen on the claim page, by outcome',
  ['outcome'],
);
const issued = counter(
  'skolkonto_claim_codes_issued_total',
  'Claim codes issued through the admin API, by scope',
  ['scope'],
);
const lockouts = counter(
  'skolkonto_claim_lockouts_total',
  'Accounts locked after too many wrong claim codes',
);

export const claimMetrics = {
  codeSubmitted: (outcome: 'accepted' | 'rejected' | 'rate-limited') => codeSubmissions.inc({ outcome }),
  passwordSubmitted: (outcome: 'claimed' | 'weak' | 'refused-by-directory' | 'invalid-ticket') =>
    passwordSubmissions.inc({ outcome }),
  issued: (scope: 'person' | 'class' | 'school', count: number) => issued.inc({ scope }, count),
  locked: () => lockouts.inc(),
};
