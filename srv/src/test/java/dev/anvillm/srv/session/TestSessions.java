package dev.anvillm.srv.session;

import dev.anvillm.srv.backend.Backends;
import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.detect.HookWatch;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.sandbox.Sandbox;
import dev.anvillm.srv.store.SessionStore;
import dev.anvillm.srv.supervise.ExitWatch;
import dev.anvillm.srv.supervise.RestartPolicies;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A real session registry in a temporary directory, for tests that drive the tree in process:
 * real tmux on a private socket, the real store, the built-in backends plus an optional
 * backends.yaml.
 */
public final class TestSessions implements AutoCloseable {
    public final Path dir;
    public final EventBus events = new EventBus();
    public final Sessions sessions;
    public final Tmux tmux;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
    private final ExitWatch exits = new ExitWatch();
    private final HookWatch hooks;

    public TestSessions(Path dir) throws IOException {
        this(dir, null);
    }

    public TestSessions(Path dir, String backendsYaml) throws IOException {
        this.dir = dir;
        Path yaml = dir.resolve("backends.yaml");
        if (backendsYaml != null) Files.writeString(yaml, backendsYaml);
        Map<String, String> env = System.getenv();
        hooks = new HookWatch();
        tmux = new Tmux(dir.resolve("tmux"), Map.of("PATH", env.getOrDefault("PATH", "/usr/bin:/bin"), "HOME", env.getOrDefault("HOME", "/")));
        Sandbox sandbox = new Sandbox(env, dir.resolve("config"), dir.resolve("state"), dir);
        // spares never started: every launch here is a cold one
        SessionServices svc = new SessionServices(tmux, new SessionStore(dir.resolve("state")),
                new Launcher(env, dir, false), sandbox, sandbox.spares(tmux, timers), exits, hooks, timers, events::publish, RestartPolicies.load(yaml));
        sessions = new Sessions(Backends.load(projectHome(), yaml, env), svc);
    }

    /** The repository's top directory (tests run in srv/). */
    public static Path projectHome() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("testagent")) ? here : here.getParent();
    }

    @Override
    public void close() throws IOException {
        // kill through each session's actor first, so none is still writing when JUnit deletes the directory
        for (Session x : sessions.list()) {
            try {
                sessions.kill(x);
            } catch (SessionException e) {
                // it goes with the tmux server below
            }
        }
        try {
            tmux.killServer();
        } finally {
            timers.shutdownNow();
            exits.close();
            hooks.close();
        }
    }
}
