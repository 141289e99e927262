// Differential check for kseal's codecs: reads "MessageDataClass version hex" lines on stdin,
// parses each body with Kafka's own generated message class and writes it back with Kafka's
// serializer, printing "OK <hex>", "TRAILING <n>" or "ERR <exception>" per line.
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;

public class KafkaRoundTrip {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false);
    HexFormat hex = HexFormat.of();
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.trim().split(" ");
      try {
        Class<?> c = Class.forName("org.apache.kafka.common.message." + p[0]);
        short version = Short.parseShort(p[1]);
        ByteBuffer input = ByteBuffer.wrap(p.length > 2 ? hex.parseHex(p[2]) : new byte[0]);
        ApiMessage m = (ApiMessage) c.getConstructor(Readable.class, short.class)
            .newInstance(new ByteBufferAccessor(input), version);
        if (input.hasRemaining()) {
          out.println("TRAILING " + input.remaining());
          continue;
        }
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buf = ByteBuffer.allocate(m.size(cache, version));
        m.write(new ByteBufferAccessor(buf), cache, version);
        out.println("OK " + hex.formatHex(buf.array()));
      } catch (Throwable e) {
        Throwable r = e instanceof InvocationTargetException ? e.getCause() : e;
        out.println("ERR " + String.valueOf(r).replace('\n', ' '));
      }
    }
    out.flush();
  }
}
