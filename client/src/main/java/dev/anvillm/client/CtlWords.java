package dev.anvillm.client;

/**
 * Quoting for the words of a ctl line, the inverse of the daemon's one parser: '...' or "..."
 * hold blanks, with no escapes inside, and quoted parts may touch (so {@code it's} is written
 * {@code 'it'"'"'s'}).
 */
public final class CtlWords {
    private CtlWords() {}

    /** {@code word} as the daemon will read it back as one word. */
    public static String quote(String word) {
        if (!word.isEmpty() && word.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"')) return word;
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < word.length() || b.isEmpty()) {
            if (i < word.length() && word.charAt(i) == '\'') {
                int j = i;
                while (j < word.length() && word.charAt(j) == '\'') j++;
                b.append('"').append(word, i, j).append('"');
                i = j;
            } else {
                int j = word.indexOf('\'', i);
                if (j < 0) j = word.length();
                b.append('\'').append(word, i, j).append('\'');
                i = j;
            }
        }
        return b.toString();
    }
}
