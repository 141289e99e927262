/**
 * What the proxy reports about its traffic, for metrics. Every hook is cheap and synchronous;
 * the proxy works the same without an observer.
 */
export type ByteDirection = "client_in" | "client_out" | "upstream_in" | "upstream_out";

export interface ProxyObserver {
  connectionOpened(listener: string): void;
  connectionClosed(listener: string): void;
  /** A client request frame (Kafka header peeked; apiKey -1 for a raw SASL token). */
  request(apiKey: number, apiVersion: number): void;
  bytes(direction: ByteDirection, n: number): void;
  /** A response was handed to the client's ordered queue, `ms` after its request was read. */
  response(apiKey: number, ms: number): void;
  /** A connection closed because of an error; `code` is the error catalog code or "OTHER". */
  connectionError(code: string): void;
}
