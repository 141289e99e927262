/** The Kafka API keys the proxy treats specially. */
export const API = {
  Produce: 0,
  Fetch: 1,
  Metadata: 3,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  SaslAuthenticate: 36,
  DescribeCluster: 60,
  ShareFetch: 78,
  ShareAcknowledge: 79,
} as const;
