/**
 * Which Kafka error code a client gets for a partition the encryption filter could not handle.
 * Chosen for what clients do with them:
 * - KMS unreachable or slow → KAFKA_STORAGE_ERROR (56): retriable in the Java client (producer
 *   and consumer), librdkafka and franz-go, which back off and retry; REQUEST_TIMED_OUT would
 *   also be retried but makes the Java producer count the batch as possibly written.
 * - KEK unknown to the KMS on fetch → RESOURCE_NOT_FOUND (91): not retriable, so consumers
 *   surface it instead of looping or handing out ciphertext.
 * - Integrity failure / malformed encrypted record → CORRUPT_MESSAGE (2).
 * - A batch too large after encryption → MESSAGE_TOO_LARGE (10) (the broker answers the same
 *   itself when the rewritten batch passes its max.message.bytes).
 * - Topic id the proxy has not seen in a Metadata response → UNKNOWN_TOPIC_ID (100): retriable,
 *   clients refresh metadata, which fills the topic map.
 * - Topic without a KEK under unresolvedKeyPolicy=reject → INVALID_RECORD (87), with a message.
 * Everything else falls back to the error catalog's kafkaCode, else UNKNOWN_SERVER_ERROR (-1).
 */
import { isKsealError } from "../errors.js";
import { KafkaError } from "../protocol/kafka-errors.js";

export interface PartitionError {
  code: number;
  message: string;
}

export function fetchErrorFor(e: unknown): PartitionError {
  if (isKsealError(e)) {
    if (e.code === "KMS_UNKNOWN_KEY" || e.code === "KMS_UNKNOWN_ALIAS") {
      return { code: KafkaError.RESOURCE_NOT_FOUND, message: "kseal: the KMS does not know the KEK these records were encrypted under" };
    }
    if (e.code === "KMS_UNAVAILABLE") return { code: KafkaError.KAFKA_STORAGE_ERROR, message: "kseal: KMS unavailable, retry" };
    return { code: e.kafkaCode ?? KafkaError.UNKNOWN_SERVER_ERROR, message: `kseal: ${e.code}` };
  }
  return { code: KafkaError.UNKNOWN_SERVER_ERROR, message: "kseal: decryption failed" };
}

export function produceErrorFor(e: unknown): PartitionError {
  if (isKsealError(e)) {
    if (e.code === "KMS_UNAVAILABLE" || e.code === "KEYS_CLOSED") {
      return { code: KafkaError.KAFKA_STORAGE_ERROR, message: "kseal: KMS unavailable, nothing was written; retry" };
    }
    return { code: e.kafkaCode ?? KafkaError.UNKNOWN_SERVER_ERROR, message: `kseal: ${e.code}` };
  }
  return { code: KafkaError.UNKNOWN_SERVER_ERROR, message: "kseal: encryption failed" };
}
