// Placeholder until the stack bring-up lands: loads .stack/env when present.
module.exports = async () => {};
