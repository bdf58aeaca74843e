package dev.anvillm.srv.claude;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A private tmux server ({@code tmux -L <unique>}) for one test, driven by argv only: no command
 * line of ours goes through a shell. Panes stay after their process exits so the exit status and
 * last screen can be read.
 */
final class TmuxServer implements AutoCloseable {
    private static final String TMUX = "/usr/bin/tmux";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    /** How long an unreaped pane process may stay a zombie before the server is nudged. */
    private static final Duration ZOMBIE_GRACE = Duration.ofMillis(200);

    private final Map<String, Long> zombieSince = new ConcurrentHashMap<>();
    private final String socket = "anvillm-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final Path config;

    TmuxServer(Path dir) throws IOException {
        config = dir.resolve("tmux-" + socket + ".conf");
        // remain-on-exit from the config, so it holds before the first process can exit;
        // focus-events so Claude Code does not print its "tmux focus-events off" tip.
        Files.writeString(config, "set -g remain-on-exit on\nset -g focus-events on\nset -g history-limit 5000\n");
    }

    /** Starts {@code argv} in a new detached session named {@code name}, 200x50, in {@code cwd}. */
    void newSession(String name, Path cwd, Map<String, String> env, List<String> argv) throws IOException {
        var cmd = new ArrayList<>(List.of(TMUX, "-L", socket, "-f", config.toString(),
                "new-session", "-d", "-s", name, "-x", "200", "-y", "50", "-c", cwd.toString()));
        env.forEach((k, v) -> cmd.addAll(List.of("-e", k + "=" + v)));
        cmd.add("--");
        cmd.addAll(argv);
        run(cmd, null);
    }

    /** The visible screen of the session's pane, plain text (no escape codes). */
    String capture(String target) throws IOException {
        return run(List.of(TMUX, "-L", socket, "capture-pane", "-p", "-t", target), null);
    }

    /** The screen and the scrollback above it: what a process printed just before exiting may have scrolled off. */
    String captureWithHistory(String target) throws IOException {
        return run(List.of(TMUX, "-L", socket, "capture-pane", "-p", "-S", "-", "-t", target), null);
    }

    /** Pastes {@code text} into the pane as one bracketed paste (the text goes to tmux on stdin). */
    void paste(String target, String text) throws IOException {
        String buffer = "anvillm-" + UUID.randomUUID().toString().substring(0, 8);
        run(List.of(TMUX, "-L", socket, "load-buffer", "-b", buffer, "-"), text);
        run(List.of(TMUX, "-L", socket, "paste-buffer", "-p", "-d", "-b", buffer, "-t", target), null);
    }

    void sendKeys(String target, String... keys) throws IOException {
        var cmd = new ArrayList<>(List.of(TMUX, "-L", socket, "send-keys", "-t", target));
        cmd.addAll(List.of(keys));
        run(cmd, null);
    }

