// Boot-time provisioning: every stream of the catalog (and each service's durable consumers) is
// created if missing and updated if its settings drifted. Safe to run from every replica at once.
import { STREAMS, type StreamDefinition } from '@skolkonto/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from 'nats';
import { namespacedStream, namespacedSubject, type ResolvedMessagingOptions } from '../messaging-options';

export function streamConfigFor(stream: StreamDefinition, options: ResolvedMessagingOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: namespacedStream(stream.name, options.namespace),
    subjects: stream.subjects.map((s) => namespacedSubject(s, options.namespace)),
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(Math.min(options.duplicateWindowMs, options.maxAgeMs || options.duplicateWindowMs)),
    description: stream.description,
  };
}

/** Creates or updates every catalog stream. Returns the (namespaced) names. */
export async function provisionStreams(jsm: JetStreamManager, options: ResolvedMessagingOptions): Promise<string[]> {
  const names: string[] = [];
  for (const stream of STREAMS) {
    const config = streamConfigFor(stream, options);
    await addOrUpdateStream(jsm, config);
    names.push(config.name);
  }
  return names;
}

async function addOrUpdateStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    const info = await jsm.streams.info(config.name);
    const current = info.config;
    const drifted =
      JSON.stringify(current.subjects) !== JSON.stringify(config.subjects) ||
      current.max_age !== config.max_age ||
      current.num_replicas !== config.num_replicas ||
      current.duplicate_window !== config.duplicate_window;
    if (drifted) await jsm.streams.update(config.name, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (raced) {
      // Another replica created it between our info and add.
      if (!/already in use|already exists/i.test(String(raced))) throw raced;
    }
  }
}

export interface DurableConsumerSpec {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string;
}

export function consumerConfigFor(spec: DurableConsumerSpec, options: ResolvedMessagingOptions): Partial<ConsumerConfig> {
  return {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs),
    // One more than the transport's own limit: the transport dead-letters on delivery maxDeliver and
    // terms, so the server never silently drops a message at its own limit.
    max_deliver: options.maxDeliver + 1,
    max_ack_pending: options.maxAckPending,
  };
}

/** Creates the durable pull consumer, or updates it when its settings changed. */
export async function provisionConsumer(
  jsm: JetStreamManager,
  spec: DurableConsumerSpec,
  options: ResolvedMessagingOptions,
): Promise<void> {
  const config = consumerConfigFor(spec, options);
  try {
    const info = await jsm.consumers.info(spec.stream, spec.durable);
    const c = info.config;
    if (c.filter_subject !== config.filter_subject) {
      throw new Error(
        `durable consumer ${spec.durable} on ${spec.stream} filters ${c.filter_subject}, expected ${config.filter_subject}: ` +
          'use a new durable name for a new subject (NATS 2.9 cannot change a filter)',
      );
    }
    if (c.ack_wait !== config.ack_wait || c.max_deliver !== config.max_deliver || c.max_ack_pending !== config.max_ack_pending) {
      await jsm.consumers.update(spec.stream, spec.durable, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        max_ack_pending: config.max_ack_pending,
      });
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.consumers.add(spec.stream, config);
    } catch (raced) {
      if (!/already in use|already exists/i.test(String(raced))) throw raced;
    }
  }
}

function isNotFound(error: unknown): boolean {
  return /not found/i.test(String((error as Error)?.message ?? error));
}
