package dev.anvillm.srv.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one place that runs tmux. The daemon has its own tmux server (its own socket, no config
 * file, a minimal environment), one tmux session per agent session named by its id. Every
 * command is an argv: nothing a user wrote is ever handed to a shell. Each call has a timeout.
 */
public final class Tmux implements AutoCloseable {
    private static final long TIMEOUT_MS = 10_000;
    /** How long a killed pane's process is watched for, to have it reaped. */
    private static final long REAP_WAIT_MS = 10_000;
    /** Keeps a new tmux session alive while its options are set, before the backend replaces it. */
    private static final List<String> PLACEHOLDER = List.of("sleep", "2147483647");

    /** The control client's own session, into which every other session's windows are linked. */
    public static final String CONTROL = "anvillm-control";

    private final Path socket;
    private final Map<String, String> serverEnv;
    private final Object connecting = new Object();
    private volatile ControlClient control;
    private volatile boolean closed;
    private final Map<String, Runnable> outputListeners = new java.util.concurrent.ConcurrentHashMap<>();
    /** Pane id ({@code %12}) to session name, as last listed. */
    private final Map<String, String> paneSession = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean paneMapStale = true;
    /** Panes that had output, not yet dispatched (guarded by itself). */
    private final java.util.Set<String> dirty = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    private final Thread dispatcher;

    /**
     * @param socket    the tmux server's socket (per namespace)
     * @param serverEnv the environment the tmux server starts with; panes inherit it
     */
    public Tmux(Path socket, Map<String, String> serverEnv) {
        this.socket = socket;
        this.serverEnv = Map.copyOf(serverEnv);
        this.dispatcher = Thread.ofVirtual().name("tmux-output").start(this::dispatch);
    }

    public Path socket() {
        return socket;
    }

    /** What a failed tmux command said. */
    public static class TmuxException extends IOException {
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
        cmd.add(";");
        cmd.addAll(link("=" + name + ":")); // its output is then reported to the control client
        if (keepDeadPane) cmd.addAll(List.of(";", "set-option", "-t", name, "remain-on-exit", "on"));
        cmd.addAll(List.of(";", "set-option", "-t", name, "history-limit", "10000"));
        cmd.add(";");
        cmd.addAll(respawnArgs(name, cwd, env, argv));
        paneMapStale = true;
        return runPrintingPid(cmd, name);
    }

    /**
     * Replaces the (usually dead) process of session {@code name}; returns the new pid.
     *
     * <p>The control client's output of the pane is paused around the respawn: tmux 3.3a (Debian
     * 12's) keeps the old process's output not yet written to a control client as a count of bytes
     * still to come from the pane's buffer, which the respawn empties; writing it then ends the
     * whole server ({@code fatal: not enough data}), every session with it. Pausing drops that
     * count, and continuing starts the client again at the new process's first byte.
     */
    public int respawn(String name, Path cwd, Map<String, String> env, List<String> argv) throws IOException {
        String pane = run(List.of("display-message", "-p", "-t", target(name), "#{pane_id}")).trim();
        if (!pane.matches("%[0-9]+")) throw new TmuxException("tmux gave no pane id for " + name + ": " + pane);
        List<String> cmd = new ArrayList<>(List.of("refresh-client", "-A", pane + ":pause", ";"));
        cmd.addAll(respawnArgs(name, cwd, env, argv));
        cmd.addAll(List.of(";", "refresh-client", "-A", pane + ":continue"));
        return runPrintingPid(cmd, name);
    }

    /** Runs {@code cmd} and, in the same tmux invocation, prints the pane's pid: one process, not two. */
    private int runPrintingPid(List<String> cmd, String name) throws IOException {
        List<String> all = new ArrayList<>(cmd);
        all.addAll(List.of(";", "display-message", "-p", "-t", target(name), "#{pane_pid}"));
        String[] lines = run(all).trim().split("\n");
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
        cmd.addAll(argv); // each argument goes quoted to the control client: a ";" stays itself
        return cmd;
    }

    private static String target(String name) {
        return "=" + name + ":";
    }

