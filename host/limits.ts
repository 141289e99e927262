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
  /** Request filters one client connection may run at once (encrypting Produce requests). Enough
   * to keep every sandbox worker busy from one producer connection (the Java producer pipelines
   * 5); past it a request's filter starts when the requests before it have gone upstream, so one
   * connection cannot fill the sandbox queue with copies of its records. */
  requestFiltersPerConnection: 8,
  /** Largest record batch (input or rewritten output) the WASM filter takes in one call. It
   * mirrors the module's own ceiling (assembly/abi/memory.ts ALLOC_MAX): input plus output must
   * fit the module's 128 MiB memory, and the broker's message.max.bytes default is only 1 MiB. */
  wasmMaxBatchBytes: 48 * 1024 * 1024,
  /** Largest memory maximum a WASM filter module may declare, in 64 KiB pages (128 MiB): the
   * standard build declares exactly this, which holds a 48 MiB batch, its rewrite and key slots;
   * a module with no maximum, or a larger one, is refused at load. */
  wasmMaxMemoryPages: 2048,
  /** Longest one call into a sandbox worker may run before the watchdog terminates the worker
   * (configurable). A 48 MiB batch encrypts in well under a second on one core; a call past this
   * is a module stuck in a loop, and the client's request.timeout.ms (30 s) must not be reached. */
  sandboxCallTimeoutMs: 5_000,
  /** Longest a sandbox worker may take to start, load a module and run its self-test: thread
   * start and compilation take well under a second; past this the module hangs in its start-up. */
  sandboxStartTimeoutMs: 15_000,
  /** Longest wait before respawning a sandbox worker after workers kept dying in start-up (the
   * wait doubles from 100 ms per failure in a row): a broken install must not spin the CPU. */
  sandboxRespawnMaxDelayMs: 10_000,
  /** Calls queued for the sandbox pool before callers are refused: bounds memory held by batches
   * waiting for a worker (each at most wasmMaxBatchBytes) under overload. */
  sandboxMaxQueued: 10_000,
  /** Records bytes of one produce request or fetch response below which it goes to one worker
   * call whole (a call costs tens of microseconds of messaging, and concurrent requests already
   * use every worker). A larger produce request is split over up to pool-size workers; a larger
   * fetch response is cut into batch-aligned pieces spread over the workers. */
  sandboxSplitBytes: 256 * 1024,
  /** Pause between checks of the module file for changes (hot swap on file change). */
  moduleWatchIntervalMs: 500,
  /** On SIGTERM, how long connections may take to finish the requests already forwarded before
   * they are closed anyway (configurable). Kubernetes waits 30 s (terminationGracePeriodSeconds)
   * before SIGKILL; this leaves room for the KMS-bound requests (kmsCallTimeoutMs) to finish. */
  shutdownDrainMs: 20_000,
  /** How long the admin /readyz remembers that the target cluster answered, so that frequent
   * probes do not each dial a broker. */
  readinessProbeCacheMs: 5_000,
  /** Distinct topic label values kseal_records_total keeps; further topics count under "_other".
   * Prometheus slows down past a few thousand series per metric, and topic names are unbounded. */
  metricsMaxTopics: 1_000,
  /** Delay of a fetch response whose partitions all failed with a retriable error (KMS or
   * sandbox unavailable): consumers retry at once, so without it an outage costs hundreds of
   * fetches a second per consumer; 250 ms is below every client's request timeout. */
  fetchRetriableErrorDelayMs: 250,
  /** How long /readyz waits for a target broker to answer ApiVersions. */
  readinessProbeTimeoutMs: 3_000,
  /** How long to wait for a TCP connection to a broker before failing the client connection. */
  upstreamConnectTimeoutMs: 10_000,
  /** After a broker closes its side, how long the client may keep its half of the connection
   * open before the proxy destroys it; real clients close at once, this only reclaims sockets. */
  clientEndGraceMs: 5_000,
  /** A client connection on which nothing was read or written for this long is closed, when it
   * has no request in flight. Kafka brokers do the same (connections.max.idle.ms, 10 min) and
   * clients close their own idle connections first (9 min); without it a connection that never
   * sends a request would hold its socket and memory forever. */
  clientIdleTimeoutMs: 10 * 60 * 1000,
  /** While a client's request frame is incomplete, each window of this length must bring at
   * least clientFrameMinBytesPerWindow bytes of it (or complete it), or the connection is closed
   * (FRAME_TIMEOUT). Kafka clients give up on a request after request.timeout.ms (30 s default),
   * so a frame stalled this long is dead already; windows in which the proxy itself paused
   * reading (backpressure) do not count. Stops a slow sender from pinning a partial frame. */
  clientFrameWindowMs: 30_000,
  /** Bytes a partial request frame must grow by per clientFrameWindowMs (about 2 KiB/s): any
   * real network link is far faster, a byte-trickling client is not. */
  clientFrameMinBytesPerWindow: 64 * 1024,
  /** Bytes held in incomplete client request frames, summed over every connection of the
   * process. Each connection's partial frame is bounded by maxFrameBytes, but many clients that
   * send just fast enough to pass clientFrameWindowMs could together hold gigabytes; past this
   * total the connection holding the largest partial frame is closed (CLIENT_MEMORY_LIMIT), which
   * is the slow sender, since a normal client's frame is complete within milliseconds. Twice the
   * default maxFrameBytes (two largest frames in flight at once) and 256 times a Java producer's
   * 1 MiB max.request.size. */
  clientPartialFramesMaxBytes: 256 * 1024 * 1024,
  /** Bytes of broker responses one connection may hold between reading them from the broker and
   * writing them to the client (waiting for the encryption filter, or for an earlier response);
   * past it the proxy stops reading from that broker connection until some are written. One
   * response of any size always passes. A consumer has one Fetch in flight per broker, of at most
   * fetch.max.bytes (50 MiB default), which fits; a client pipelining many large Fetches does not
   * make the proxy hold them all. */
  maxPendingResponseBytesPerConnection: 64 * 1024 * 1024,
  /** Bytes of client requests one connection may hold while they wait for request filters
   * (encryption: a KMS call or a sandbox worker) before going to the broker; past it the proxy
   * stops reading from that client until some are forwarded. One request of any size always
   * passes. A Java producer has at most 5 requests of max.request.size (1 MiB) in flight; a
   * client pipelining 128 requests of 100 MiB does not make the proxy hold them all. */
  maxPendingRequestBytesPerConnection: 64 * 1024 * 1024,
  /** Frame reader: chunks of at most this many bytes count as small (see the next two). */
  frameReaderSmallChunkBytes: 1024,
  /** Frame reader: once this many chunks are pending for one partial frame, further small chunks
   * are copied into a staging buffer instead of kept as separate Buffers, because each Buffer
   * costs a few hundred bytes of bookkeeping and a trickled frame arrives one byte per chunk. */
  frameReaderCoalesceAfterChunks: 16,
  /** Frame reader: size of one staging buffer for small chunks (released when nothing is pending). */
  frameReaderStageBytes: 16 * 1024,
  /** Records one DEK may encrypt before a new one is generated (configurable). The format spec's
   * default: far below NIST SP 800-38D's 2^32 invocations per key, and it bounds what one leaked
   * DEK exposes. */
  dekMaxRecords: 5_000_000,
  /** Age at which a DEK is replaced in the background while it keeps serving (configurable). */
  dekRefreshMs: 60 * 60 * 1000,
  /** Age after which a DEK never encrypts again, even when the KMS cannot deliver a new one
   * (configurable): a KMS outage stops encryption after this, rather than stretching key use. */
  dekExpireMs: 2 * 60 * 60 * 1000,
  /** Fraction of a DEK's record budget after which its successor is fetched in the background, so
   * that running out of budget swaps keys without a produce waiting on the KMS. */
  dekPrefetchAtFraction: 0.9,
  /** Pause after a failed background DEK refresh before the next attempt; the current DEK keeps
   * serving meanwhile, and a KMS that is down is not hammered once per batch. */
  dekRefreshRetryMs: 10_000,
  /** How long an alias the KMS does not know stays known-unknown before it is asked again: produce
   * requests to an unresolved topic must not each cost a KMS round trip. */
  kmsUnknownAliasRetryMs: 30_000,
  /** Longest wait for one KMS call (resolve, generate, decrypt) before it counts as unavailable
   * (configurable). Produce and fetch requests wait on it while no usable key is cached, and
   * Kafka clients' request.timeout.ms defaults to 30 s. */
  kmsCallTimeoutMs: 10_000,
  /** Period of the sweeps that wipe DEKs past their hard expiry, and cached decryption DEKs past
   * their TTL, when no batch asks for them. */
  dekSweepIntervalMs: 30_000,
  /** Unwrapped DEKs kept for decryption (configurable), least recently used evicted first. One
   * entry is a few hundred bytes (10,000 are a few MB); 100 topics with hourly DEKs make 2,400 a
   * day per proxy, and a consumer catching up reads the DEKs of every proxy that wrote. */
  edekCacheMaxEntries: 10_000,
  /** Time an unwrapped DEK stays cached for decryption (configurable): bounds how long a revoked
   * KEK keeps working and how long key material sits in memory. */
  edekCacheTtlMs: 60 * 60 * 1000,
  /** Longest alias accepted by kseal's KMS layer: Kafka topic names are at most 249 characters,
   * and an alias template adds a short prefix. */
  kmsMaxAliasLength: 512,
  /** scrypt cost of the local KMS passphrase (N = 2^15, r = 8, p = 1): the OWASP-recommended
   * minimum, about 0.1 s and 32 MiB per unlock. Files may declare up to 2^17 (128 MiB). */
  localKmsScryptLogN: 15,
  localKmsScryptMaxLogN: 17,
  /** Wait for another process's lock on the local KMS key file before giving up. */
  localKmsLockTimeoutMs: 10_000,
  /** Age after which a key file lock is taken to be left over from a crashed process. A holder
   * only keeps it for one read-modify-write (milliseconds plus one scrypt derivation). */
  localKmsStaleLockMs: 30_000,
  /** Largest records section a compressed batch may expand to when kseal decompresses it. The
   * plain batch must fit the WASM filter anyway (wasmMaxBatchBytes), and without a cap a small
   * batch could be a decompression bomb: gzip expands up to ~1000x, LZ4 ~250x, zstd and snappy
   * more, so a 1 MiB produce could claim gigabytes. Every codec is checked before or while
   * allocating, not after. */
  maxDecompressedBatchBytes: 48 * 1024 * 1024 - 61,
} as const;
