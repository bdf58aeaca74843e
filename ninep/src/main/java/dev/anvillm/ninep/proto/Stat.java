package dev.anvillm.ninep.proto;

/**
 * A directory entry as 9P2000 sends it (stat[n]). {@code mode} holds the DM bits and permissions;
 * times are Unix seconds, unsigned 32-bit on the wire.
 */
public record Stat(int type, int dev, Qid qid, int mode, long atime, long mtime, long length,
                   String name, String uid, String gid, String muid) {
    public static final int DMDIR = 0x80000000;
    public static final int DMAPPEND = 0x40000000;
    public static final int DMEXCL = 0x20000000;
    public static final int DMAUTH = 0x08000000;
    public static final int DMTMP = 0x04000000;

    /** The "don't touch" value of every field, as Twstat uses it. */
    public static Stat dontTouch() {
        return new Stat(0xffff, -1, new Qid(0xff, -1, -1L), -1, 0xffffffffL, 0xffffffffL, -1L, "", "", "", "");
    }

    public boolean isDir() {
        return (mode & DMDIR) != 0;
    }

    /** Bytes this entry takes on the wire, including its own 2-byte size field. */
    public int wireSize() {
        return 2 + 2 + 4 + 13 + 4 + 4 + 4 + 8
                + Codec.stringSize(name) + Codec.stringSize(uid) + Codec.stringSize(gid) + Codec.stringSize(muid);
    }
}
