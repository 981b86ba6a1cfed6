// Starts DynamoDB Local bound to 127.0.0.1 only. The jar's own main builds Jetty with `new Server(port)`,
// which listens on every interface, and it has no option or system property for the host; so we build
// the server the way its main does and set the connector's host before it starts. Run in Java's
// source-file mode (`java -cp <jar>:<lib>/* LoopbackDynamoDbLocal.java <DynamoDB Local args>`).
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("skillcert.host", "127.0.0.1");
    // The Node process that started us holds our stdin; when it goes away, however it dies (a signal,
    // SIGKILL, a crash), the pipe closes and we exit: no JVM outlives the local cloud.
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // nothing is ever written; wait for end of file
        }
      } catch (IOException ignored) {
        // a broken pipe means the same thing
      }
      System.exit(0);
    }, "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      // Refuse to run rather than fall back to every interface if the jar ever changes its connector.
      if (!(connector instanceof ServerConnector)) {
        throw new IllegalStateException("unexpected connector " + connector.getClass().getName());
      }
      ((ServerConnector) connector).setHost(host);
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
  }
}
