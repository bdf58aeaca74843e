package dev.anvillm.client;

import dev.anvillm.srv.TestNamespace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A real daemon for client and front-end tests: its own name space under {@code dir}, a quick
 * test-agent backend ({@code quick}), a project directory, and an {@link AgentClient} on its socket.
 */
public final class TestDaemon implements AutoCloseable {
    public static final Duration DEADLINE = Duration.ofSeconds(30);
    public static final String BACKENDS = """
            backends:
              quick:
                extends: testagent
                args: [--work-ms, "50"]
              slow:
                extends: testagent
                args: [--work-ms, "3000"]
            """;

    public final TestNamespace ns;
    public final AgentClient client;
    public final Path project;
    private Process daemon;

    public TestDaemon(Path dir) throws Exception {
        ns = new TestNamespace(dir);
        ns.backendsYaml(BACKENDS);
        project = Files.createDirectories(dir.resolve("project"));
        daemon = ns.fgstart();
        client = new AgentClient(ns.socket());
    }

    /** kill -9 of the daemon; its sessions keep running in tmux. */
    public void kill() throws Exception {
        daemon.destroyForcibly();
        daemon.waitFor();
    }

    /** A new daemon on the same name space (it re-adopts the sessions). */
    public void start() throws Exception {
        daemon = ns.fgstart();
    }

    /** Waits until {@code ok} holds; fails saying {@code what} (and what was seen) at the deadline. */
    public static void await(String what, BooleanSupplier ok, Supplier<String> seen) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("never saw " + what + " within " + DEADLINE + "; saw: " + seen.get());
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    /** Waits until session {@code id} is in state {@code s}. */
    public void awaitState(String id, State s) throws InterruptedException {
        await(id + " " + s.word(), () -> {
            try {
                return client.state(id) == s;
            } catch (ClientException e) {
                return false;
            }
        }, () -> {
            try {
                return client.info(id).facts().toString();
            } catch (ClientException e) {
                return e.getMessage();
            }
        });
    }

    @Override
    public void close() throws Exception {
        client.close();
        ns.close();
    }
}
