package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.host.Native;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.supervise.Processes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Spare launchers: the built-in launcher is a JVM, and its start is most of a session's start.
 * So the daemon keeps a few already running, each in a tmux session of its own ({@code spare-N}),
 * warmed up and blocked on a fifo in the state directory (which no session can write). A new
 * session takes one: the daemon writes the launch request into its fifo and renames its tmux
 * session to the session's id (or, for a restart, swaps its pane into the session's window);
 * the spare then sandboxes itself and execs the backend exactly as a cold launch would. When
 * none is ready the launch is a cold one, as before. Spares a killed daemon left behind are
 * killed by the next one, and exit by themselves when their daemon is gone.
 */
public final class Spares implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    /** tmux session names of spares; agent sessions are 8 hex digits, so they never clash. */
    public static final String PREFIX = "spare-";
    /** A new spare starts once launches have paused this long: not while sessions are starting. */
    private static final long REFILL_DELAY_MS = 400;
    /** How long a launch waits for a spare still warming up before it goes cold (starting a second JVM beside it). */
    private static final long WARMING_WAIT_MS = 250;
    private static final int WIDTH = 200, HEIGHT = 50;

    private record Spare(String name, int pid, Path fifo, List<String> argv) {}

    private final Tmux tmux;
    private final BuiltInLauncher launcher;
    private final Path dir;
    private final ScheduledExecutorService timers;
    private final IntSupplier target;
    private final Deque<Spare> ready = new ArrayDeque<>();
    private int starting;
    private long seq;
    private boolean started, closed;
    private ScheduledFuture<?> refill;

    /**
     * @param target how many spares to keep (sandbox.yaml {@code advanced.spare_launchers}, read when it is needed)
     */
    Spares(Tmux tmux, BuiltInLauncher launcher, Path dir, ScheduledExecutorService timers, IntSupplier target) {
        this.tmux = tmux;
        this.launcher = launcher;
        this.dir = dir;
        this.timers = timers;
        this.target = target;
    }

    /** Kills the spares an earlier daemon left, then starts this one's. Call once, after the sessions are restored. */
    public void start() {
        try {
            for (Tmux.Pane p : tmux.panes()) {
                if (p.session().startsWith(PREFIX)) tmux.kill(p.session());
            }
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> old = Files.newDirectoryStream(dir)) {
                    for (Path f : old) Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "spare launchers: cannot clear the old ones: {0}", e.getMessage());
        }
        synchronized (this) {
            started = true;
        }
        fill();
    }

    /** Starts spares until {@link #target} are ready or starting. */
    private void fill() {
        while (true) {
            String name;
            synchronized (this) {
                if (!started || closed || ready.size() + starting >= Math.max(0, target.getAsInt())) return;
                starting++;
                name = PREFIX + ++seq;
            }
            Spare up = null;
            try {
                up = launch(name);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "spare launchers: cannot start one ({0}); sessions start cold", e.getMessage());
            } finally {
                boolean keep;
                synchronized (this) {
                    starting--;
                    keep = up != null && !closed;
                    if (keep) ready.add(up);
                }
                if (up != null && !keep) discard(up);
            }
            if (up == null) return;
        }
    }

    private Spare launch(String name) throws IOException {
        Path fifo = dir.resolve(name);
        Files.createDirectories(dir);
        Files.deleteIfExists(fifo);
        int r = Native.mkfifo(fifo);
        if (r != 0) throw new IOException("mkfifo " + fifo + ": errno " + -r);
        List<String> argv = launcher.spareArgv(fifo, ProcessHandle.current().pid());
        // the environment of the daemon's tmux server, which has none of Sandbox.JVM_ENV
        int pid = tmux.start(name, Path.of("/"), Map.of(), argv, WIDTH, HEIGHT, false);
        return new Spare(name, pid, fifo, argv);
    }

    /**
     * Hands the launch in {@code w} to a ready spare, which becomes tmux session {@code id}
     * ({@code replace}: that session exists, its dead pane is swapped out). Returns the pid,
     * which becomes the backend's, or -1 when no spare was ready: launch cold then.
     */
    public int claim(String id, Path cwd, Sandbox.Wrapped w, boolean replace) {
        if (w.builtIn() == null || !Native.supported()) return -1;
        try {
            while (true) {
                Spare s;
                synchronized (this) {
                    s = ready.poll();
                }
                if (s == null) {
                    refillLater();
                    return -1;
                }
                int fd = open(s);
                if (fd == -Native.ENXIO) {
                    // still warming up (or hung): it stays, and this launch goes cold
                    synchronized (this) {
                        ready.addFirst(s);
                    }
                    refillLater();
                    return -1;
                }
                if (fd < 0) {
                    // died, or its fifo is gone: try the next
                    LOG.log(System.Logger.Level.WARNING, "spare launcher {0} (pid {1}) exited before it was needed; to see why, "
                            + "run its command by hand: {2}", s.name(), String.valueOf(s.pid()), String.join(" ", s.argv()));
                    discard(s);
                    continue;
                }
                try {
                    Native.blocking(fd);
                    if (replace) {
                        tmux.swapIn(s.name(), id);
                    } else {
                        tmux.rename(s.name(), id);
                    }
                } catch (IOException e) {
                    Native.close(fd); // the spare reads no request and exits
                    discard(s);
                    LOG.log(System.Logger.Level.WARNING, "spare launchers: {0}", e.getMessage());
                    return -1;
                }
                int r = Native.writeAll(fd, request(cwd, w));
                Native.close(fd);
                try {
                    Files.deleteIfExists(s.fifo());
                } catch (IOException e) {
                    // the next daemon start clears it
                }
                refillLater();
                if (r != 0) {
                    // the spare died between its open and the request: the pane is dead, as a crash at start would leave it
                    LOG.log(System.Logger.Level.WARNING, "spare launchers: {0} died before it read its request (errno {1})", s.name(), -r);
                }
                return s.pid();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "spare launchers: {0}", String.valueOf(e.getMessage()));
            return -1;
        }
    }

    /**
     * Opens the fifo of {@code s} for writing without blocking: an fd once the spare waits on it,
     * {@code -ENXIO} while it warms up (waited for up to {@link #WARMING_WAIT_MS}), another
     * {@code -errno} when it is gone.
     */
    private int open(Spare s) {
        long end = System.nanoTime() + WARMING_WAIT_MS * 1_000_000;
        while (true) {
            int fd = Native.open(s.fifo(), Native.O_WRONLY | Native.O_NONBLOCK | Native.O_CLOEXEC);
            if (fd != -Native.ENXIO) return fd;
            if (!ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false)) return -Native.ESRCH;
            if (System.nanoTime() > end) return fd;
            try {
                Thread.sleep(5); // polling the spare's readiness, with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fd;
            }
        }
    }


    /**
     * Starts the next spare once no launch has come for {@link #REFILL_DELAY_MS}: a spare
     * warming up takes a core for a while, which a burst of launches needs more.
     */
    private void refillLater() {
        synchronized (this) {
            if (refill != null) refill.cancel(false);
            try {
                refill = timers.schedule(() -> Thread.ofVirtual().name("spare-fill").start(this::fill), REFILL_DELAY_MS, TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                // the daemon is closing
            }
        }
    }

    /** The request a spare reads: see {@code LandlockExec.spare}. */
    public static byte[] request(Path cwd, Sandbox.Wrapped w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        field(out, LandlockExec.SPARE_HEADER);
        field(out, cwd.toString());
        field(out, w.builtIn().policy().toString());
        field(out, Integer.toString(w.builtIn().argv().size()));
        for (String a : w.builtIn().argv()) field(out, a);
        w.plan().env().forEach((k, v) -> field(out, k + "=" + v));
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    private void discard(Spare s) {
        try {
            tmux.kill(s.name());
        } catch (IOException e) {
            // already gone
        }
        try {
            Files.deleteIfExists(s.fifo());
        } catch (IOException e) {
            // the next daemon start clears it
        }
    }

    /**
     * Kills the spares (the daemon is stopping) and waits a moment for tmux to reap them: the
     * tmux server may go next, and what it has not reaped would be left to init.
     */
    @Override
    public void close() {
        List<Spare> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(ready);
            ready.clear();
        }
        for (Spare s : all) discard(s);
        for (Spare s : all) Processes.awaitReaped(s.pid(), Duration.ofSeconds(1));
    }
}
