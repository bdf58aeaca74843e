package dev.anvillm.srv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

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

    @AfterEach
    void stopDaemon() throws Exception {
        if (a != null) a.close();
        if (ns != null) ns.close();
    }
}
