package dev.anvillm.srv;

import dev.anvillm.srv.supervise.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The faults the supervision and durability tests inject, and the waits that follow them. */
public final class Faults {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private Faults() {}

    interface Check {
        boolean holds() throws Exception;
    }

    interface Describe {
        String now() throws Exception;
    }

    /** Polls {@code c} until it holds; fails with {@code what} and the diagnosis after the deadline. */
    static void await(String what, Check c, Describe diagnosis) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " did not happen within " + DEADLINE + "\n" + diagnosis.now());
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    /** Checks that {@code c} keeps holding for {@code d} (what a supervisor must not do cannot be awaited). */
    static void holdsFor(Duration d, String what, Check c, Describe diagnosis) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            if (!c.holds()) throw new AssertionError(what + " stopped holding\n" + diagnosis.now());
            Thread.sleep(50); // polling a condition for a fixed period
        }
    }

    /** `reply`, which blocks until the turn ends: with a deadline, and what the session did when it passes. */
    static String reply(Agents a, String id) throws Exception {
        var f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return a.read(id + "/reply");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        try {
            return f.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // a blocked read does not hold up others on the connection
            throw new AssertionError("no reply from " + id + " within " + DEADLINE + "\n" + a.read(id + "/info") + a.logSoFar(id));
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.io.UncheckedIOException u) throw u.getCause();
            throw e;
        }
    }

    public static long pid(Agents a, String id) throws IOException {
        return Long.parseLong(a.read(id + "/pid").strip());
    }

    /** Waits for a backend other than {@code old} to be up and idle; returns its pid. */
    public static long awaitRestarted(Agents a, String id, long old) throws Exception {
        await("session " + id + " idle with a new backend", () -> pid(a, id) != old && pid(a, id) > 0 && a.state(id).equals("idle"),
                () -> a.diagnosis(id));
        return pid(a, id);
    }

    /** Running: a zombie waiting for tmux to reap it is not. */
    static boolean alive(long pid) {
        return Processes.running(pid);
    }

    /** kill -9, then waits until the process is gone. */
    public static void kill9(long pid) throws Exception {
        signal(pid, "KILL");
        await("pid " + pid + " gone", () -> !alive(pid), () -> "");
    }

    static void signal(long pid, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("kill -" + sig + " " + pid + " failed: " + new String(p.getInputStream().readAllBytes()));
        }
    }

    /** kill -9 of the daemon {@code p}; returns once it has exited. */
    static void killDaemon(Process p) throws Exception {
        signal(p.pid(), "KILL");
        if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("daemon " + p.pid() + " survived kill -9");
    }

    /**
     * Freezes processes with the cgroup v1 freezer: a stop tmux cannot see. (tmux sends SIGCONT to a
     * pane stopped by SIGSTOP or SIGTSTP, and the kernel drops SIGTTIN for a pane, whose process
     * group is orphaned.) A process killed while frozen dies when thawed.
     */
    static final class Freezer implements AutoCloseable {
        private final Path group;

        Freezer(String name) throws IOException {
            Path root = Path.of("/sys/fs/cgroup/freezer");
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(root.resolve("tasks")),
                    "no writable cgroup v1 freezer at " + root + ": cannot freeze a backend without tmux noticing");
            group = root.resolve(name + "-" + ProcessHandle.current().pid());
            Files.createDirectories(group);
        }

        void freeze(long pid) throws Exception {
            // never 0: that would move (and freeze) the writer itself
            if (pid <= 0) throw new AssertionError("no process to freeze (pid " + pid + ")");
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
            Files.writeString(group.resolve("freezer.state"), "FROZEN");
            await("pid " + pid + " frozen", () -> Files.readString(group.resolve("freezer.state")).strip().equals("FROZEN"), () -> "");
        }

        void thaw() throws IOException {
            Files.writeString(group.resolve("freezer.state"), "THAWED");
        }

        @Override
        public void close() throws Exception {
            thaw();
            for (String t : Files.readString(group.resolve("cgroup.procs")).split("\n")) {
                if (!t.isBlank()) Files.writeString(group.getParent().resolve("cgroup.procs"), t.strip());
            }
            Files.delete(group);
        }
    }

    /** Runs tmux against the namespace's own server. */
    static String tmux(TestNamespace ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", ns.tmuxSocket().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS)) throw new AssertionError("tmux " + String.join(" ", args) + " hung");
        return out;
    }

    /** Types {@code text} and Enter into the session's window, as a person at the terminal would. */
    static void typeInWindow(TestNamespace ns, String id, String text) throws Exception {
        tmux(ns, "send-keys", "-t", "=" + id + ":", "-l", text);
        tmux(ns, "send-keys", "-t", "=" + id + ":", "Enter");
    }

    /** One field of `info`, or null. */
    public static String info(Agents a, String id, String key) throws IOException {
        for (String line : a.read(id + "/info").split("\n")) {
            if (line.startsWith(key + "\t")) return line.substring(key.length() + 1);
        }
        return null;
    }

    public static List<String> infoAll(Agents a, String id, String key) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : a.read(id + "/info").split("\n")) {
            if (line.startsWith(key + "\t")) out.add(line.substring(key.length() + 1));
        }
        return out;
    }

    /** When the daemon logged an EVENT line containing {@code text} (its timestamp), or null. */
    static Instant eventTime(String log, String text) {
        Matcher m = Pattern.compile("(?m)^EVENT: (\\S+) .*" + Pattern.quote(text)).matcher(log);
        return m.find() ? Instant.parse(m.group(1)) : null;
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) n++;
        return n;
    }

    /** The session's directory in the durable store. */
    static Path sessionDir(TestNamespace ns, String id) {
        return ns.locations().stateDir().resolve("sessions").resolve(id);
    }

    /** The session's hook file (what the backend reports, appended by the backend itself). */
    static Path hookFile(TestNamespace ns, String id) {
        return ns.locations().stateDir().resolve("run").resolve(id).resolve("hooks.jsonl");
    }

    static int hookEvents(TestNamespace ns, String id, String name) throws IOException {
        Path f = hookFile(ns, id);
        return Files.exists(f) ? count(Files.readString(f), "\"hook_event_name\":\"" + name + "\"") : 0;
    }
}
