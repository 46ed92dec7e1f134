import { BaseRpcContext } from '@nestjs/microservices';
import type { CloudEvent } from '@skolkonto/contracts';
import type { JsMsg } from 'nats';

type Args = [JsMsg, CloudEvent, string];

/** What a handler gets besides the event: the raw message, delivery count, contract subject. */
export class JetStreamContext extends BaseRpcContext<Args> {
  getMessage(): JsMsg {
    return this.args[0];
  }

  getEvent(): CloudEvent {
    return this.args[1];
  }

  /** Subject as the contracts know it (without namespace). */
  getSubject(): string {
    return this.args[2];
  }

  /** 1 on the first delivery. */
  getDeliveryCount(): number {
    return this.args[0].info.redeliveryCount;
  }

  getStreamSequence(): number {
    return this.args[0].seq;
  }

  /** Tell the server the handler is still busy (resets ack wait); the transport also does this itself. */
  working(): void {
    this.args[0].working();
  }
}
