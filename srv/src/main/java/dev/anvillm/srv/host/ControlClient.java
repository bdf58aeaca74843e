package dev.anvillm.srv.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One tmux control-mode client ({@code tmux -C}): commands go in as lines on its stdin, each
 * answered by a {@code %begin}/{@code %end} (or {@code %error}) block on its stdout, in order;
 * between blocks come notifications, {@code %output %<pane>} among them, which say that a pane
 * has had output. It is attached to a session of its own, into which every agent window is
 * linked: tmux reports the output of the panes of the attached session only.
 *
 * <p>Its stdin is a pipe from this process: when the daemon goes, even killed with SIGKILL, the
 * client reads the end of it and exits (and its session, which {@link Tmux} marks
 * {@code destroy-unattached}, goes with it); killing it (a command timing out) fails every
 * command in flight.
 */
final class ControlClient {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    /** One line of commands, answered by one block per command, or by the first error. */
    private static final class Request {
        final CompletableFuture<String> done = new CompletableFuture<>();
        final StringBuilder out = new StringBuilder();
        final String name;
        final long sentNs = System.nanoTime();
        int blocksLeft;
        /** Its first block has begun: the server has run (some of) it. */
        boolean begun;

        Request(String name, int blocks) {
            this.name = name;
            blocksLeft = blocks;
        }
    }

    /** A request unanswered this long means a stuck server: the client is ended, and started again. */
    private static final long STUCK_NS = TimeUnit.SECONDS.toNanos(60);
    /** How long the client may take to attach before it is given up. */
    private static final long ATTACH_MS = 10_000;

    /** The client had ended before the command could be sent: it may be sent again on a new one. */
    static final class NotSent extends Tmux.TmuxException {
        NotSent() {
            super("tmux control client has exited");
        }
    }

    private final Process process;
    private final OutputStream stdin;
    private final Deque<Request> pending = new ArrayDeque<>();
    private final Consumer<String> onOutput;
    private volatile boolean alive = true;
    /** The server said %exit: every command it had not begun to answer was never run. */
    private volatile boolean exited;
    /** Completed when the client's own first command (the new-session or attach) has run. */
    private final CompletableFuture<Void> attached = new CompletableFuture<>();

