package dev.anvillm.srv.supervise;

import dev.anvillm.srv.host.Native;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ends a backend and everything it started: its descendants, and what detached from them without
 * leaving the terminal session the pane made (a double fork keeps the session id). Gracefully
 * first: the backend's interrupt key when a turn runs, then SIGTERM, which agent CLIs handle. A
 * process that ignores SIGTERM, as an interactive shell does, gets the SIGHUP a closing terminal
 * would send it instead of a wait for a signal it will never act on. SIGKILL ends what is left.
 */
public final class ProcessTree {
    static final int SIGHUP = 1, SIGKILL = 9, SIGTERM = 15, SIGCONT = 18;
    private static final Duration INTERRUPT_WAIT = Duration.ofMillis(500);
    private static final Duration TERM_WAIT = Duration.ofSeconds(2);
    private static final Duration KILL_WAIT = Duration.ofSeconds(2);
    private static final Path PROC = Path.of("/proc");

    private ProcessTree() {}

    /**
     * Ends process {@code root} and its tree, and waits until they are gone (or the last wait
     * runs out). {@code interrupt}, when not null, is tried first (a key sent to the pane).
     * Returns how it ended, for {@code info}: "ended on SIGTERM", say.
     */
    public static String end(int root, Runnable interrupt) {
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        collect(root, tree);
        if (gone(tree)) return "had ended";
        if (interrupt != null) {
            interrupt.run();
            if (waitGone(root, tree, INTERRUPT_WAIT)) return "ended on the interrupt key";
        }
        collect(root, tree);
        boolean hup = false;
        for (ProcessHandle h : tree.values()) {
            if (!Processes.running(h)) continue;
            boolean ignoresTerm = ignores(h.pid(), SIGTERM);
            hup |= ignoresTerm;
            signal(h, ignoresTerm ? SIGHUP : SIGTERM);
            // a stopped job acts on neither until it runs again
            if (Processes.stat(h.pid(), Processes.STATE) == 'T') signal(h, SIGCONT);
        }
        if (waitGone(root, tree, TERM_WAIT)) return hup ? "ended on SIGHUP (it ignores SIGTERM)" : "ended on SIGTERM";
        collect(root, tree);
        tree.values().forEach(ProcessHandle::destroyForcibly);
        if (waitGone(root, tree, KILL_WAIT)) return "ended on SIGKILL (SIGTERM was not enough within " + TERM_WAIT.toSeconds() + " s)";
        return "still running " + KILL_WAIT.toSeconds() + " s after SIGKILL";
    }

    /** {@code root}, its descendants and the members of its terminal session, as running now. */
    public static List<ProcessHandle> of(int root) {
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        collect(root, tree);
        return tree.values().stream().filter(Processes::running).toList();
    }

    /**
     * Adds to {@code tree} what belongs to {@code root} now, from one pass over /proc. The
     * session id is trusted only while {@code root} itself exists (a zombie included): until it
     * is reaped its pid, so that id, cannot be anyone else's.
     */
    private static void collect(int root, Map<Long, ProcessHandle> tree) {
        ProcessHandle r = ProcessHandle.of(root).orElse(null);
        if (r == null) return;
        tree.putIfAbsent(r.pid(), r);
        // not a session leader: its session is someone else's
        boolean leader = Processes.stat(root, Processes.SESSION) == root;
        Map<Long, List<Long>> children = new HashMap<>();
        List<Long> members = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                long pid = Long.parseLong(p.getFileName().toString());
                long[] f = Processes.stat(pid, Processes.PPID, Processes.SESSION);
                if (f == null) continue;
                children.computeIfAbsent(f[0], k -> new ArrayList<>()).add(pid);
                if (leader && f[1] == root) members.add(pid);
            }
        } catch (IOException e) {
            // without /proc there is nothing more to find
        }
        Deque<Long> todo = new ArrayDeque<>(tree.keySet());
        todo.addAll(members);
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            if (!tree.containsKey(pid)) {
                ProcessHandle h = ProcessHandle.of(pid).orElse(null);
                if (h == null) continue;
                tree.put(pid, h);
            }
            for (long c : children.getOrDefault(pid, List.of())) if (!tree.containsKey(c)) todo.add(c);
        }
    }

    private static boolean gone(Map<Long, ProcessHandle> tree) {
        return tree.values().stream().noneMatch(Processes::running);
    }

    private static boolean waitGone(int root, Map<Long, ProcessHandle> tree, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            if (gone(tree)) {
                collect(root, tree); // a child forked meanwhile
                if (gone(tree)) return true;
            }
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(10); // polling the processes' end, with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** A signal to {@code h}, unless its pid has since become another process's. */
    private static void signal(ProcessHandle h, int sig) {
        if (h.isAlive()) Native.signal((int) h.pid(), sig);
    }

    /** Whether {@code pid} ignores signal {@code sig} (SigIgn in /proc/pid/status). */
    static boolean ignores(long pid, int sig) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/status"))) {
                if (line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    return (mask >>> (sig - 1) & 1) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

}
