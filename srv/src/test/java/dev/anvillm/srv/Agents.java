package dev.anvillm.srv;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/** A user driving the tree through the socket, as `9p read|write` would: one helper per gesture. */
public final class Agents implements AutoCloseable {
    public static final Duration DEADLINE = Duration.ofSeconds(60);
    public final NinepClient c;
    private final Path socket;

    public Agents(Path socket) throws IOException {
        this.socket = socket;
        c = NinepClient.connect(socket);
    }

    /** `new <args>` on ctl; returns the id read back from the same fid. */
    public String create(String args) throws IOException {
        try (Fid f = c.open("ctl", OpenMode.ORDWR)) {
            byte[] line = ("new " + args + "\n").getBytes(StandardCharsets.UTF_8);
            f.write(0, line, 0, line.length);
            return new String(f.read(0, 100), StandardCharsets.UTF_8).strip();
        }
    }

    private Path tmuxSocket;

    /** Lets a failed wait show the session's screen too. */
    public Agents withTmux(Path socket) {
        this.tmuxSocket = socket;
        return this;
    }

    /**
     * Reads the whole file; a read that blocks (reply) fails after the deadline, saying what the
     * session's info, log and screen were.
     */
    public String read(String path) throws IOException {
        var f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(c.readAll(path), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
        try {
            return f.get(DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.io.UncheckedIOException u) throw u.getCause();
            throw new IOException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            String session = path.contains("/") ? path.substring(0, path.indexOf('/')) : null;
            throw new AssertionError("read of " + path + " did not finish within " + DEADLINE + (session == null ? "" : "\n" + diagnosis(session)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** The session's screen now, as tmux shows it. */
    public String screen(String session) throws IOException {
        Process p = new ProcessBuilder("tmux", "-S", tmuxSocket.toString(), "capture-pane", "-p", "-t", "=" + session + ":")
                .redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Waits until the session's screen shows {@code text}, as a person at the terminal would. */
    public void awaitScreen(String session, String text) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!screen(session).contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("the screen never showed '" + text + "'\n" + diagnosis(session));
            Thread.sleep(50); // polling a condition, with a deadline
        }
    }

    /** Types keys into the session's terminal (tmux send-keys). */
    public void keys(String session, String... keys) throws IOException, InterruptedException {
        var cmd = new java.util.ArrayList<>(java.util.List.of("tmux", "-S", tmuxSocket.toString(), "send-keys", "-t", "=" + session + ":"));
        cmd.addAll(java.util.List.of(keys));
        new ProcessBuilder(cmd).start().waitFor();
    }

    /** Info, log and screen of a session, for a failure message. */
    public String diagnosis(String session) {
        StringBuilder sb = new StringBuilder();
        try (NinepClient d = NinepClient.connect(socket)) {
            sb.append(new String(d.readAll(session + "/info"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            sb.append("(no info: ").append(e.getMessage()).append(")\n");
        }
        try {
            sb.append("--- log\n").append(logSoFar(session));
        } catch (IOException e) {
            sb.append("(no log)\n");
        }
        if (tmuxSocket != null) {
            try {
                sb.append("--- screen\n").append(screen(session));
            } catch (IOException e) {
                sb.append("(no screen)\n");
            }
        }
        return sb.toString();
    }

    /** Writes {@code text} the way plan9port's `9p write` does: one Twrite per 4 KiB. */
    public void write(String path, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try (Fid f = c.open(path, OpenMode.OWRITE | OpenMode.OTRUNC)) {
            long off = 0;
            if (b.length == 0) f.write(0, new byte[0], 0, 0);
            for (int i = 0; i < b.length; i += 4096) {
                byte[] chunk = Arrays.copyOfRange(b, i, Math.min(b.length, i + 4096));
                f.write(off, chunk, 0, chunk.length);
                off += chunk.length;
            }
        }
    }

    /** What a command typed into an sh session did: its exit status, stdout and stderr. */
    public record ShellResult(int rc, String out, String err) {}

    /**
     * Types {@code command} into sh session {@code sh} (whose directory is {@code work}) and waits
     * for its exit status, which it leaves in {@code <tag>.rc} there, with its output beside it.
     */
    public ShellResult runInShell(String sh, Path work, String tag, String command) throws Exception {
        write(sh + "/in", "{ " + command + " ; } > " + tag + ".out 2> " + tag + ".err; echo $? > " + tag + ".tmp; mv " + tag + ".tmp " + tag + ".rc\n");
        return awaitShell(sh, work, tag);
    }

    /** Waits for {@code <tag>.rc} in {@code work}, left by a command that {@code sh} runs. */
    public ShellResult awaitShell(String sh, Path work, String tag) throws Exception {
        Path rc = work.resolve(tag + ".rc");
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!Files.exists(rc)) {
            if (System.nanoTime() > deadline) throw new AssertionError(tag + ": the command in the session did not finish\n" + diagnosis(sh));
            Thread.sleep(50); // polling a condition, with a deadline
        }
        return new ShellResult(Integer.parseInt(Files.readString(rc).strip()),
                Files.readString(work.resolve(tag + ".out")), Files.readString(work.resolve(tag + ".err")));
    }

    public String state(String id) throws IOException {
        return read(id + "/state").strip();
    }

    /** Polls `state` until it reads {@code want}; fails with the last state and `info` after the deadline. */
    public void awaitState(String id, String want) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = state(id);
            if (last.equals(want)) return;
            Thread.sleep(20); // polling a condition, with a deadline
        }
        throw new AssertionError("session " + id + " is " + last + ", not " + want + " after " + DEADLINE + "\n" + diagnosis(id));
    }

    /** What the log holds now (a read at its end would wait for more, like tail -f). */
    public String logSoFar(String id) throws IOException {
        try (Fid f = c.open(id + "/log", OpenMode.OREAD)) {
            StringBuilder sb = new StringBuilder();
            long off = 0;
            while (true) {
                byte[] b = f.read(off, 4096);
                sb.append(new String(b, StandardCharsets.UTF_8));
                off += b.length;
                if (b.length < 4096) return sb.toString();
            }
        }
    }

    @Override
    public void close() {
        c.close();
    }
}
