package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.NinepException;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a ctl line into words: runs of non-blank characters, where '...' or "..." hold blanks
 * (no escapes inside; a quoted part may touch unquoted text, as in a shell). The one quoting rule
 * of every ctl file.
 */
public final class CommandWords {
    private CommandWords() {}

    public static List<String> split(String line) throws NinepException {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                int end = line.indexOf(c, i + 1);
                if (end < 0) throw new NinepException("unterminated " + (c == '"' ? "double" : "single") + " quote");
                word.append(line, i + 1, end);
                inWord = true;
                i = end;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(word.toString());
        return words;
    }

    /** {@code "word"}, cut short enough to keep an error message under 128 bytes. */
    static String quoted(String word) {
        return "\"" + (word.length() > 32 ? word.substring(0, 32) + "..." : word) + "\"";
    }
}
