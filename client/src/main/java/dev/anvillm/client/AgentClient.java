package dev.anvillm.client;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.Namespace;
import dev.anvillm.ninep.client.NamespaceException;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.client.NotFoundException;
import dev.anvillm.ninep.client.RerrorException;
import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.OpenMode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The agent tree as calls: one connection to the daemon, made again on the next call after it
 * broke (a daemon restart). Its {@link #log log} streams and a {@link LiveSessions} started on it
 * read over that same connection (9P multiplexes requests by tag): one client, one connection.
 * Every method blocks its caller: front-ends call it off their UI thread. Errors are
 * {@link ClientException}s whose message is the daemon's one line, or says that the daemon is not
 * running and how to start it.
 */
public final class AgentClient implements AutoCloseable {
    /** Larger than plan9port's 8 KiB: a log or a long reply comes in fewer round trips. */
    static final int MSIZE = 64 * 1024;
    private static final int MAX_PROMPT = 1 << 20;

    private final Path socket;
    private NinepClient conn; // guarded by this
    private boolean closed; // guarded by this

    public AgentClient(Path socket) {
        this.socket = socket;
    }

    /** A client of the daemon of this process's name space ($NAMESPACE, else /tmp/ns.$USER.$DISPLAY). */
    public static AgentClient forNamespace() throws ClientException {
        try {
            return new AgentClient(Namespace.resolve().socket("agent"));
        } catch (NamespaceException e) {
            throw new ClientException(e.getMessage());
        }
    }

    public Path socket() {
        return socket;
    }

    /** The connection, dialled now if there is none or it broke. */
    synchronized NinepClient conn() throws ClientException {
        if (closed) throw new ClientException("client closed");
        if (conn == null || conn.isClosed()) conn = dial(socket);
        return conn;
    }

    static NinepClient dial(Path socket) throws ClientException {
        try {
            return NinepClient.connect(socket, NinepClient.Options.defaults().withMsize(MSIZE));
        } catch (IOException e) {
            throw new ClientException(notRunning(socket, e));
        }
    }

    /** What a front-end says while the daemon cannot be reached. */
    static String notRunning(Path socket, IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "daemon not answering on " + socket + " (" + why + "); start it with: anvilsrv start";
    }

    // ---- the root ------------------------------------------------------------------------------

    public List<Session> list() throws ClientException {
        return Session.parseList(readText("list"));
    }

    /** What each session's process tree uses now, in {@code list} order (may take ~0.3 s: see README). */
    public List<Stats> stats() throws ClientException {
        return Stats.parseList(readText("stats"));
    }

    public List<Backend> backends() throws ClientException {
        return Backend.parseList(readText("backends"));
    }

    /**
     * {@code new <backend> <dir> [alias=<alias>]}; returns the new session's id, read back from
     * the same fid (no race with other clients). {@code alias} may be null or blank.
     */
    public String create(String backend, String dir, String alias) throws ClientException {
        if (dir.indexOf('\n') >= 0 || dir.indexOf('\r') >= 0) throw new ClientException("a directory name cannot hold a line break");
        StringBuilder line = new StringBuilder("new ").append(CtlWords.quote(backend)).append(' ').append(CtlWords.quote(dir));
        if (alias != null && !alias.isBlank()) line.append(' ').append(CtlWords.quote("alias=" + alias.strip()));
        return call("ctl", () -> {
            try (Fid f = conn().open("ctl", OpenMode.ORDWR)) {
                byte[] b = line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
                f.write(0, b, 0, b.length);
                return new String(f.read(0, 64), StandardCharsets.UTF_8).strip();
            }
        });
    }

    // ---- one session -------------------------------------------------------------------------

    public Info info(String id) throws ClientException {
        return Info.parse(readText(id + "/info"));
    }

    public String backend(String id) throws ClientException {
        return readText(id + "/backend").strip();
    }

    public State state(String id) throws ClientException {
        return State.parse(readText(id + "/state"));
    }

    /** Writes one ctl command. */
    public void command(String id, Command c) throws ClientException {
        write(id + "/ctl", c.line() + "\n");
    }

    /**
     * Sends a prompt: delivered now when the session is idle, queued (durably) when it is busy.
     * A stopped session refuses it with the daemon's line naming {@code start}.
     */
    public void prompt(String id, String text) throws ClientException {
        if (text.isBlank()) throw new ClientException("empty prompt: nothing sent");
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_PROMPT) throw new ClientException("prompt too large: limit 1 MiB");
        write(id + "/in", text);
    }

    /** Sets the alias; blank clears it. */
    public void alias(String id, String alias) throws ClientException {
        write(id + "/alias", alias == null ? "" : alias.strip());
    }

    public String context(String id) throws ClientException {
        return readText(id + "/context");
    }

    public void context(String id, String text) throws ClientException {
        write(id + "/context", text);
    }

    /** Every reply so far, each followed by a blank line. */
    public String out(String id) throws ClientException {
        return readText(id + "/out");
    }

    /** The visible pane now, escape codes stripped. */
    public String screen(String id) throws ClientException {
        return readText(id + "/screen");
    }

    /** The last reply; waits while a prompt is queued or running (cancel the future to stop waiting). */
    public CompletableFuture<String> reply(String id) {
        return readAsync(id + "/reply");
    }

    /**
     * Follows the session's log like {@code tail -f}: {@code lines} gets the log in pieces of
     * whole lines, from the start, then each entry as it is written; {@code end} runs once the log
     * ends (the session was killed: {@link LogStream#END_OF_LOG}) or the stream failed (its
     * message), never after {@link LogStream#close()}. It reads over this client's connection.
     */
    public LogStream log(String id, Consumer<String> lines, Consumer<String> end) {
        return LogStream.start(this, id + "/log", lines, end);
    }

    // ---- reading and writing ---------------------------------------------------------------

    String readText(String path) throws ClientException {
        return call(path, () -> new String(conn().readAll(path), StandardCharsets.UTF_8));
    }

    void write(String path, String content) throws ClientException {
        call(path, () -> {
            conn().writeAll(path, content.getBytes(StandardCharsets.UTF_8));
            return null;
        });
    }

    /** Reads {@code path} to its end on a virtual thread; cancelling flushes the read in flight. */
    CompletableFuture<String> readAsync(String path) {
        CompletableFuture<String> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<byte[]>> current = new AtomicReference<>();
        result.whenComplete((v, t) -> {
            CompletableFuture<byte[]> c = current.get();
            if (result.isCancelled() && c != null) c.cancel(false);
        });
        Thread.ofVirtual().name("read " + path).start(() -> {
            try {
                result.complete(call(path, () -> {
                    try (Fid f = conn().open(path, OpenMode.OREAD)) {
                        ByteArrayOutputStream all = new ByteArrayOutputStream();
                        long offset = 0;
                        while (!result.isDone()) {
                            CompletableFuture<byte[]> r = f.readAsync(offset, MSIZE - Codec.IOHDRSZ);
                            current.set(r);
                            if (result.isCancelled()) r.cancel(false);
                            byte[] b = NinepClient.await(r);
                            if (b.length == 0) break;
                            all.write(b, 0, b.length);
                            offset += b.length;
                        }
                        return all.toString(StandardCharsets.UTF_8);
                    }
                }));
            } catch (ClientException e) {
                result.completeExceptionally(e);
            } catch (CancellationException e) {
                result.cancel(false);
            }
        });
        return result;
    }

    private static String noSession(String path) {
        return "no session '" + path.substring(0, path.indexOf('/')) + "' (see agent/list)";
    }

    interface Call<T> {
        T run() throws IOException;
    }

    /** Runs a call, turning every failure into one line a person can act on. */
    <T> T call(String path, Call<T> c) throws ClientException {
        try {
            return c.run();
        } catch (ClientException e) {
            throw e;
        } catch (RerrorException e) {
            // a walk whose first name fails is answered Rerror: for <id>/file, the session is not there
            if (e.ename().equals("file does not exist") && path.contains("/")) throw new ClientException(noSession(path));
            throw new ClientException(e.ename());
        } catch (NotFoundException e) {
            // the session is there but not the file: a daemon older than this client
            throw new ClientException("the daemon has no agent/" + path + "; update and restart it (anvilsrv stop; anvilsrv start)");
        } catch (IOException e) {
            synchronized (this) {
                if (conn != null && !conn.isClosed()) throw new ClientException(e.getMessage(), e);
                conn = null;
            }
            throw new ClientException(notRunning(socket, e));
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (conn != null) conn.close();
        conn = null;
    }
}
