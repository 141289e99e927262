/**
 * Every limit kseal enforces, in one place, each with the reason for its default.
 * Config may override those marked configurable.
 */
export const LIMITS = {
  /** Largest frame accepted from a client or broker (configurable). The broker's own
   * `socket.request.max.bytes` default is 100 MiB; anything larger it would refuse anyway. */
  maxFrameBytes: 100 * 1024 * 1024,
  /** Most elements one protocol array may declare. Kafka 4.4 brokers reject more than 1,000,000
   * before allocating; a count past this is malformed, never a reason to allocate. */
  maxArrayElements: 1_000_000,
  /** Most fields one tagged-field section may declare (Kafka 4.4 rejects more than 10,000). */
  maxTaggedFields: 10_000,
  /** Requests one client connection may have awaiting responses (configurable). The Java
   * producer pipelines 5 by default and librdkafka up to 1,000,000 with max.in.flight; past this
   * the proxy stops reading from the client until responses drain (backpressure, not an error). */
  maxInFlightPerConnection: 128,
  /** Largest record batch (input or rewritten output) the WASM filter takes in one call. It
   * mirrors the module's own ceiling (assembly/abi/memory.ts ALLOC_MAX): input plus output must
   * fit the module's 128 MiB memory, and the broker's message.max.bytes default is only 1 MiB. */
  wasmMaxBatchBytes: 48 * 1024 * 1024,
  /** Largest memory maximum a WASM filter module may declare, in 64 KiB pages (128 MiB): the
   * standard build declares exactly this, which holds a 48 MiB batch, its rewrite and key slots;
   * a module with no maximum, or a larger one, is refused at load. */
  wasmMaxMemoryPages: 2048,
  /** How long to wait for a TCP connection to a broker before failing the client connection. */
  upstreamConnectTimeoutMs: 10_000,
  /** Largest records section a compressed batch may expand to when kseal decompresses it. The
   * plain batch must fit the WASM filter anyway (wasmMaxBatchBytes), and without a cap a small
   * batch could be a decompression bomb: gzip expands up to ~1000x, LZ4 ~250x, zstd and snappy
   * more, so a 1 MiB produce could claim gigabytes. Every codec is checked before or while
   * allocating, not after. */
  maxDecompressedBatchBytes: 48 * 1024 * 1024 - 61,
} as const;
