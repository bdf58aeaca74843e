package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Stat;

import java.util.List;

/**
 * A file or directory as the framework sees it. The framework does the protocol (fids, tags,
 * walks, permission bits, directory reads, flush); a node only says what it is and what its
 * reads and writes do. Reads and writes are answered through their request, now or later, from
 * any thread; they must not block the calling thread.
 */
public interface Node {
    /** The current directory entry; qid, mode, length and mtime as a client should see them. */
    Stat stat();

    /** The directory holding this node; the root returns itself. */
    Node parent();

    /** The child named {@code name}, or null. Only called on directories; never with "..". */
    default Node walk(String name, Fid fid) throws NinepException {
        return null;
    }

    /** The entries of a directory, in the order a directory read returns them. */
    default List<? extends Node> list(Fid fid) throws NinepException {
        return List.of();
    }

    /**
     * Called by Topen after the framework has checked the mode against the permission bits;
     * {@link Fid#mode()} is the mode asked for. Throw to refuse (e.g. access rules); set up
     * per-fid state with {@link Fid#aux}.
     */
    default void open(Fid fid) throws NinepException {}

    default void read(Fid fid, ReadRequest r) {
        r.error(NinepException.PERMISSION);
    }

    default void write(Fid fid, WriteRequest r) {
        r.error(NinepException.PERMISSION);
    }

    /**
     * The fid is gone (Tclunk, Tremove, Tversion, disconnect); runs only for opened fids. Answer
     * {@code r} (an error becomes the Rerror of the Tclunk; the fid is released regardless). On a
     * disconnect the answer goes nowhere, but the work (committing a buffered write) still counts.
     */
    default void clunk(Fid fid, ClunkRequest r) {
        r.respond();
    }
}
