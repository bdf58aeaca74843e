package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.ClunkRequest;
import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.server.WriteRequest;

import java.util.function.Supplier;

/**
 * A synthetic file: what it does is its {@link Behavior}. The factories cover the usual kinds —
 * read-only text, line-command files, whole-content files — and anything else (a read that blocks
 * until there is news) is a Behavior of its own.
 */
public final class File extends Entry {
    /** What a file does. Called on the server's event loop: answer now, or hand off and answer later. */
    public interface Behavior {
        default void open(Fid fid) throws NinepException {}

        default void read(Fid fid, ReadRequest r) {
            r.error(NinepException.PERMISSION);
        }

        default void write(Fid fid, WriteRequest r) {
            r.error(NinepException.PERMISSION);
        }

        default void clunk(Fid fid, ClunkRequest r) {
            r.respond();
        }

        /** The current content when it is cheap to get (stat length, qid version), else null. */
        default byte[] content() {
            return null;
        }
    }

    private final Behavior behavior;

    public File(String name, int perm, Behavior behavior) {
        super(name, perm);
        this.behavior = behavior;
    }

    /** A read-only file whose content is {@code content}, taken afresh at each read from offset 0. */
    public static File text(String name, Supplier<String> content) {
        return new File(name, 0444, new TextFile(content));
    }

    /**
     * A line-command file (ctl): each complete line runs when its newline arrives and its error
     * answers that Twrite; an unterminated last line runs at clunk. A read of the same fid returns
     * what the last command answered (the clone idiom: the id of a new session).
     */
    public static File control(String name, LineCommands commands) {
        return new File(name, 0600, new ControlFile(commands, null));
    }

    /** A file read as text (a state word) but written as line commands, each checked as it arrives. */
    public static File control(String name, LineCommands commands, Supplier<String> current) {
        return new File(name, 0600, new ControlFile(commands, current));
    }

    /**
     * A file that takes the whole content written through one fid, committed at clunk, with checks
     * that fail the Twrite which breaks them. Readable when {@code current} is given.
     */
    public static File whole(String name, WholeContent handler, Supplier<String> current) {
        return new File(name, current == null ? 0200 : 0600, new WholeFile(handler, current));
    }

    @Override
    boolean isDir() {
        return false;
    }

    @Override
    protected long length() {
        byte[] c = behavior.content();
        if (c == null) return 0;
        observe(c);
        return c.length;
    }

    @Override
    public void open(Fid fid) throws NinepException {
        behavior.open(fid);
    }

    @Override
    public void read(Fid fid, ReadRequest r) {
        behavior.read(fid, r);
    }

    @Override
    public void write(Fid fid, WriteRequest r) {
        behavior.write(fid, r);
    }

    @Override
    public void clunk(Fid fid, ClunkRequest r) {
        behavior.clunk(fid, r);
    }
}