    public int panePid(String name) throws IOException {
        String out = run(List.of("display-message", "-p", "-t", target(name), "#{pane_pid}")).trim();
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
                "#{session_name}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}"));
        List<Pane> panes = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length < 5) continue;
            if (!f[0].equals(CONTROL)) panes.add(new Pane(f[0], parse(f[1]), f[2].equals("1"), parse(f[3]), parse(f[4])));
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
            nudge(Integer.parseInt(run(List.of("display-message", "-p", "#{pid}")).trim()));
        } catch (IOException | NumberFormatException e) {
            // no server: nothing to nudge
        }
    }

    /** A SIGCHLD to tmux server {@code serverPid}: it then reaps and records every child that has exited. */
    private static void nudge(int serverPid) {
        if (serverPid > 0) Native.signal(serverPid, Native.SIGCHLD);
    }


    public boolean hasSession(String name) {
        try {
            run(List.of("has-session", "-t", "=" + name));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Pastes {@code text} into the pane as one bracketed paste (when the program asked for
     * bracketed paste), newlines kept as they are. The text travels quoted on the control client's line.
     */
    public void paste(String name, String text) throws IOException {
        String buffer = "anvillm-" + name;
        run(List.of("set-buffer", "-b", buffer, "--", text, ";", "paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", target(name)));
    }

    /** Sends key names (Enter, Escape, C-c) to the pane. */
    public void keys(String name, String... keys) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("send-keys", "-t", target(name)));
        cmd.addAll(List.of(keys));
        run(cmd);
    }

    /** The visible screen (and {@code history} lines above it), escape codes removed. */
    public String capture(String name, int history) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("capture-pane", "-p", "-J", "-t", target(name)));
        if (history > 0) cmd.addAll(List.of("-S", "-" + history));
        return run(cmd);
    }

    /**
     * Renames session {@code from} to {@code to} and keeps its pane once dead, as {@link #start}
     * does: a spare launcher's session becomes an agent session.
     */
    public void rename(String from, String to) throws IOException {
        run(List.of("rename-session", "-t", "=" + from, to, ";", "set-option", "-t", target(to), "remain-on-exit", "on"));
        paneMapStale = true;
    }

    /**
     * Puts the pane of session {@code from} in the place of {@code to}'s (a spare launcher takes
     * the place of a session's dead pane, attached clients see it there) and kills {@code from},
     * which then holds the old pane.
     */
    public void swapIn(String from, String to) throws IOException {
        // kill-window, not kill-session: the window is linked into the control session too
        run(List.of("swap-pane", "-d", "-s", target(from), "-t", target(to), ";", "kill-window", "-t", target(from)));
        paneMapStale = true;
    }

    /**
     * Kills session {@code name}. Debian's tmux can miss the exit of a pane it kills (its
     * utmp helper runs at that moment) and leave a zombie; so once the pane's process has died
     * the server is nudged to reap it, in the background.
     */
    public void kill(String name) throws IOException {
        String[] pids = run(List.of("display-message", "-p", "-t", target(name), "#{pane_pid} #{pid} #{window_id}", ";",
                "kill-session", "-t", "=" + name)).trim().split(" ");
        if (pids.length != 3) return;
        try {
            run(List.of("kill-window", "-t", pids[2])); // its link in the control session holds it still
        } catch (TmuxException e) {
            // not linked (made by an older daemon): it went with its session
        }
        paneMapStale = true;
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
     * little) for the server to be gone: once it is, its dead panes are too. This Tmux is closed
     * then: the daemon (or the test) is done with it.
     */
    public void killServer() throws IOException {
        if (!serverRunning()) {
            close();
            return;
        }
        if (closed) {
            runOnce("kill-server");
            return;
        }
        int server = parse(run(List.of("display-message", "-p", "#{pid}")).trim());
        try {
            run(List.of("kill-server"));
        } catch (TmuxException e) {
            // the control client went with the server, perhaps before it could answer
        }
        if (server > 0) Native.awaitExit(server, TIMEOUT_MS); // if it lingers, it goes on its own
        close();
    }

    /** The argv that attaches a terminal to session {@code name}. */
    public List<String> attachCommand(String name) {
        return List.of("tmux", "-S", socket.toString(), "attach-session", "-t", "=" + name);
    }

    /**
     * Runs {@code args} (tmux commands separated by ";" elements) through the control client,
     * connecting it first when needed; returns their output or throws with what tmux said.
     */
    private String run(List<String> args) throws IOException {
        List<List<String>> commands = new ArrayList<>();
        List<String> one = new ArrayList<>();
        for (String a : args) {
            if (a.equals(";")) {
                commands.add(one);
                one = new ArrayList<>();
            } else {
                one.add(a);
            }
        }
        commands.add(one);
        try {
            return control().run(commands, TIMEOUT_MS);
        } catch (ControlClient.NotSent e) {
            return control().run(commands, TIMEOUT_MS); // once more, on a new client
        }
    }

    /**
     * The control client, started when there is none (or it has ended): attached to a session of
     * its own into which every other session's windows are linked, so that their output is
     * reported to it. After a new start, every listener is told to look: output may have been
     * missed meanwhile.
     */
    private ControlClient control() throws IOException {
        ControlClient c = control;
        if (c != null && c.alive()) return c;
        synchronized (connecting) {
            c = control;
            if (c != null && c.alive()) return c;
            if (closed) throw new TmuxException("tmux: the daemon is closing");
            boolean again = c != null;
            c = new ControlClient(socket, serverEnv, CONTROL, PLACEHOLDER, this::output, this::controlEnded);
            control = c;
            paneMapStale = true;
            linkAll(c);
            if (again) outputListeners.values().forEach(Runnable::run);
            return c;
        }
    }

    /**
     * Links every window not yet in the control session into it, and has the control session end
     * with its client: a daemon killed with SIGKILL leaves no control session behind, and so a
     * server that held nothing else (no agent session, no spare) exits ({@code exit-empty}: on by
     * default, as the server reads no configuration file; the daemon sets no server or global option). The
     * agent windows linked into it are not destroyed with it: a window goes only with its last
     * link, and each still has its own session's.
     */
    private void linkAll(ControlClient c) throws IOException {
        String windows = c.run(List.of(List.of("set-option", "-t", "=" + CONTROL + ":", "destroy-unattached", "on"),
                List.of("list-windows", "-a", "-F", "#{session_name}\t#{window_id}")), TIMEOUT_MS);
        java.util.Set<String> linked = new java.util.HashSet<>();
        List<String> others = new ArrayList<>();
        for (String line : windows.split("\n")) {
            String[] f = line.split("\t");
            if (f.length != 2) continue;
            if (f[0].equals(CONTROL)) linked.add(f[1]);
            else others.add(f[1]);
        }
        for (String w : others) {
            if (linked.add(w)) {
                try {
                    c.run(List.of(link(w)), TIMEOUT_MS);
                } catch (TmuxException e) {
                    // the window went meanwhile
                }
            }
        }
    }

    private static List<String> link(String window) {
        return List.of("link-window", "-d", "-s", window, "-t", "=" + CONTROL + ":");
    }

    private void controlEnded() {
        paneMapStale = true;
    }

    /** A pane had output (on the control client's reader thread: only queue it). */
    private void output(String pane) {
        if (dirty.add(pane)) {
            synchronized (dirty) {
                dirty.notifyAll();
            }
        }
    }

    /** Tells the listener of each pane that had output, in order, off the reader thread. */
    private void dispatch() {
        while (!closed) {
            String pane;
            synchronized (dirty) {
                while (dirty.isEmpty()) {
                    try {
                        dirty.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                pane = dirty.iterator().next();
                dirty.remove(pane);
            }
            String name = paneSession.get(pane);
            if (name == null || paneMapStale) {
                refreshPanes();
                name = paneSession.get(pane);
            }
            Runnable r = name == null ? null : outputListeners.get(name);
            if (r != null) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    System.getLogger("anvilsrv").log(System.Logger.Level.ERROR, "output listener of " + name + " failed", e);
                }
            }
        }
    }

    private void refreshPanes() {
        try {
            paneMapStale = false;
            Map<String, String> m = new java.util.HashMap<>();
            for (String line : run(List.of("list-panes", "-a", "-F", "#{pane_id}\t#{session_name}")).split("\n")) {
                String[] f = line.split("\t");
                if (f.length == 2 && !f[1].equals(CONTROL)) m.put(f[0], f[1]);
            }
            paneSession.keySet().retainAll(m.keySet());
            paneSession.putAll(m);
        } catch (IOException e) {
            paneMapStale = true;
        }
    }

    /**
     * Calls {@code listener} (on a thread of tmux's; keep it short) whenever the pane of session
     * {@code name} has had output, and once after the control client had to be started again.
     */
    public void onOutput(String name, Runnable listener) {
        outputListeners.put(name, listener);
        paneMapStale = true;
    }

    public void offOutput(String name) {
        outputListeners.remove(name);
    }

    /**
     * Whether the server answers, without starting one: through the control client when it is
     * connected, else by a {@code tmux list-sessions} of its own (rare: before the first session,
     * or after the server went).
     */
    /**
     * Starts the control client now when a server runs, and does nothing when none does: a
     * daemon's start calls it on a thread of its own beside its set-up, and the restore's first
     * command finds the client ready (its start: two tmux processes, 100 ms of a restore).
     */
    public void connect() {
        try {
            if (serverRunning()) control();
        } catch (IOException e) {
            // the first command says it, and tries again
        }
    }

    public boolean serverRunning() {
        ControlClient c = control;
        if (c != null && c.alive()) return true;
        try {
            runOnce("list-sessions", "-F", "#{session_name}");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A tmux process of its own for one command: only where no control client may be started. */
    private void runOnce(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(serverEnv);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new TmuxException("tmux " + args[0] + " timed out after " + TIMEOUT_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new TmuxException("interrupted while running tmux " + args[0]);
        }
        if (p.exitValue() != 0) throw new TmuxException("tmux " + args[0] + ": exit " + p.exitValue());
    }

    /**
     * Ends the control client and its session (the windows linked into it stay in their own
     * sessions): the daemon is going, its sessions keep running for the next one to adopt.
     */
    @Override
    public void close() {
        ControlClient c;
        synchronized (connecting) {
            closed = true;
            c = control;
        }
        if (dispatcher != null) dispatcher.interrupt();
        if (c == null || !c.alive()) return;
        try {
            c.run(List.of(List.of("kill-session", "-t", "=" + CONTROL)), TIMEOUT_MS);
        } catch (IOException e) {
            // the client ends with its session, or is ended below
        }
        c.close();
    }
}
