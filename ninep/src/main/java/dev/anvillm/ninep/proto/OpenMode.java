package dev.anvillm.ninep.proto;

/** Topen/Tcreate mode bits. */
public final class OpenMode {
    public static final int OREAD = 0;
    public static final int OWRITE = 1;
    public static final int ORDWR = 2;
    public static final int OEXEC = 3;
    public static final int OTRUNC = 0x10;
    public static final int ORCLOSE = 0x40;

    private OpenMode() {}

    public static int access(int mode) {
        return mode & 3;
    }

    public static boolean wantsRead(int mode) {
        int a = access(mode);
        return a == OREAD || a == ORDWR || a == OEXEC;
    }

    public static boolean wantsWrite(int mode) {
        int a = access(mode);
        return a == OWRITE || a == ORDWR || (mode & OTRUNC) != 0;
    }
}