    /**
     * The exit status once the pane's process has ended, else -1.
     *
     * <p>Debian's tmux can miss a pane's exit: when the pane's pty closes it runs libutempter,
     * which sets SIGCHLD to SIG_DFL while it waits for its helper, and a SIGCHLD arriving in that
     * window (the pane process exiting at the same moment) is discarded. The process then stays a
     * zombie and tmux never reports {@code pane_dead_status}. So when the pane's process is a
     * zombie, nudge the server with SIGCHLD: its handler reaps every exited child.
     */
    int exitStatus(String target) throws IOException {
        String[] f = run(List.of(TMUX, "-L", socket, "display-message", "-p", "-t", target,
                "#{pane_dead_status} #{pane_pid} #{pid}"), null).strip().split(" ");
        if (f.length == 3) return Integer.parseInt(f[0]);
        if (f.length == 2 && isZombie(f[0])
                && System.nanoTime() - zombieSince.computeIfAbsent(f[0], pid -> System.nanoTime()) > ZOMBIE_GRACE.toNanos()) {
            System.err.println("TmuxServer: pane process " + f[0] + " is a zombie tmux has not reaped; sending SIGCHLD to " + f[1]);
            try {
                new ProcessBuilder("kill", "-s", "CHLD", f[1]).inheritIO().start().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return -1;
    }

    private static boolean isZombie(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls the screen until {@code ready} holds; fails with the last screen when the deadline passes. */
    String awaitScreen(String target, Predicate<String> ready, Duration timeout, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = capture(target);
            if (ready.test(screen)) return screen;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; screen:\n" + screen);
    }

    int awaitExit(String target, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            int status = exitStatus(target);
            if (status >= 0) return status;
            Thread.sleep(50);
        }
        throw new AssertionError("pane " + target + " still running after " + timeout + "; processes:\n"
                + processTree(target) + "\nscreen:\n" + captureWithHistory(target));
    }

    /** The pane's process and descendants with their thread states, and the tmux server's: for failure messages. */
    String processTree(String target) throws IOException {
        String pid = run(List.of(TMUX, "-L", socket, "display-message", "-p", "-t", target, "#{pane_pid}"), null).strip();
        var sb = new StringBuilder();
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(root -> Stream.concat(
                Stream.of(root), root.descendants()).forEach(p -> sb.append(p.pid()).append(' ')
                .append(p.info().commandLine().orElse("?")).append(' ').append(threadStates(p.pid())).append('\n')));
        try {
            sb.append("pane process: ").append(Files.readAllLines(Path.of("/proc", pid, "status")).stream()
                    .filter(l -> l.startsWith("PPid") || l.startsWith("State") || l.startsWith("Name")).toList()).append('\n');
        } catch (IOException e) {
            sb.append("pane process ").append(pid).append(": no /proc entry\n");
        }
        String server = run(List.of(TMUX, "-L", socket, "display-message", "-p", "#{pid}"), null).strip();
        try {
            sb.append("tmux server ").append(server).append(": ").append(Files.readAllLines(Path.of("/proc", server, "status"))
                    .stream().filter(l -> l.startsWith("State") || l.startsWith("SigBlk") || l.startsWith("SigCgt")).toList())
                    .append(" threads ").append(threadStates(Long.parseLong(server)));
        } catch (IOException e) {
            sb.append("tmux server ").append(server).append(": no /proc entry");
        }
        return sb.toString();
    }

    /** "state/wchan" of each thread, from /proc: tells a zombie from a process stuck somewhere. */
    private static String threadStates(long pid) {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                    return t.getFileName() + ":" + state + "/" + Files.readString(t.resolve("wchan")).strip();
                } catch (IOException e) {
                    return t.getFileName() + ":?";
                }
            }).toList().toString();
        } catch (IOException e) {
            return "(no /proc entry)";
        }
    }

    /**
     * Kills the server and waits (a bounded time) for the panes' processes to end: Claude Code still
     * writes its files for a moment after SIGHUP, which would race the deletion of a test's temp dir.
     */
    @Override
    public void close() throws IOException {
        List<ProcessHandle> panes = new ArrayList<>();
        try {
            for (String pid : run(List.of(TMUX, "-L", socket, "list-panes", "-a", "-F", "#{pane_pid}"), null).split("\\s+"))
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(panes::add);
            run(List.of(TMUX, "-L", socket, "kill-server"), null);
        } catch (IOException e) {
            // no server (never started, or already gone): nothing to clean up
        }
        long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
        for (ProcessHandle p : panes) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        Files.deleteIfExists(config);
    }

    private static String run(List<String> cmd, String stdin) throws IOException {
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // The first command starts the server, whose environment every pane inherits: keep the
        // caller's own agent settings (CLAUDECODE, ANTHROPIC_API_KEY...) out of the test.
        pb.environment().keySet().removeIf(k -> k.startsWith("CLAUDE") || k.startsWith("ANTHROPIC") || k.startsWith("TMUX"));
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("tmux did not finish in " + COMMAND_TIMEOUT + ": " + cmd);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for tmux", e);
        }
        if (p.exitValue() != 0) throw new IOException("tmux failed (" + p.exitValue() + "): " + cmd + ": " + out.strip());
        return out;
    }
}
