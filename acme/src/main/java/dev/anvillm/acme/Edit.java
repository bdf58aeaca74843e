package dev.anvillm.acme;

/** Text arithmetic in Acme's units: runes (code points), lines counted from 0. */
final class Edit {
    private Edit() {}

    /** Replace runes {@code q0..q1} of the old text with {@code text}. */
    record Change(int q0, int q1, String text) {}

    /** The one change that turns {@code from} into {@code to}: the runes between their common start and end; null when equal. */
    static Change between(String from, String to) {
        if (from.equals(to)) return null;
        int[] a = from.codePoints().toArray();
        int[] b = to.codePoints().toArray();
        int p = 0;
        while (p < a.length && p < b.length && a[p] == b[p]) p++;
        int s = 0;
        while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] == b[b.length - 1 - s]) s++;
        return new Change(p, a.length - s, new String(b, p, b.length - s - p));
    }

    /** The line (from 0) that rune {@code q} of {@code text} is on. */
    static int lineAt(String text, int q) {
        int line = 0;
        int i = 0;
        for (int cp : (Iterable<Integer>) text.codePoints()::iterator) {
            if (i++ >= q) break;
            if (cp == '\n') line++;
        }
        return line;
    }

    /** Runes {start, end} of line {@code line} of {@code text}, its newline excluded. */
    static int[] lineSpan(String text, int line) {
        int q = 0;
        int at = 0;
        int start = -1;
        for (int cp : (Iterable<Integer>) text.codePoints()::iterator) {
            if (at == line && start < 0) start = q;
            if (cp == '\n') {
                if (at == line) return new int[] {start, q};
                at++;
            }
            q++;
        }
        if (start < 0) start = q;
        return new int[] {start, q};
    }

    /** The length of {@code text} in runes. */
    static int runes(String text) {
        return text.codePointCount(0, text.length());
    }

    /** {@code text} from rune {@code q} on. */
    static String from(String text, int q) {
        int n = runes(text);
        return text.substring(text.offsetByCodePoints(0, Math.min(q, n)));
    }
}
