package dev.anvillm.srv.namespace;

import dev.anvillm.ninep.server.NinepServer;
import dev.anvillm.ninep.server.Node;
import dev.anvillm.ninep.server.ServerLimits;
import dev.anvillm.srv.access.AgentView;
import dev.anvillm.srv.access.PeerCheck;
import dev.anvillm.srv.access.Principal;
import dev.anvillm.srv.backend.Backends;
import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.detect.HookWatch;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.sandbox.Sandbox;
import dev.anvillm.srv.sandbox.Spares;
import dev.anvillm.srv.session.EventBus;
import dev.anvillm.srv.session.SessionServices;
import dev.anvillm.srv.session.Sessions;
import dev.anvillm.srv.store.SessionStore;
import dev.anvillm.srv.supervise.ExitWatch;
import dev.anvillm.srv.supervise.ProcessTree;
import dev.anvillm.srv.supervise.Processes;
import dev.anvillm.srv.supervise.RestartPolicies;
import dev.anvillm.srv.tree.AgentTree;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running daemon (what {@code anvilsrv fgstart} runs): it owns the namespace's pid file lock,
 * the socket and the tree, until {@link #close()}.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    private final Locations locations;
    private final PidFile pidFile;
    private final NinepServer server;
    private final EventBus events;
    private final Sessions sessions;
    private final ScheduledExecutorService timers;
    private final ExitWatch exits;
    private final HookWatch hooks;
    private final Spares spares;
    /** The threads building AOT caches in the background (each waits on a JVM it started). */
    private final List<Thread> preparing;
    private final long pid = ProcessHandle.current().pid();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    private Daemon(Locations locations, PidFile pidFile, NinepServer server, EventBus events, Sessions sessions,
                   ScheduledExecutorService timers, ExitWatch exits, HookWatch hooks, Spares spares, List<Thread> preparing) {
        this.locations = locations;
        this.pidFile = pidFile;
        this.server = server;
        this.events = events;
        this.sessions = sessions;
        this.timers = timers;
        this.exits = exits;
        this.hooks = hooks;
        this.spares = spares;
        this.preparing = preparing;
    }

    /**
     * Checks the namespace, takes the pid file, clears a stale socket and starts serving. Fails with
     * {@code anvilsrv already running (pid N)} when a live daemon has the namespace.
     */
    public static Daemon start(Locations loc) throws Failure {
        long t0 = System.nanoTime();
        // The slowest first uses, Netty's epoll library, Jackson and (below) the tmux control
        // client, start on threads of their own beside the set-up, on another core (anvilsrv
        // start's budget, bin/bench start)
        Thread.ofPlatform().daemon().name("load-transport").start(NinepServer::loadTransport);
        Thread.ofPlatform().daemon().name("load-json").start(SessionStore::loadCodec);
        NamespaceDir.prepare(loc.namespaceDir());
        createPrivateDirs(loc.stateDir());
        PidFile pidFile = takePidFile(loc);
        try {
            clearStaleSocket(loc);
            pidFile.write(ProcessHandle.current().pid());
            EventBus events = new EventBus();
            Map<String, String> env = System.getenv();
            Path home = projectHome();
            Backends backends;
            RestartPolicies restart;
            try {
                backends = Backends.load(home, loc.configDir().resolve("backends.yaml"), env);
                restart = RestartPolicies.load(loc.configDir().resolve("backends.yaml"));
            } catch (IOException e) {
                throw new Failure("anvilsrv: " + e.getMessage());
            }
            ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> Thread.ofPlatform().daemon().name("timers").unstarted(r));
            ExitWatch exits = new ExitWatch();
            HookWatch hooks = new HookWatch();
            int uid = NamespaceDir.currentUid();
            Sandbox sandbox = new Sandbox(env, loc.configDir(), loc.stateDir(), loc.namespaceDir());
            Tmux tmux = new Tmux(tmuxSocket(loc), tmuxEnv(env));
            Thread.ofPlatform().daemon().name("tmux-connect").start(tmux::connect);
            Spares spares = sandbox.spares(tmux, timers);
            SessionServices svc = new SessionServices(tmux, new SessionStore(loc.stateDir()),
                    new Launcher(env, loc.namespaceDir(), uid == 0), sandbox, spares, exits, hooks, timers, events::publish, restart);
            Sessions sessions = new Sessions(backends, svc);
            long t1 = System.nanoTime();
            sessions.restore();
            long t2 = System.nanoTime();
            timers.scheduleWithFixedDelay(sessions::sweep, 5, 5, TimeUnit.SECONDS);
            AgentTree tree = new AgentTree(sessions, events, loc.home(), svc.tmux().socket());
            Node agentRoot = AgentView.root(tree.root());
            NinepServer server = NinepServer.start(loc.socket(),
                    (principal, uname, aname) -> principal instanceof Principal.Agent ? agentRoot : tree.root(),
                    new PeerCheck(uid, sessions::pids), ServerLimits.DEFAULT);
            // A moment after the socket answers: a training run is a JVM of its own and a spare
            // launcher another, which would take the CPU from the first clients (measured: the
            // first answer came 100 ms later with them at once). Not longer: the spare makes the
            // first session's start fast (without it, measured: 1 s instead of 150 ms)
            List<Thread> preparing = new java.util.concurrent.CopyOnWriteArrayList<>();
            preparing.add(Thread.ofVirtual().name("sandbox-prepare").start(() -> {
                try {
                    Thread.sleep(PREPARE_AFTER);
                    sandbox.prepare(Duration.ofMinutes(2)); // the launcher's AOT cache: faster session starts
                } catch (InterruptedException e) {
                    return; // closing
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.INFO, "sandbox launcher cache not built ({0}); sessions start a little slower", e.getMessage());
                }
                spares.start(); // after the restore, so the sessions come back first
            }));
            preparing.add(Thread.ofVirtual().name("9p-prepare").start(() -> { // trains against the socket, so after it answers
                try {
                    Thread.sleep(PREPARE_AFTER);
                } catch (InterruptedException e) {
                    return; // closing
                }
                prepareNinep(sandbox);
            }));
            Daemon d = new Daemon(loc, pidFile, server, events, sessions, timers, exits, hooks, spares, preparing);
            long t3 = System.nanoTime();
            LOG.log(System.Logger.Level.INFO, "listening on {0} (pid {1}, state {2}, {3} sessions; set-up {4} ms, restore {5} ms, socket {6} ms)",
                    loc.socket(), String.valueOf(d.pid), loc.stateDir(), sessions.size(),
                    String.valueOf((t1 - t0) / 1_000_000), String.valueOf((t2 - t1) / 1_000_000), String.valueOf((t3 - t2) / 1_000_000));
            return d;
        } catch (Failure | RuntimeException e) {
            closeQuietly(pidFile);
            throw e;
        } catch (IOException e) {
            closeQuietly(pidFile);
            throw new Failure("anvilsrv: cannot serve on " + loc.socket() + ": " + NamespaceDir.reason(e), e);
        }
    }

    /** How long after the socket answers the launcher's and 9p's caches are made, and spares started. */
    private static final Duration PREPARE_AFTER = Duration.ofMillis(250);

    private static void prepareNinep(Sandbox sandbox) {
        try {
            sandbox.prepareNinep(Duration.ofMinutes(2));
        } catch (IOException | InterruptedException e) {
            LOG.log(System.Logger.Level.INFO, "9p for sessions not prepared ({0}); sessions install it when they start", e.getMessage());
        }
    }

    /** The daemon's own tmux server, one per namespace, never the user's. */
    static Path tmuxSocket(Locations loc) {
        return loc.namespaceDir().resolve("tmux");
    }

    /** The tmux server starts with this much of our environment; panes inherit it. */
    private static Map<String, String> tmuxEnv(Map<String, String> env) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : new String[]{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ"}) {
            if (env.containsKey(k)) m.put(k, env.get(k));
        }
        m.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        return m;
    }

    /** The project's directory (where the test agent lives): set by the launchers, else found from the jar. */
    static Path projectHome() {
        String p = System.getProperty("anvillm.home");
        if (p != null) return Path.of(p);
        try {
            Path jar = Path.of(Daemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // srv/target/anvillm.jar or srv/target/classes
            return jar.getParent().getParent().getParent();
        } catch (Exception e) {
            return Path.of(".").toAbsolutePath();
        }
    }

    /** Stops every session (anvilsrv stop --sessions), before the daemon exits. */
    public void stopSessions() {
        sessions.stopAll();
    }

    public Sessions sessions() {
        return sessions;
    }

    /** The message a second daemon, or {@code start} while one runs, fails with. */
    public static Failure alreadyRunning(long pid) {
        return new Failure("anvilsrv already running (pid " + pid + ")");
    }

    private static PidFile takePidFile(Locations loc) throws Failure {
        PidFile p;
        try {
            p = PidFile.lock(loc.pidFile());
        } catch (IOException e) {
            throw new Failure("anvilsrv: cannot open " + loc.pidFile() + ": " + NamespaceDir.reason(e));
        }
        if (p != null) return p;
        throw alreadyRunning(pidOfHolder(loc.pidFile()));
    }

    /** The lock's holder writes its pid right after taking it; give it a moment to do so. */
    private static long pidOfHolder(Path pidFile) {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (true) {
            OptionalLong pid = PidFile.read(pidFile);
            if (pid.isPresent() || System.nanoTime() > deadline) return pid.orElse(-1);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }

    /**
     * We hold the pid file lock, so no anvilsrv serves this namespace: a socket that still answers
     * belongs to something else (an AnviLLM daemon, say) and is left alone; one that doesn't is stale.
     */
    private static void clearStaleSocket(Locations loc) throws Failure, IOException {
        Path socket = loc.socket();
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) return;
        if (Probe.answers(socket, Duration.ofSeconds(2))) {
            OptionalLong pid = PidFile.read(loc.pidFile());
            if (pid.isPresent() && ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false)) {
                throw alreadyRunning(pid.getAsLong());
            }
            throw new Failure("anvilsrv: another 9P server answers on " + socket + "; stop it or set NAMESPACE");
        }
        if (Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new Failure("anvilsrv: " + socket + " is a directory; remove it");
        }
        Files.delete(socket);
        LOG.log(System.Logger.Level.INFO, "removed stale socket {0}", socket);
    }

    static void createPrivateDirs(Path dir) throws Failure {
        try {
            if (Files.isDirectory(dir)) return;
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new Failure("anvilsrv: cannot create " + dir + ": " + NamespaceDir.reason(e));
        }
    }

    public long pid() { return pid; }

    public Locations locations() { return locations; }

    /** Where sessions publish their changes for {@code agent/events}. */
    public EventBus events() { return events; }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException {
        done.await();
    }

    /** Stops serving, removes the socket and the pid file. Safe to call twice, from a shutdown hook. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            server.close();
            // a training run still going is ended with its thread: nothing the daemon started outlives it
            preparing.forEach(Thread::interrupt);
            preparing.forEach(Daemon::join);
            timers.shutdownNow();
            spares.close();
            exits.close();
            try {
                hooks.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "hook watch close: {0}", e.getMessage());
            }
            leaveNothingIdle();
            sessions.services().tmux().close();
        } finally {
            closeQuietly(pidFile);
            done.countDown();
        }
    }

    /**
     * With no session left running, the tmux server holds only dead panes and spare launchers:
     * it goes too, and them with it. With one running it stays, for the next daemon to adopt.
     * What still runs in a pane is ended and reaped by tmux first: killed with the server, it
     * would be left to init to reap.
     */
    private void leaveNothingIdle() {
        if (sessions.list().stream().anyMatch(s -> s.state().live())) return;
        Tmux tmux = sessions.services().tmux();
        try {
            List<Integer> running = tmux.panes().stream().filter(p -> !p.dead() && p.pid() > 0).map(Tmux.Pane::pid).toList();
            running.stream().map(p -> Thread.ofVirtual().start(() -> ProcessTree.end(p, null))).toList().forEach(Daemon::join);
            tmux.reap();
            for (int p : running) Processes.awaitReaped(p, Duration.ofSeconds(1));
            tmux.killServer();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot stop the tmux server: {0}", e.getMessage());
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(PidFile p) {
        try {
            p.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove pid file: {0}", e.getMessage());
        }
    }
}
