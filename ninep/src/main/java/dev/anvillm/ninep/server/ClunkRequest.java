package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Message;

/**
 * A fid being released. Answered like any request; when the release comes from a disconnect or
 * Tversion, there is no one to answer and the answer is dropped.
 */
public final class ClunkRequest extends Request {
    ClunkRequest(Connection conn, int tag, Fid fid) {
        super(conn, tag, fid);
    }

    public void respond() {
        finish(new Message.Rclunk(tag()));
    }
}
