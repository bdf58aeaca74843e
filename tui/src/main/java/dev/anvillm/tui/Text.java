package dev.anvillm.tui;

import com.googlecode.lanterna.TerminalTextUtils;

import java.util.ArrayList;
import java.util.List;

/** Fitting text into terminal columns: wide (CJK) characters take two, control characters none. */
final class Text {
    private Text() {}

    /** {@code s} cut or padded to exactly {@code width} columns. */
    static String fit(String s, int width) {
        if (width <= 0) return "";
        s = printable(s);
        String f = TerminalTextUtils.fitString(s, width);
        return f + " ".repeat(Math.max(0, width - TerminalTextUtils.getColumnWidth(f)));
    }

    /** {@code s} in {@code width} columns, cut at the left with '…' so the end (of a path) shows. */
    static String fitLeft(String s, int width) {
        s = printable(s);
        if (TerminalTextUtils.getColumnWidth(s) <= width) return fit(s, width);
        if (width <= 1) return fit("…", width);
        int i = 0;
        while (i < s.length() && TerminalTextUtils.getColumnWidth(s.substring(i)) > width - 1) i++;
        return fit("…" + s.substring(i), width);
    }

    static int width(String s) {
        return TerminalTextUtils.getColumnWidth(printable(s));
    }

    /** Tabs become spaces, other control characters '?': nothing reaches the terminal as a command. */
    static String printable(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= ' ' && c != 0x7f && !(c >= 0x80 && c < 0xa0)) {
                if (b != null) b.append(c);
                continue;
            }
            if (b == null) b = new StringBuilder(s.substring(0, i));
            b.append(c == '\t' ? "    " : "?");
        }
        return b == null ? s : b.toString();
    }

    /** Lines of {@code text} wrapped at {@code width} columns (words kept whole where they fit). */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        if (width <= 0) return out;
        for (String line : text.split("\n", -1)) {
            line = printable(line);
            if (TerminalTextUtils.getColumnWidth(line) <= width) {
                out.add(line);
            } else {
                out.addAll(TerminalTextUtils.getWordWrappedText(width, line));
            }
        }
        return out;
    }
}
