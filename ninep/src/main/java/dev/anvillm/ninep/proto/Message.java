package dev.anvillm.ninep.proto;

import java.util.List;

/**
 * Every 9P2000 message, one record per T/R type. {@code tag} is unsigned 16-bit held in an int;
 * fids, counts and msize are unsigned 32-bit held in ints (compare with {@link Integer#compareUnsigned}).
 */
public sealed interface Message {
    int NOTAG = 0xffff;
    int NOFID = 0xffffffff;
    /** 9P2000 allows at most this many names per walk. */
    int MAXWELEM = 16;

    int tag();

    /** The wire type byte. */
    int type();

    sealed interface T extends Message {
        /** The same request under another tag (a client picks the tag when it sends). */
        T withTag(int tag);
    }

    sealed interface R extends Message {}

    record Tversion(int tag, int msize, String version) implements T {
        public int type() { return 100; }
        public Tversion withTag(int t) { return new Tversion(t, msize, version); }
    }
    record Rversion(int tag, int msize, String version) implements R { public int type() { return 101; } }
    record Tauth(int tag, int afid, String uname, String aname) implements T {
        public int type() { return 102; }
        public Tauth withTag(int t) { return new Tauth(t, afid, uname, aname); }
    }
    record Rauth(int tag, Qid aqid) implements R { public int type() { return 103; } }
    record Tattach(int tag, int fid, int afid, String uname, String aname) implements T {
        public int type() { return 104; }
        public Tattach withTag(int t) { return new Tattach(t, fid, afid, uname, aname); }
    }
    record Rattach(int tag, Qid qid) implements R { public int type() { return 105; } }
    record Rerror(int tag, String ename) implements R { public int type() { return 107; } }
    record Tflush(int tag, int oldtag) implements T {
        public int type() { return 108; }
        public Tflush withTag(int t) { return new Tflush(t, oldtag); }
    }
    record Rflush(int tag) implements R { public int type() { return 109; } }

    record Twalk(int tag, int fid, int newfid, List<String> names) implements T {
        public Twalk { names = List.copyOf(names); }
        public int type() { return 110; }
        public Twalk withTag(int t) { return new Twalk(t, fid, newfid, names); }
    }

    record Rwalk(int tag, List<Qid> qids) implements R {
        public Rwalk { qids = List.copyOf(qids); }
        public int type() { return 111; }
    }

    record Topen(int tag, int fid, int mode) implements T {
        public int type() { return 112; }
        public Topen withTag(int t) { return new Topen(t, fid, mode); }
    }
    record Ropen(int tag, Qid qid, int iounit) implements R { public int type() { return 113; } }
    record Tcreate(int tag, int fid, String name, int perm, int mode) implements T {
        public int type() { return 114; }
        public Tcreate withTag(int t) { return new Tcreate(t, fid, name, perm, mode); }
    }
    record Rcreate(int tag, Qid qid, int iounit) implements R { public int type() { return 115; } }
    record Tread(int tag, int fid, long offset, int count) implements T {
        public int type() { return 116; }
        public Tread withTag(int t) { return new Tread(t, fid, offset, count); }
    }

    record Rread(int tag, byte[] data) implements R {
        public int type() { return 117; }
        @Override public boolean equals(Object o) {
            return o instanceof Rread r && r.tag == tag && java.util.Arrays.equals(r.data, data);
        }
        @Override public int hashCode() { return tag * 31 + java.util.Arrays.hashCode(data); }
        @Override public String toString() { return "Rread[tag=" + tag + ", count=" + data.length + "]"; }
    }

    record Twrite(int tag, int fid, long offset, byte[] data) implements T {
        public int type() { return 118; }
        public Twrite withTag(int t) { return new Twrite(t, fid, offset, data); }
        @Override public boolean equals(Object o) {
            return o instanceof Twrite w && w.tag == tag && w.fid == fid && w.offset == offset
                    && java.util.Arrays.equals(w.data, data);
        }
        @Override public int hashCode() { return (tag * 31 + fid) * 31 + java.util.Arrays.hashCode(data); }
        @Override public String toString() {
            return "Twrite[tag=" + tag + ", fid=" + fid + ", offset=" + offset + ", count=" + data.length + "]";
        }
    }

    record Rwrite(int tag, int count) implements R { public int type() { return 119; } }
    record Tclunk(int tag, int fid) implements T {
        public int type() { return 120; }
        public Tclunk withTag(int t) { return new Tclunk(t, fid); }
    }
    record Rclunk(int tag) implements R { public int type() { return 121; } }
    record Tremove(int tag, int fid) implements T {
        public int type() { return 122; }
        public Tremove withTag(int t) { return new Tremove(t, fid); }
    }
    record Rremove(int tag) implements R { public int type() { return 123; } }
    record Tstat(int tag, int fid) implements T {
        public int type() { return 124; }
        public Tstat withTag(int t) { return new Tstat(t, fid); }
    }
    record Rstat(int tag, Stat stat) implements R { public int type() { return 125; } }
    record Twstat(int tag, int fid, Stat stat) implements T {
        public int type() { return 126; }
        public Twstat withTag(int t) { return new Twstat(t, fid, stat); }
    }
    record Rwstat(int tag) implements R { public int type() { return 127; } }
}
