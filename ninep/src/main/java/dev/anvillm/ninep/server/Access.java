package dev.anvillm.ninep.server;

/**
 * Decides, once per connection, who the peer is. Returning a principal admits it (nodes read it
 * back with {@link Fid#principal()}); throwing refuses it and the connection is closed.
 */
@FunctionalInterface
public interface Access {
    Object admit(Peer peer) throws NinepException;

    /** The default: the server's own uid and root are admitted, every other uid refused. */
    static Access sameUser(int serverUid) {
        return peer -> {
            if (peer.uid() != serverUid && peer.uid() != 0) throw new NinepException("connection refused: uid " + peer.uid() + " is not the server's user");
            return peer;
        };
    }
}
