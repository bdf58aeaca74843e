package dev.anvillm.acme;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One message of a window's {@code event} file (acme(4)): {@code c1 c2 q0 q1 flag n text}, where
 * {@code c1} is the origin (E body/tag file, F other files, K keyboard, M mouse), {@code c2} the
 * kind (X/x button 2 in body/tag, L/l button 3, I/i D/d inserts and deletes), q0 q1 rune offsets,
 * and {@code n} the runes of {@code text} (0 with the text elided when it has 256 or more).
 */
public record AcmeEvent(char origin, char kind, int q0, int q1, int flag, int n, String text) {
    public static final int BUILTIN = 1;
    public static final int EXPANDED = 2;
    public static final int CHORDED = 8;

    public boolean inTag() {
        return Character.isLowerCase(kind);
    }

    public boolean isExecute() {
        return kind == 'X' || kind == 'x';
    }

    public boolean isLook() {
        return kind == 'L' || kind == 'l';
    }

    /** The message as written back to the event file, so that Acme applies the action itself. */
    public String handBack() {
        return "" + origin + kind + q0 + " " + q1 + "\n";
    }

    /** The message as Acme writes it. */
    public String wire() {
        return "" + origin + kind + q0 + " " + q1 + " " + flag + " " + n + " " + text + "\n";
    }

    /** Cuts a byte stream into messages; a message may arrive in pieces, split anywhere. */
    static final class Parser {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        /** Takes more bytes; returns the messages they complete. */
        List<AcmeEvent> add(byte[] b) {
            pending.write(b, 0, b.length);
            List<AcmeEvent> out = new ArrayList<>();
            byte[] buf = pending.toByteArray();
            int at = 0;
            while (true) {
                int end = parseOne(buf, at, out);
                if (end < 0) break;
                at = end;
            }
            pending.reset();
            pending.write(buf, at, buf.length - at);
            return out;
        }

        /** Parses the message at {@code at}; returns where the next one starts, or -1 when incomplete. */
        private static int parseOne(byte[] b, int at, List<AcmeEvent> out) {
            if (b.length - at < 2) return -1;
            char c1 = (char) b[at];
            char c2 = (char) b[at + 1];
            int p = at + 2;
            long[] num = new long[4];
            for (int i = 0; i < 4; i++) {
                long v = 0;
                boolean digits = false;
                while (p < b.length && b[p] >= '0' && b[p] <= '9') {
                    v = v * 10 + (b[p] - '0');
                    p++;
                    digits = true;
                }
                if (p >= b.length) return -1;
                if (b[p] != ' ' || !digits) throw new IllegalStateException("malformed acme event near byte " + p);
                num[i] = v;
                p++;
            }
            int n = (int) num[3];
            int start = p;
            for (int runes = 0; runes < n; runes++) {
                if (p >= b.length) return -1;
                p += utf8Length(b[p]);
            }
            if (p >= b.length) return -1;
            String text = new String(b, start, p - start, StandardCharsets.UTF_8);
            if (b[p] != '\n') throw new IllegalStateException("malformed acme event: no newline after its text");
            out.add(new AcmeEvent(c1, c2, (int) num[0], (int) num[1], (int) num[2], n, text));
            return p + 1;
        }

        private static int utf8Length(byte lead) {
            int u = lead & 0xff;
            if (u < 0x80) return 1;
            if (u >= 0xf0) return 4;
            if (u >= 0xe0) return 3;
            if (u >= 0xc0) return 2;
            return 1;
        }
    }
}
