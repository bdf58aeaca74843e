package dev.anvillm.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;

import java.util.ArrayList;
import java.util.List;

/**
 * Text to read in a box that fills the screen: help, the daemon's facts, a session's log. A log
 * grows while it is open ({@link #append}); the view follows the end unless the reader scrolled
 * up. Arrows, j/k, PgUp/PgDn, g/G scroll; q or Esc closes.
 */
final class Pager implements Overlay {
    /** A log view keeps this many lines; older ones are dropped from the view (not from the log). */
    static final int MAX_LINES = 50_000;

    private final String title;
    private final List<String> lines = new ArrayList<>();
    private final Runnable onClose;
    private String footer = "";
    private int top;
    private boolean follow = true;
    private int lastRows = 20;

    Pager(String title, String text, Runnable onClose) {
        this.title = title;
        this.onClose = onClose;
        if (text != null && !text.isEmpty()) append(text);
        follow = false;
    }

    static Pager following(String title, Runnable onClose) {
        Pager p = new Pager(title, null, onClose);
        p.follow = true;
        return p;
    }

    /** Adds text (whole lines) at the end. */
    void append(String text) {
        String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String l : t.split("\n", -1)) lines.add(Text.printable(l));
        int over = lines.size() - MAX_LINES;
        if (over > 0) {
            lines.subList(0, over).clear();
            top = Math.max(0, top - over);
        }
    }

    /** A line under the text (how the log ended). */
    void footer(String s) {
        footer = s;
    }

    @Override
    public boolean key(KeyStroke k) {
        int page = Math.max(1, lastRows - 1);
        switch (k.getKeyType()) {
            case Escape -> {
                return false;
            }
            case ArrowUp -> scroll(-1);
            case ArrowDown -> scroll(1);
            case PageUp -> scroll(-page);
            case PageDown -> scroll(page);
            case Home -> scroll(-lines.size());
            case End -> scroll(lines.size());
            case Character -> {
                char c = k.getCharacter();
                if (k.isCtrlDown()) {
                    if (c == 'c') return false;
                    if (c == 'n') scroll(1);
                    if (c == 'p') scroll(-1);
                    if (c == 'f') scroll(page);
                    if (c == 'b') scroll(-page);
                    return true;
                }
                switch (c) {
                    case 'q' -> {
                        return false;
                    }
                    case 'j' -> scroll(1);
                    case 'k' -> scroll(-1);
                    case ' ' -> scroll(page);
                    case 'b' -> scroll(-page);
                    case 'g' -> scroll(-lines.size());
                    case 'G' -> scroll(lines.size());
                    default -> { }
                }
            }
            default -> { }
        }
        return true;
    }

    private void scroll(int by) {
        int max = Math.max(0, lines.size() - lastRows);
        top = Math.max(0, Math.min(max, (follow ? max : top) + by));
        follow = top >= max;
    }

    @Override
    public void draw(TextGraphics g, TerminalSize size) {
        Box b = Box.full(size);
        int rows = b.rows() - (footer.isEmpty() ? 0 : 1);
        lastRows = Math.max(1, rows);
        int max = Math.max(0, lines.size() - rows);
        if (follow) top = max;
        top = Math.min(top, max);
        String where = lines.isEmpty() ? "empty" : (top + 1) + "-" + Math.min(lines.size(), top + rows) + " of " + lines.size()
                + (follow ? " · following" : "");
        b.draw(g, title + " · " + where, "↑↓ PgUp PgDn g G scroll · q/Esc close");
        for (int i = 0; i < rows && top + i < lines.size(); i++) b.line(g, i, lines.get(top + i));
        if (!footer.isEmpty()) b.line(g, rows, footer);
    }

    @Override
    public void closed() {
        if (onClose != null) onClose.run();
    }
}
