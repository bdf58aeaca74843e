package dev.anvillm.srv.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about processes that ProcessHandle gets wrong for supervision. */
public final class Processes {
    /** Fields of /proc/pid/stat, numbered as proc(5) numbers them. */
    static final int STATE = 3, PPID = 4, SESSION = 6, UTIME = 14, STIME = 15, CUTIME = 16, CSTIME = 17;

    private Processes() {}

    /**
     * Alive and not a zombie. A backend that has exited stays a zombie until tmux reaps it (and
     * Debian's tmux sometimes misses the SIGCHLD), but it is gone for every purpose of ours.
     */
    public static boolean running(ProcessHandle h) {
        if (!h.isAlive()) return false;
        long state = stat(h.pid(), STATE);
        return state != -1 && state != 'Z'; // -1: gone between the two looks
    }

    public static boolean running(long pid) {
        return ProcessHandle.of(pid).map(Processes::running).orElse(false);
    }

    /** Exited, and not yet reaped by its parent. */
    public static boolean zombie(long pid) {
        return stat(pid, STATE) == 'Z';
    }

    /** Waits up to {@code max} for {@code pid} to be gone from /proc: exited and reaped by its parent. */
    public static boolean awaitReaped(long pid, java.time.Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        Path proc = Path.of("/proc", Long.toString(pid));
        while (Files.exists(proc)) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(5); // polling the parent's wait, with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Field {@code n} of /proc/pid/stat: the state as its character, the others as numbers;
     * -1 when it cannot be read (the process is gone).
     */
    static long stat(long pid, int n) {
        long[] f = stat(pid, new int[]{n});
        return f == null ? -1 : f[0];
    }

    /** Fields {@code ns} of /proc/pid/stat, as {@link #stat(long, int)} reads one; null when the process is gone. */
    static long[] stat(long pid, int... ns) {
        String s;
        try {
            s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return null;
        }
        // pid (comm) state ppid pgrp session ...: comm may hold any character, so count from the last ')'
        int close = s.lastIndexOf(')');
        if (close < 0 || close + 2 >= s.length()) return null;
        String[] f = s.substring(close + 2).split(" ");
        long[] out = new long[ns.length];
        for (int k = 0; k < ns.length; k++) {
            int i = ns[k] - STATE;
            if (i < 0 || i >= f.length || f[i].isEmpty()) return null;
            if (ns[k] == STATE) {
                out[k] = f[i].charAt(0);
                continue;
            }
            try {
                out[k] = Long.parseLong(f[i]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return out;
    }

    /**
     * Waits for {@code p} (a helper the daemon started) to exit, at most {@code max}; true when it
     * did. Whatever ends the wait, a timeout or an interrupt (the daemon closing), neither it nor
     * what it started outlives it: they are killed then. (An AOT training run's JVM starts a
     * second JVM to assemble the cache; killed alone, it left that one running, orphaned, for
     * seconds of CPU after the daemon had stopped.)
     */
    public static boolean awaitOrEnd(Process p, java.time.Duration max) throws InterruptedException {
        try {
            return p.waitFor(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }
}
