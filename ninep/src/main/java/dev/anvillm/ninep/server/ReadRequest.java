package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Message;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A Tread being served: answer with at most {@link #count()} bytes; zero bytes means end of file. */
public final class ReadRequest extends Request {
    private final long offset;
    private final int count;

    ReadRequest(Connection conn, int tag, Fid fid, long offset, int count) {
        super(conn, tag, fid);
        this.offset = offset;
        this.count = count;
    }

    public long offset() { return offset; }

    /** The most bytes the reply may carry (already bounded by msize). */
    public int count() { return count; }

    public void respond(byte[] data) {
        if (data.length > count) data = Arrays.copyOf(data, count);
        finish(new Message.Rread(tag(), data));
    }

    /** Answers with the part of {@code content} at this request's offset. */
    public void respondFrom(byte[] content) {
        if (offset >= content.length || offset < 0) {
            respond(new byte[0]);
            return;
        }
        int from = (int) offset;
        int n = Math.min(count, content.length - from);
        respond(Arrays.copyOfRange(content, from, from + n));
    }

    public void respondFrom(String content) {
        respondFrom(content.getBytes(StandardCharsets.UTF_8));
    }
}
