package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Message;

/** A Twrite being served. */
public final class WriteRequest extends Request {
    private final long offset;
    private final byte[] data;

    WriteRequest(Connection conn, int tag, Fid fid, long offset, byte[] data) {
        super(conn, tag, fid);
        this.offset = offset;
        this.data = data;
    }

    public long offset() { return offset; }

    public byte[] data() { return data; }

    /** Acknowledges the whole write. */
    public void respond() {
        respond(data.length);
    }

    public void respond(int count) {
        finish(new Message.Rwrite(tag(), count));
    }
}
