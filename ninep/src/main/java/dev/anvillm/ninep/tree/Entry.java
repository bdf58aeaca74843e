package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.server.Node;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node of a synthetic tree: a name, permission bits, a qid path fixed for its life, and a
 * version and mtime that move when its content changes ({@link #touch()}, or automatically for
 * files whose content the tree can see).
 */
public abstract sealed class Entry implements Node permits Dir, File {
    private static final AtomicLong PATHS = new AtomicLong(1);
    static final String OWNER = System.getProperty("user.name", "none");

    private final String name;
    private final int perm;
    private final long path = PATHS.getAndIncrement();
    private volatile Dir parent;
    private int version;
    private long mtime = now();
    private byte[] seen;

    Entry(String name, int perm) {
        this.name = name;
        this.perm = perm;
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    public String name() { return name; }

    public int perm() { return perm; }

    @Override
    public Node parent() {
        Dir p = parent;
        return p == null ? this : p;
    }

    void parent(Dir p) { this.parent = p; }

    /** The content changed: a new qid version and mtime. */
    public synchronized void touch() {
        version++;
        mtime = now();
    }

    /** Touches the entry if {@code content} differs from what it held when last observed. */
    protected synchronized void observe(byte[] content) {
        if (seen != null && Arrays.equals(seen, content)) return;
        if (seen != null) {
            version++;
            mtime = now();
        }
        seen = content;
    }

    abstract boolean isDir();

    /** Bytes a stat reports; 0 for streams and control files. */
    protected long length() {
        return 0;
    }

    @Override
    public Stat stat() {
        long len = isDir() ? 0 : length();
        int v;
        long m;
        synchronized (this) {
            v = version;
            m = mtime;
        }
        int type = isDir() ? Qid.QTDIR : Qid.QTFILE;
        int mode = (isDir() ? Stat.DMDIR : 0) | perm;
        return new Stat(0, 0, new Qid(type, v, path), mode, m, m, len, name, OWNER, OWNER, OWNER);
    }
}
