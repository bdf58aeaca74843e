package dev.anvillm.client;

import dev.anvillm.ninep.client.Fid;
import dev.anvillm.ninep.client.NinepClient;
import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.OpenMode;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A log followed like {@code tail -f}, over its {@link AgentClient}'s connection: the read that
 * waits at the log's end holds a tag, not the connection (9P multiplexes, and the daemon answers
 * other requests meanwhile), so however many logs are followed the daemon sees one client.
 * Closing it flushes the read in flight (Tflush) and clunks the log's fid; the connection stays.
 */
public final class LogStream implements AutoCloseable {
    /** What {@code end} is told when the log itself ended (its session was killed), not the stream. */
    public static final String END_OF_LOG = "end of log";

    private final Consumer<String> lines;
    private final Consumer<String> end;
    private volatile boolean closed;
    private volatile CompletableFuture<byte[]> current;

    private LogStream(Consumer<String> lines, Consumer<String> end) {
        this.lines = lines;
        this.end = end;
    }

    static LogStream start(AgentClient client, String path, Consumer<String> lines, Consumer<String> end) {
        LogStream s = new LogStream(lines, end);
        Thread.ofVirtual().name("log " + path).start(() -> s.follow(client, path));
        return s;
    }

    private void follow(AgentClient client, String path) {
        String why = END_OF_LOG;
        try {
            client.call(path, () -> {
                NinepClient conn = client.conn();
                if (closed) return null;
                try (Fid f = conn.open(path, OpenMode.OREAD)) {
                    Lines buf = new Lines();
                    long offset = 0;
                    while (!closed) {
                        CompletableFuture<byte[]> r = f.readAsync(offset, AgentClient.MSIZE - Codec.IOHDRSZ);
                        current = r;
                        if (closed) r.cancel(false);
                        byte[] b = NinepClient.await(r);
                        if (b.length == 0) break;
                        offset += b.length;
                        String whole = buf.add(b);
                        if (!whole.isEmpty()) lines.accept(whole);
                    }
                    String rest = buf.rest();
                    if (!rest.isEmpty() && !closed) lines.accept(rest + "\n");
                }
                return null;
            });
        } catch (ClientException e) {
            why = e.getMessage();
        } catch (CancellationException e) {
            // closed
        }
        if (!closed) end.accept(why);
    }

    @Override
    public void close() {
        closed = true;
        CompletableFuture<byte[]> r = current;
        if (r != null) r.cancel(false);
    }
}
