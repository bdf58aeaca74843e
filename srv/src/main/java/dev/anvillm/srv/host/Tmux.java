package dev.anvillm.srv.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one place that runs tmux. The daemon has its own tmux server (its own socket, no config
 * file, a minimal environment), one tmux session per agent session named by its id. Every
 * command is an argv: nothing a user wrote is ever handed to a shell. Each call has a timeout.
 */
public final class Tmux {
    private static final long TIMEOUT_MS = 10_000;
    /** How long a killed pane's process is watched for, to have it reaped. */
    private static final long REAP_WAIT_MS = 10_000;
    /** Keeps a new tmux session alive while its options are set, before the backend replaces it. */
    private static final List<String> PLACEHOLDER = List.of("sleep", "2147483647");

    private final Path socket;
    private final Map<String, String> serverEnv;

    /**
     * @param socket    the tmux server's socket (per namespace)
     * @param serverEnv the environment the tmux server starts with; panes inherit it
     */
    public Tmux(Path socket, Map<String, String> serverEnv) {
        this.socket = socket;
        this.serverEnv = Map.copyOf(serverEnv);
    }

    public Path socket() {
        return socket;
    }

    /** What a failed tmux command said. */
    public static final class TmuxException extends IOException {
        public TmuxException(String message) {
            super(message);
        }
    }

    /** A pane as tmux lists it. */
    public record Pane(String session, int pid, boolean dead, int deadStatus, int deadSignal) {}

    /**
     * Creates session {@code name} running {@code argv} in {@code cwd} with {@code env} added,
     * keeping the pane after the process exits (so its exit status can be read). Returns the pid.
     */
    public int start(String name, Path cwd, Map<String, String> env, List<String> argv, int width, int height) throws IOException {
        return start(name, cwd, env, argv, width, height, true);
    }

