package dev.anvillm.srv.supervise;

import dev.anvillm.srv.host.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notices a process's exit as it happens: one pidfd per watched pid (pidfd_open works for
 * processes that are not our children, like tmux's panes), all polled by one thread. The
 * supervisor's periodic sweep remains the safety net.
 */
public final class ExitWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("anvilsrv");
    private static final int POLL_MS = 100;

    private record Watch(int pid, int fd, Runnable onExit) {}

    private final Map<Integer, Watch> watches = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    public ExitWatch() {
        thread = Thread.ofPlatform().daemon().name("exit-watch").start(this::loop);
    }

    /**
     * Calls {@code onExit} (on the watch thread; keep it short) once {@code pid} has exited —
     * at once if it is already gone.
     */
    public void watch(int pid, Runnable onExit) {
        int fd;
        try {
            fd = (int) Native.call(Native.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        } catch (RuntimeException e) {
            fd = -1;
        }
        if (fd < 0) {
            onExit.run(); // no such process: it has already exited
            return;
        }
        Watch old = watches.put(pid, new Watch(pid, fd, onExit));
        if (old != null) close(old.fd());
    }

    public void unwatch(int pid) {
        Watch w = watches.remove(pid);
        if (w != null) close(w.fd());
    }

    private static void close(int fd) {
        try {
            Native.close(fd);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "close({0}) failed", fd);
        }
    }

    private void loop() {
        while (!closed) {
            List<Watch> now = new ArrayList<>(watches.values());
            if (now.isEmpty()) {
                sleepQuietly();
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment fds = arena.allocate(8L * now.size(), 4);
                for (int i = 0; i < now.size(); i++) {
                    fds.set(ValueLayout.JAVA_INT, 8L * i, now.get(i).fd());
                    fds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, Native.POLLIN);
                    fds.set(ValueLayout.JAVA_SHORT, 8L * i + 6, (short) 0);
                }
                int n = Native.poll(fds, now.size(), POLL_MS);
                if (n <= 0) continue;
                for (int i = 0; i < now.size(); i++) {
                    short revents = fds.get(ValueLayout.JAVA_SHORT, 8L * i + 6);
                    if (revents == 0) continue;
                    Watch w = now.get(i);
                    if (watches.remove(w.pid(), w)) {
                        close(w.fd());
                        if (Processes.running(w.pid())) {
                            // not an exit: a multithreaded process ran execve from a thread other than its
                            // first (a spare launcher's JVM execs the backend from Java's main thread), and
                            // its first thread's end woke the pidfd; the pid lives on, running the new program
                            watch(w.pid(), w.onExit());
                            continue;
                        }
                        try {
                            w.onExit().run();
                        } catch (RuntimeException e) {
                            LOG.log(System.Logger.Level.ERROR, "exit handler for pid " + w.pid() + " failed", e);
                        }
                    }
                }
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "exit watch: poll failed", t);
                sleepQuietly();
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        watches.values().forEach(w -> close(w.fd()));
        watches.clear();
    }
}
