package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.OpenMode;

/**
 * One fid of one connection: the node it points at, how it was opened, and a slot for the
 * node's per-fid state. Touched by the connection's event loop and by the node's own handlers.
 */
public final class Fid {
    private final int number;
    private final Peer peer;
    private final Object principal;
    private volatile Node node;
    private volatile int mode = -1;
    private volatile Object aux;
    /** Directory reads: encoded entries taken at offset 0, and where the next read must start. */
    byte[][] dirEntries;
    int dirIndex;
    long dirOffset;

    Fid(int number, Node node, Peer peer, Object principal) {
        this.number = number;
        this.node = node;
        this.peer = peer;
        this.principal = principal;
    }

    public int number() { return number; }

    public Node node() { return node; }

    void node(Node n) { this.node = n; }

    public Peer peer() { return peer; }

    /** What the server's {@link Access} made of the peer when it connected. */
    public Object principal() { return principal; }

    public boolean isOpen() { return mode >= 0; }

    /** The Topen mode, or -1 while not open. */
    public int mode() { return mode; }

    void mode(int m) { this.mode = m; }

    public boolean canRead() { return isOpen() && OpenMode.wantsRead(mode) && OpenMode.access(mode) != OpenMode.OEXEC; }

    public boolean canWrite() { return isOpen() && OpenMode.wantsWrite(mode); }

    @SuppressWarnings("unchecked")
    public <T> T aux() { return (T) aux; }

    public void aux(Object state) { this.aux = state; }

    Fid copy(int newNumber) {
        return new Fid(newNumber, node, peer, principal);
    }
}
