package dev.anvillm.acme;

import java.util.ArrayList;
import java.util.List;

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

    /**
     * The changes that turn {@code from} into {@code to} line by line, last first (so each
     * applies at its offsets in {@code from}). Lines are paired by their first word (a session's
     * id, a header), as the longest common run of such words: a paired line is edited inside
     * itself, others are deleted or inserted whole. No change starts before the line it belongs
     * to, so Acme, which moves a window's first shown rune to the start of an edit that covers it,
     * keeps the same line at the top when columns widen or a session comes or goes.
     */
    static List<Change> byLine(String from, String to) {
        List<String> a = from.lines().map(l -> l + "\n").toList();
        List<String> b = to.lines().map(l -> l + "\n").toList();
        a = endsWithoutNewline(from) ? withLastTrimmed(a) : a;
        b = endsWithoutNewline(to) ? withLastTrimmed(b) : b;
        int n = a.size();
        int m = b.size();
        // lcs[i][j]: the longest common run of keys of a[i..] and b[j..]
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = key(a.get(i)).equals(key(b.get(j))) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Change> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        int q = 0;
        while (i < n || j < m) {
            if (i < n && j < m && key(a.get(i)).equals(key(b.get(j)))) {
                Change c = between(a.get(i), b.get(j));
                if (c != null) out.add(new Change(q + c.q0(), q + c.q1(), c.text()));
                q += runes(a.get(i++));
                j++;
            } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
                out.add(new Change(q, q, b.get(j++)));
            } else {
                int len = runes(a.get(i++));
                out.add(new Change(q, q + len, ""));
                q += len;
            }
        }
        return out.reversed();
    }

    private static boolean endsWithoutNewline(String s) {
        return !s.isEmpty() && !s.endsWith("\n");
    }

    private static List<String> withLastTrimmed(List<String> lines) {
        List<String> out = new ArrayList<>(lines);
        String last = out.removeLast();
        out.add(last.substring(0, last.length() - 1));
        return out;
    }

    /** What pairs a line with its next version: its first word. */
    private static String key(String line) {
        String t = line.strip();
        int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
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

    /** The first {@code q} runes of {@code text}. */
    static String prefix(String text, int q) {
        return text.substring(0, text.offsetByCodePoints(0, Math.min(q, runes(text))));
    }

    /** {@code text} from rune {@code q} on. */
    static String from(String text, int q) {
        int n = runes(text);
        return text.substring(text.offsetByCodePoints(0, Math.min(q, n)));
    }
}
