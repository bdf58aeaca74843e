package dev.anvillm.ninep.cli;

import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/** How plan9port prints a directory entry: its %M, %D, %q and 9p's %T formats. */
public final class DirFormat {
    // 9P2000.u mode bits plan9port's dirmodefmt knows
    private static final int DMDEVICE = 0x00800000;
    private static final int DMSYMLINK = 0x02000000;
    private static final int DMSOCKET = 0x00100000;
    private static final int DMNAMEDPIPE = 0x00200000;

    private static final String[] RWX = {"---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    /** dirfmt writes into a 160-byte buffer: longer lines are cut. */
    private static final int DIRFMT_MAX = 159;

    private DirFormat() {}

    /** %M: {@code d-rwxr-xr-x}, {@code --rw-r--r--}, {@code a-...} for append-only, and so on. */
    public static String mode(int m) {
        char kind;
        if ((m & Stat.DMDIR) != 0) kind = 'd';
        else if ((m & Stat.DMAPPEND) != 0) kind = 'a';
        else if ((m & Stat.DMAUTH) != 0) kind = 'A';
        else if ((m & DMDEVICE) != 0) kind = 'D';
        else if ((m & DMSYMLINK) != 0) kind = 'L';
        else if ((m & DMSOCKET) != 0) kind = 'S';
        else if ((m & DMNAMEDPIPE) != 0) kind = 'P';
        else kind = '-';
        return "" + kind + ((m & Stat.DMEXCL) != 0 ? 'l' : '-')
                + RWX[(m >> 6) & 7] + RWX[(m >> 3) & 7] + RWX[m & 7];
    }

    /** %D, what {@code 9p stat} prints: {@code 'name' 'uid' 'gid' 'muid' q (path vers type) m mode at .. mt .. l .. t .. d ..}. */
    public static String stat(Stat d) {
        Qid q = d.qid();
        String octal = Integer.toOctalString(d.mode());
        String s = "'" + d.name() + "' '" + d.uid() + "' '" + d.gid() + "' '" + d.muid() + "' "
                + "q (" + String.format("%016x", q.path()) + " " + Integer.toUnsignedString(q.version())
                + " " + qidType(q.type()) + ") m " + (octal.equals("0") ? "0" : "0" + octal)
                + " at " + d.atime() + " mt " + d.mtime() + " l " + d.length()
                + " t " + (d.type() & 0xffff) + " d " + d.dev();
        return cut(s, DIRFMT_MAX);
    }

    static String qidType(int t) {
        StringBuilder b = new StringBuilder();
        if ((t & Qid.QTDIR) != 0) b.append('d');
        if ((t & Qid.QTAPPEND) != 0) b.append('a');
        if ((t & Qid.QTEXCL) != 0) b.append('l');
        if ((t & Qid.QTAUTH) != 0) b.append('A');
        return b.toString();
    }

    /**
     * %q: the string as is, unless it is empty or holds a space, a control character or a quote;
     * then in single quotes with quotes doubled.
     */
    public static String quote(String s) {
        boolean needs = s.isEmpty();
        for (int i = 0; i < s.length() && !needs; i++) {
            char c = s.charAt(i);
            needs = c <= ' ' || c == '\'';
        }
        return needs ? "'" + s.replace("'", "''") + "'" : s;
    }

    /**
     * 9p's %T: {@code Jan  2 15:04} for times less than about six months before {@code now} (and
     * any future time), else {@code Jan  2  2006}.
     */
    public static String time(long t, long now, ZoneId zone) {
        ZonedDateTime z = Instant.ofEpochSecond(t).atZone(zone);
        String mon = MONTHS[z.getMonthValue() - 1];
        if (now - t < 6L * 30 * 86400) {
            return String.format("%s %2d %02d:%02d", mon, z.getDayOfMonth(), z.getHour(), z.getMinute());
        }
        return String.format("%s %2d %5d", mon, z.getDayOfMonth(), z.getYear());
    }

    /** Pads to {@code width} the way Plan 9's fmt does: width counted in bytes by 9p, padding in characters. */
    static String pad(String s, int width, boolean left) {
        int n = width - s.codePointCount(0, s.length());
        if (n <= 0) return s;
        String fill = " ".repeat(n);
        return left ? s + fill : fill + s;
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String cut(String s, int maxBytes) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= maxBytes) return s;
        int end = maxBytes;
        while (end > 0 && (b[end] & 0xc0) == 0x80) end--; // do not split a character
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }
}
