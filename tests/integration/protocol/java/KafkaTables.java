// Prints the API key table (id name oldest latest firstFlexible) and the error codes of the
// kafka-clients on the classpath, for kseal's table checks.
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

public class KafkaTables {
  public static void main(String[] args) {
    for (ApiKeys k : ApiKeys.values()) {
      if (k.latestVersion(true) < 0) continue;
      int flex = -1;
      for (short v = 0; v <= k.latestVersion(true); v++) {
        if (k.messageType.requestHeaderVersion(v) == 2) { flex = v; break; }
      }
      boolean apiVersionsQuirk = k.responseHeaderVersion(k.latestVersion(true)) == 0 && flex >= 0;
      System.out.println("API " + k.id + " " + k.name + " " + k.oldestVersion() + " " + k.latestVersion(true) + " " + flex + (apiVersionsQuirk ? " v0-response-header" : ""));
    }
    for (Errors e : Errors.values()) System.out.println("ERROR " + e.code() + " " + e.name());
  }
}