    /**
     * As {@link #start(String, Path, Map, List, int, int)}; {@code keepDeadPane} false for a
     * spare launcher, whose pane (and session) should vanish if it exits before it is taken.
     */
    public int start(String name, Path cwd, Map<String, String> env, List<String> argv, int width, int height, boolean keepDeadPane)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("new-session", "-d", "-s", name, "-x", Integer.toString(width),
                "-y", Integer.toString(height), "-c", cwd.toString()));
        cmd.addAll(PLACEHOLDER);
        if (keepDeadPane) cmd.addAll(List.of(";", "set-option", "-t", name, "remain-on-exit", "on"));
        cmd.addAll(List.of(";", "set-option", "-t", name, "history-limit", "10000"));
        cmd.add(";");
        cmd.addAll(respawnArgs(name, cwd, env, argv));
        return runPrintingPid(cmd, name);
    }

    /** Replaces the (usually dead) process of session {@code name}; returns the new pid. */
    public int respawn(String name, Path cwd, Map<String, String> env, List<String> argv) throws IOException {
        return runPrintingPid(respawnArgs(name, cwd, env, argv), name);
    }

    /** Runs {@code cmd} and, in the same tmux invocation, prints the pane's pid: one process, not two. */
    private int runPrintingPid(List<String> cmd, String name) throws IOException {
        List<String> all = new ArrayList<>(cmd);
        all.addAll(List.of(";", "display-message", "-p", "-t", target(name), "#{pane_pid}"));
        String[] lines = run(all, null).trim().split("\n");
        try {
            return Integer.parseInt(lines[lines.length - 1].trim());
        } catch (NumberFormatException e) {
            throw new TmuxException("tmux gave no pane pid for " + name + ": " + String.join(" ", lines));
        }
    }

    private static List<String> respawnArgs(String name, Path cwd, Map<String, String> env, List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of("respawn-pane", "-k", "-t", target(name), "-c", cwd.toString()));
        env.forEach((k, v) -> {
            cmd.add("-e");
            cmd.add(k + "=" + v);
        });
        // tmux hands a single-word command to sh -c; two or more words are exec'd as they are.
        if (argv.size() == 1) cmd.add("env");
        // a lone ";" separates tmux commands; an argument that is one must be escaped to stay itself
        for (String a : argv) cmd.add(a.equals(";") ? "\\;" : a);
        return cmd;
    }

    private static String target(String name) {
        return "=" + name + ":";
    }

    public int panePid(String name) throws IOException {
        String out = run(List.of("display-message", "-p", "-t", target(name), "#{pane_pid}"), null).trim();
        try {
            return Integer.parseInt(out);
        } catch (NumberFormatException e) {
            throw new TmuxException("tmux gave no pane pid for " + name + ": " + out);
        }
    }

    /** Every pane of the server, or an empty list when the server is not running. */
    public List<Pane> panes() throws IOException {
        if (!serverRunning()) return List.of();
        String out = run(List.of("list-panes", "-a", "-F",
                "#{session_name}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}"), null);
        List<Pane> panes = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length < 5) continue;
            panes.add(new Pane(f[0], parse(f[1]), f[2].equals("1"), parse(f[3]), parse(f[4])));
        }
        return panes;
    }

    private static int parse(String s) {
        try {
            return s.isEmpty() ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The pane of session {@code name} once tmux has recorded its exit status. Debian's tmux
     * (built with libutempter) sometimes misses a child's exit and never fills in the status;
     * a SIGCHLD to the server makes it look again. Returns the last listing seen (possibly
     * still alive) when {@code deadlineMs} passes, or null when there is no such pane.
     */
    public Pane deadPane(String name, long deadlineMs) throws IOException {
        long end = System.currentTimeMillis() + deadlineMs;
        Pane last = null;
        boolean nudged = false;
        while (true) {
            last = null;
            for (Pane p : panes()) if (p.session().equals(name)) last = p;
            if (last == null || last.dead() && (last.deadStatus() >= 0 || last.deadSignal() > 0)) return last;
            if (System.currentTimeMillis() > end) return last;
            if (!nudged) {
                reap();
                nudged = true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return last;
            }
        }
    }

    /** Has the server reap the children whose exit it missed (a SIGCHLD to it). */
    public void reap() {
        try {
            nudge(Integer.parseInt(run(List.of("display-message", "-p", "#{pid}"), null).trim()));
        } catch (IOException | NumberFormatException e) {
            // no server: nothing to nudge
        }
    }

    /** A SIGCHLD to tmux server {@code serverPid}: it then reaps and records every child that has exited. */
    private static void nudge(int serverPid) {
        if (serverPid > 0) Native.signal(serverPid, Native.SIGCHLD);
    }

    public boolean serverRunning() {
        try {
            run(List.of("list-sessions", "-F", "#{session_name}"), null);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public boolean hasSession(String name) {
        try {
            run(List.of("has-session", "-t", "=" + name), null);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Pastes {@code text} into the pane as one bracketed paste (when the program asked for
     * bracketed paste), newlines kept as they are. The text travels on tmux's stdin.
     */
    public void paste(String name, String text) throws IOException {
        String buffer = "anvillm-" + name;
        run(List.of("load-buffer", "-b", buffer, "-"), text.getBytes(StandardCharsets.UTF_8));
        run(List.of("paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", target(name)), null);
    }

    /** Sends key names (Enter, Escape, C-c) to the pane. */
    public void keys(String name, String... keys) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("send-keys", "-t", target(name)));
        cmd.addAll(List.of(keys));
        run(cmd, null);
    }

    /** The visible screen (and {@code history} lines above it), escape codes removed. */
    public String capture(String name, int history) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("capture-pane", "-p", "-J", "-t", target(name)));
        if (history > 0) cmd.addAll(List.of("-S", "-" + history));
        return run(cmd, null);
    }

    /**
     * Renames session {@code from} to {@code to} and keeps its pane once dead, as {@link #start}
     * does: a spare launcher's session becomes an agent session.
     */
    public void rename(String from, String to) throws IOException {
        run(List.of("rename-session", "-t", "=" + from, to, ";", "set-option", "-t", target(to), "remain-on-exit", "on"), null);
    }

    /**
     * Puts the pane of session {@code from} in the place of {@code to}'s (a spare launcher takes
     * the place of a session's dead pane, attached clients see it there) and kills {@code from},
     * which then holds the old pane.
     */
    public void swapIn(String from, String to) throws IOException {
        run(List.of("swap-pane", "-d", "-s", target(from), "-t", target(to), ";", "kill-session", "-t", "=" + from), null);
    }

    /**
     * Kills session {@code name}. Debian's tmux can miss the exit of a pane it kills (its
     * utmp helper runs at that moment) and leave a zombie; so once the pane's process has died
     * the server is nudged to reap it, in the background.
     */
    public void kill(String name) throws IOException {
        String[] pids = run(List.of("display-message", "-p", "-t", target(name), "#{pane_pid} #{pid}", ";",
                "kill-session", "-t", "=" + name), null).trim().split(" ");
        if (pids.length != 2) return;
        int pane = parse(pids[0]), server = parse(pids[1]);
        if (pane > 0) Thread.ofVirtual().name("reap-" + pane).start(() -> reap(pane, server));
    }

    private static void reap(int pid, int server) {
        Path stat = Path.of("/proc", Integer.toString(pid), "stat");
        long end = System.nanoTime() + REAP_WAIT_MS * 1_000_000;
        boolean nudged = false;
        while (System.nanoTime() < end) {
            String s;
            try {
                s = java.nio.file.Files.readString(stat);
            } catch (IOException e) {
                return; // reaped
            }
            // the state follows the command name in parentheses, which may itself hold any character
            int close = s.lastIndexOf(')');
            if (close > 0 && close + 2 < s.length() && s.charAt(close + 2) == 'Z' && !nudged) {
                nudge(server);
                nudged = true;
            }
            try {
                Thread.sleep(20); // polling the process's end, with a deadline
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Kills the server, so every pane's process gets the hangup of its terminal, and waits (a
     * little) for the server to be gone: once it is, its dead panes are too.
     */
    public void killServer() throws IOException {
        if (!serverRunning()) return;
        int server = parse(run(List.of("display-message", "-p", "#{pid}", ";", "kill-server"), null).trim());
        if (server > 0) Native.awaitExit(server, TIMEOUT_MS); // if it lingers, it goes on its own
    }

    /** The argv that attaches a terminal to session {@code name}. */
    public List<String> attachCommand(String name) {
        return List.of("tmux", "-S", socket.toString(), "attach-session", "-t", "=" + name);
    }

    /** Runs {@code tmux -S socket -f /dev/null args...}; returns stdout or throws with stderr. */
    public String run(List<String> args, byte[] stdin) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(serverEnv);
        pb.redirectErrorStream(false);
        Process p = pb.start();
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin);
        }
        try {
            if (!p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new TmuxException("tmux " + args.getFirst() + " timed out after " + TIMEOUT_MS + " ms");
            }
            String stdout = new String(out.get(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                String stderr = new String(err.get(), StandardCharsets.UTF_8).trim();
                throw new TmuxException("tmux " + args.getFirst() + ": " + (stderr.isEmpty() ? "exit " + p.exitValue() : stderr));
            }
            return stdout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new TmuxException("interrupted while running tmux " + args.getFirst());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new TmuxException("tmux " + args.getFirst() + ": " + e.getCause());
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                s.transferTo(b);
                return b.toByteArray();
            } catch (IOException e) {
                return new byte[0];
            }
        }, Thread::startVirtualThread);
    }
}