    /**
     * Starts {@code tmux -S socket -f /dev/null -u -C new-session -A -s session ...} (-u: the
     * client takes UTF-8, else tmux writes "_" for every byte beyond ASCII and every tab): attaches to
     * {@code session}, creating it (and the server) when needed, with {@code placeholder} as its
     * first window's process.
     *
     * @param onOutput called on the reader thread with a pane id ({@code %12}) that had output
     * @param onExit   called once, on the reader thread, when the client has ended
     */
    ControlClient(Path socket, Map<String, String> env, String session, List<String> placeholder, Consumer<String> onOutput,
            Runnable onExit) throws IOException {
        this.onOutput = onOutput;
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString(), "-f", "/dev/null", "-u", "-C",
                "new-session", "-A", "-s", session, "-x", "80", "-y", "24"));
        cmd.addAll(placeholder);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        process = pb.start();
        stdin = process.getOutputStream();
        Thread.ofPlatform().daemon().name("tmux-control").start(() -> {
            try {
                read(process.getInputStream());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "tmux control client: {0}", e.getMessage());
            } finally {
                ended();
                onExit.run();
            }
        });
        // commands sent before the client is attached run with no current session, and those
        // that look one up (list-windows, even with -a) fail: wait for it
        try {
            attached.get(ATTACH_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            process.destroyForcibly();
            throw new Tmux.TmuxException("tmux control client: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new Tmux.TmuxException("tmux control client did not attach within " + ATTACH_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new Tmux.TmuxException("interrupted while starting the tmux control client");
        }
    }


    boolean alive() {
        return alive;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Runs {@code commands} as one line (tmux runs them in order and stops at the first that
     * fails); returns their output joined, or throws with what tmux said.
     */
    String run(List<List<String>> commands, long timeoutMs) throws IOException {
        StringBuilder line = new StringBuilder();
        for (List<String> c : commands) {
            if (!line.isEmpty()) line.append(" ; ");
            for (int i = 0; i < c.size(); i++) {
                if (i > 0) line.append(' ');
                quote(c.get(i), line);
            }
        }
        line.append('\n');
        Request r = new Request(commands.getFirst().getFirst(), commands.size());
        synchronized (pending) {
            if (!alive) throw new NotSent();
            Request oldest = pending.peek();
            if (oldest != null && System.nanoTime() - oldest.sentNs > STUCK_NS) {
                // nothing answered for a minute: the server is stuck; a new client, or a new server, will do
                alive = false;
                process.destroyForcibly();
                throw new NotSent();
            }
            pending.add(r);
            try {
                stdin.write(line.toString().getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
            } catch (IOException e) {
                // its stdin is closed: the client has exited, and the line never reached it
                pending.remove(r);
                alive = false;
                throw new NotSent();
            }
        }
        try {
            return r.done.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the request stays queued: its late answer is still matched to it, and the next ones to theirs
            throw new Tmux.TmuxException("tmux " + commands.getFirst().getFirst() + " timed out after " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Tmux.TmuxException("interrupted while running tmux " + commands.getFirst().getFirst());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new Tmux.TmuxException(String.valueOf(e.getCause()));
        }
    }

    /**
     * One argument in tmux's command syntax: double-quoted, every byte but letters, digits and a
     * few marks written as an octal escape. Nothing in it is then special to tmux's parser
     * ({@code ;}, {@code $}, {@code ~}, quotes, braces, newlines), and the line stays ASCII.
     */
    static void quote(String arg, StringBuilder to) {
        to.append('"');
        for (byte b : arg.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_./:=@%+, ".indexOf(c) >= 0) {
                to.append((char) c);
            } else {
                to.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + (c >> 3 & 7))).append((char) ('0' + (c & 7)));
            }
        }
        to.append('"');
    }

    /** Ends the client: its stdin closed, it detaches and exits. */
    void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void ended() {
        attached.completeExceptionally(new IOException("it exited"));
        synchronized (pending) {
            alive = false;
            // after %exit, a command whose answer had not begun was never run: it may be sent again
            for (Request r : pending) r.done.completeExceptionally(exited && !r.begun ? new NotSent()
                    : new Tmux.TmuxException("tmux control client has exited"));
            pending.clear();
        }
        process.destroyForcibly();
    }

    /**
     * The reader: blocks are matched to requests in order. A block ends only at an end line with
     * the very time and number of its begin line, so a pane whose screen shows such a line
     * cannot end another command's answer; blocks of commands not ours (flags 0: the client's
     * own first command) are skipped.
     */
    private void read(InputStream in) throws IOException {
        ByteArrayOutputStream lineBuf = new ByteArrayOutputStream(256);
        byte[] buf = new byte[65536];
        String blockId = null; // "time number" of the open block
        StringBuilder own = new StringBuilder(); // what the client's own first command said
        Request blockFor = null;
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                if (buf[i] != '\n') {
                    lineBuf.write(buf[i]);
                    continue;
                }
                String line = lineBuf.toString(StandardCharsets.UTF_8);
                lineBuf.reset();
                if (blockId != null) {
                    if ((line.startsWith("%end ") || line.startsWith("%error ")) && blockId.equals(idOf(line))) {
                        boolean error = line.startsWith("%error ");
                        if (blockFor == null && !attached.isDone()) {
                            if (error) attached.completeExceptionally(new IOException("cannot attach: " + own.toString().strip()));
                            else attached.complete(null);
                        }
                        blockId = null;
                        if (blockFor != null) finish(blockFor, error);
                        blockFor = null;
                    } else if (blockFor != null) {
                        blockFor.out.append(line).append('\n');
                    } else if (!attached.isDone()) {
                        own.append(line).append('\n');
                    }
                } else if (line.startsWith("%begin ")) {
                    blockId = idOf(line);
                    String[] w = line.split(" ");
                    boolean ours = w.length >= 4 && (parseInt(w[3]) & 1) != 0;
                    synchronized (pending) {
                        blockFor = ours ? pending.peek() : null;
                    }
                    if (blockFor != null) blockFor.begun = true;
                } else if (line.startsWith("%output ") || line.startsWith("%extended-output ")) {
                    int sp = line.indexOf(' ', line.indexOf(' ') + 1);
                    if (sp > 0) onOutput.accept(line.substring(line.indexOf(' ') + 1, sp));
                } else if (line.equals("%exit") || line.startsWith("%exit ")) {
                    exited = blockId == null;
                    return;
                }
            }
        }
    }

    private void finish(Request r, boolean error) {
        if (error) {
            synchronized (pending) {
                pending.remove(r);
            }
            String said = r.out.toString().strip();
            r.done.completeExceptionally(new Tmux.TmuxException("tmux " + r.name + ": " + (said.isEmpty() ? "failed" : said)));
        } else if (--r.blocksLeft == 0) {
            synchronized (pending) {
                pending.remove(r);
            }
            r.done.complete(r.out.toString());
        }
    }

    /** "time number" of a %begin, %end or %error line. */
    private static String idOf(String line) {
        String[] w = line.split(" ");
        return w.length >= 3 ? w[1] + " " + w[2] : "";
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
