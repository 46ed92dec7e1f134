// Preloaded into each replica (node --require) by the scale test. Neither identity-normalizer nor
// ad-provisioner exposes a per-process count of handled events (no /metrics counter, no log line
// per message), so this counts them from outside the app code: every ack the JetStream transport
// writes is printed as one line, `scale-probe ack <durable> seq=<stream seq> delivery=<n>`, into the
// replica's captured log.
// It observes only; delivery, ordering and acking are unchanged.
'use strict';
const messaging = require('@skolkonto/messaging');

const proto = messaging.JetStreamServer && messaging.JetStreamServer.prototype;
if (!proto || typeof proto.ack !== 'function' || typeof proto.process !== 'function') {
  process.stderr.write('scale-probe: JetStreamServer.prototype.ack/process not found; per-replica counts unavailable\n');
} else {
  // process(binding, message, parsed) acks through this.ack(message); remember the durable per message.
  const durables = new WeakMap();
  const process_ = proto.process;
  proto.process = function (binding, message, parsed) {
    durables.set(message, binding.durable);
    return process_.call(this, binding, message, parsed);
  };
  const ack = proto.ack;
  proto.ack = function (message) {
    const info = message.info || {};
    process.stderr.write(`scale-probe ack ${durables.get(message) ?? 'unknown'} seq=${message.seq} delivery=${info.redeliveryCount ?? '?'}\n`);
    return ack.call(this, message);
  };
}
