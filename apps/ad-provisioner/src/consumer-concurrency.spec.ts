import { consumerConcurrency } from './config';

describe(consumerConcurrency.name, () => {
  it('keeps the running batches and one gathering for every tenant when unset', () => {
    expect(consumerConcurrency({ PROVISIONER_BATCH_SIZE: 200, PROVISIONER_PARALLEL_BATCHES: 1 }, 4)).toBe(1600);
    expect(consumerConcurrency({ PROVISIONER_BATCH_SIZE: 200, PROVISIONER_PARALLEL_BATCHES: 2 }, 4)).toBe(2400);
    expect(consumerConcurrency({ PROVISIONER_BATCH_SIZE: 200, PROVISIONER_PARALLEL_BATCHES: 2 }, 40)).toBe(8192);
  });

  it('never goes below 400 for a small installation', () => {
    expect(consumerConcurrency({ PROVISIONER_BATCH_SIZE: 50, PROVISIONER_PARALLEL_BATCHES: 1 }, 1)).toBe(400);
  });

  it('takes the operator’s setting as it is', () => {
    expect(consumerConcurrency({ PROVISIONER_BATCH_SIZE: 200, PROVISIONER_PARALLEL_BATCHES: 2, PROVISIONER_CONSUMER_CONCURRENCY: 300 }, 4)).toBe(300);
  });
});
