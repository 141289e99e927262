// log4j2 configurations (properties format, which needs no extra jars) for brokers and tools.

/** Brokers log to the file named by the system property kseal.rig.log, INFO for Kafka itself. */
export const BROKER_LOG4J = `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = \${sys:kseal.rig.log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
# Each client and server config object prints every setting at INFO: thousands of lines.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.kafkaconfig.name = kafka.server.KafkaConfig
logger.kafkaconfig.level = WARN
`;

/** Tools write only warnings and errors, to stderr, so their stdout stays the data they print. */
export const TOOL_LOG4J = `status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
`;
