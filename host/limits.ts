/**
 * Every limit kseal enforces, in one place, each with the reason for its default.
 * Config may override those marked configurable.
 */
export const LIMITS = {
  /** Largest frame accepted from a client or broker (configurable). The broker's own
   * `socket.request.max.bytes` default is 100 MiB; anything larger it would refuse anyway. */
  maxFrameBytes: 100 * 1024 * 1024,
  /** Requests one client connection may have awaiting responses (configurable). The Java
   * producer pipelines 5 by default and librdkafka up to 1,000,000 with max.in.flight; past this
   * the proxy stops reading from the client until responses drain (backpressure, not an error). */
  maxInFlightPerConnection: 128,
  /** How long to wait for a TCP connection to a broker before failing the client connection. */
  upstreamConnectTimeoutMs: 10_000,
} as const;
