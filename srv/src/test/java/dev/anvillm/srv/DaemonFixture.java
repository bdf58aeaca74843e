package dev.anvillm.srv;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A daemon of its own for each test, as a user runs one: its namespace and state under the test's
 * temporary directory, a client on its socket, a project directory for sessions. Stopped, with
 * every session, after the test.
 */
abstract class DaemonFixture {
    @TempDir Path tmp;
    TestNamespace ns;
    Process daemon;
    Agents a;
    Path project;

    /** Starts the daemon with {@code backendsYaml}; call it from the test's {@code @BeforeEach}. */
    void startDaemon(String backendsYaml) throws Exception {
        ns = new TestNamespace(tmp);
        ns.backendsYaml(backendsYaml);
        daemon = ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        project = Files.createDirectories(tmp.resolve("project"));
    }

    /** A new interactive shell session, once it is idle; returns its id. */
    String shell() throws Exception {
        String id = a.create("sh " + project);
        a.awaitState(id, "idle");
        return id;
    }

    /** Every line `events` gives from now on, collected in the background. */
    List<String> events() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        NinepClient c = NinepClient.connect(ns.socket());
        Fid f = c.open("events", OpenMode.OREAD);
        Thread.ofVirtual().start(() -> {
            try {
                StringBuilder partial = new StringBuilder();
                while (true) {
                    partial.append(new String(f.read(0, 8192), StandardCharsets.UTF_8));
                    for (int nl; (nl = partial.indexOf("\n")) >= 0; partial.delete(0, nl + 1)) lines.add(partial.substring(0, nl));
                }
            } catch (IOException e) {
                c.close(); // the daemon went away with the test
            }
        });
        return lines;
    }

    @AfterEach
    void stopDaemon() throws Exception {
        if (a != null) a.close();
        if (ns != null) ns.close();
    }
}
