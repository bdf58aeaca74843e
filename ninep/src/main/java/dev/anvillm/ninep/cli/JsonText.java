package dev.anvillm.ninep.cli;

/** JSON text for the commands' {@code --json} output, written by hand (no JSON library in a one-shot client). */
public final class JsonText {
    private JsonText() {}

    /** A JSON string: quotes, backslashes and control characters escaped. */
    public static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
