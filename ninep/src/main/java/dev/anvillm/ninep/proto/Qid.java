package dev.anvillm.ninep.proto;

/** A server's unique identification of a file: type bits, version, path. 13 bytes on the wire. */
public record Qid(int type, int version, long path) {
    public static final int QTDIR = 0x80;
    public static final int QTAPPEND = 0x40;
    public static final int QTEXCL = 0x20;
    public static final int QTAUTH = 0x08;
    public static final int QTFILE = 0x00;

    public boolean isDir() {
        return (type & QTDIR) != 0;
    }
}
