/** Now, injectable so tests can move time (expiry) without waiting. */
export type Now = () => Date;
export const systemNow: Now = () => new Date();
