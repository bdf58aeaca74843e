package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.NinepException;

import java.util.ArrayList;
import java.util.List;

/**
 * The one quoting routine: splits a ctl line into words at white space; '...' holds anything
 * literally, "..." too, with \" and \\ inside. Nothing is ever expanded or run.
 */
public final class CtlLine {
    private CtlLine() {}

    public static List<String> split(String line) throws NinepException {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        int i = 0, n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (w != null) {
                    words.add(w.toString());
                    w = null;
                }
                i++;
                continue;
            }
            if (w == null) w = new StringBuilder();
            if (c == '\'' || c == '"') {
                int end = i + 1;
                boolean closed = false;
                while (end < n) {
                    char d = line.charAt(end);
                    if (d == c) {
                        closed = true;
                        break;
                    }
                    if (c == '"' && d == '\\' && end + 1 < n && (line.charAt(end + 1) == '"' || line.charAt(end + 1) == '\\')) {
                        end++;
                        d = line.charAt(end);
                    }
                    w.append(d);
                    end++;
                }
                if (!closed) throw new NinepException("unterminated " + (c == '"' ? "double" : "single") + " quote in: " + clip(line));
                i = end + 1;
                continue;
            }
            w.append(c);
            i++;
        }
        if (w != null) words.add(w.toString());
        return words;
    }

    static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
