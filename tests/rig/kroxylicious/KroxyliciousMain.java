// Starts a Kroxylicious proxy from a YAML config file (the test rig's tests/rig/kroxylicious.ts):
// the same two calls its own launcher makes (parse the configuration, start the proxy), without
// the command-line front end, which Maven Central does not carry. Prints "KROXYLICIOUS READY"
// once the proxy listens; SIGTERM ends the JVM.
import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.internal.config.Features;
import java.nio.file.Files;
import java.nio.file.Path;

public final class KroxyliciousMain {
  public static void main(String[] args) throws Exception {
    ConfigParser parser = new ConfigParser();
    var config = parser.parseConfiguration(Files.readString(Path.of(args[0])));
    try (KafkaProxy proxy = new KafkaProxy(parser, config, Features.defaultFeatures())) {
      proxy.startup();
      System.out.println("KROXYLICIOUS READY");
      System.out.flush();
      proxy.block();
    }
  }
}
