package dev.anvillm.srv.namespace;

import dev.anvillm.ninep.server.Access;
import dev.anvillm.ninep.server.NinepServer;
import dev.anvillm.ninep.server.ServerLimits;
import dev.anvillm.srv.session.EventBus;
import dev.anvillm.srv.tree.AgentTree;
import dev.anvillm.srv.tree.Backends;
import dev.anvillm.srv.tree.Sessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
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
    private final long pid = ProcessHandle.current().pid();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    private Daemon(Locations locations, PidFile pidFile, NinepServer server, EventBus events) {
        this.locations = locations;
        this.pidFile = pidFile;
        this.server = server;
        this.events = events;
    }

    /**
     * Checks the namespace, takes the pid file, clears a stale socket and starts serving. Fails with
     * {@code anvilsrv already running (pid N)} when a live daemon has the namespace.
     */
    public static Daemon start(Locations loc) throws Failure {
        NamespaceDir.prepare(loc.namespaceDir());
        createPrivateDirs(loc.stateDir());
        PidFile pidFile = takePidFile(loc);
        try {
            clearStaleSocket(loc);
            pidFile.write(ProcessHandle.current().pid());
            EventBus events = new EventBus();
            AgentTree tree = new AgentTree(Sessions.NONE, Backends.NONE, events, loc.home());
            NinepServer server = NinepServer.start(loc.socket(), (principal, uname, aname) -> tree.root(),
                    Access.sameUser(NamespaceDir.currentUid()), ServerLimits.DEFAULT);
            Daemon d = new Daemon(loc, pidFile, server, events);
            LOG.log(System.Logger.Level.INFO, "listening on {0} (pid {1}, state {2})", loc.socket(), String.valueOf(d.pid), loc.stateDir());
            return d;
        } catch (Failure | RuntimeException e) {
            closeQuietly(pidFile);
            throw e;
        } catch (IOException e) {
            closeQuietly(pidFile);
            throw new Failure("anvilsrv: cannot serve on " + loc.socket() + ": " + NamespaceDir.reason(e), e);
        }
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
        } finally {
            closeQuietly(pidFile);
            done.countDown();
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
