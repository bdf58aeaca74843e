package dev.anvillm.ninep.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.Node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A directory: fixed entries in the order added, then the entries of an optional dynamic source. */
public final class Dir extends Entry {
    /** Entries that come and go (sessions), looked up on each walk and listed on each read. */
    public interface Children {
        Entry lookup(String name, Fid fid);

        List<? extends Entry> list(Fid fid);
    }

    private final Map<String, Entry> fixed = new LinkedHashMap<>();
    private final Children dynamic;

    public Dir(String name) {
        this(name, 0555, null);
    }

    public Dir(String name, int perm, Children dynamic) {
        super(name, perm);
        this.dynamic = dynamic;
    }

    /** Adds a fixed entry; returns it, for declaring trees in one expression. */
    public synchronized <E extends Entry> E add(E e) {
        e.parent(this);
        fixed.put(e.name(), e);
        touch();
        return e;
    }

    /** Makes this directory the parent of an entry served by the dynamic source. */
    public void adopt(Entry e) {
        e.parent(this);
    }

    @Override
    boolean isDir() {
        return true;
    }

    @Override
    public Node walk(String name, Fid fid) {
        Entry e;
        synchronized (this) {
            e = fixed.get(name);
        }
        if (e == null && dynamic != null) e = dynamic.lookup(name, fid);
        return e;
    }

    @Override
    public List<? extends Node> list(Fid fid) {
        List<Entry> out;
        synchronized (this) {
            out = new ArrayList<>(fixed.values());
        }
        if (dynamic != null) out.addAll(dynamic.list(fid));
        return out;
    }
}
