package dev.anvillm.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Text input in a box: one line (an alias, a filter: Enter takes it) or many (a prompt, a
 * context: Enter starts a new line, Ctrl-D sends). Esc cancels. {@code changed} hears every edit
 * (the filter applies as it is typed).
 */
final class Editor implements Overlay {
    private final String title;
    private final boolean multiLine;
    private final Consumer<String> done;
    private final Consumer<String> changed;
    private final List<StringBuilder> lines = new ArrayList<>();
    private int row;
    private int col;
    private int scroll;
    private Runnable cancelled = () -> {};
    private boolean touched;

    Editor(String title, String initial, boolean multiLine, Consumer<String> done, Consumer<String> changed) {
        this.title = title;
        this.multiLine = multiLine;
        this.done = done;
        this.changed = changed;
        for (String l : (initial == null ? "" : initial).split("\n", -1)) lines.add(new StringBuilder(l));
        if (!multiLine && lines.size() > 1) {
            String joined = String.join(" ", lines);
            lines.clear();
            lines.add(new StringBuilder(joined));
        }
        row = lines.size() - 1;
        col = lines.get(row).length();
    }

    static Editor line(String title, String initial, Consumer<String> done) {
        return new Editor(title, initial, false, done, t -> {});
    }

    static Editor text(String title, String initial, Consumer<String> done) {
        return new Editor(title, initial, true, done, t -> {});
    }

    /** Replaces the text with {@code text} (fetched after the editor opened), unless something was typed already. */
    void load(String text) {
        if (touched) return;
        lines.clear();
        for (String l : text.split("\n", -1)) lines.add(new StringBuilder(l));
        row = lines.size() - 1;
        col = lines.get(row).length();
    }

    /** Runs on Esc (and Ctrl-C). */
    Editor onCancel(Runnable r) {
        cancelled = r;
        return this;
    }

    String text() {
        return String.join("\n", lines);
    }

    @Override
    public boolean key(KeyStroke k) {
        StringBuilder cur = lines.get(row);
        touched = true;
        switch (k.getKeyType()) {
            case Escape -> {
                cancelled.run();
                return false;
            }
            case Enter -> {
                if (!multiLine) {
                    done.accept(text());
                    return false;
                }
                String rest = cur.substring(col);
                cur.setLength(col);
                lines.add(++row, new StringBuilder(rest));
                col = 0;
            }
            case Backspace -> {
                if (col > 0) {
                    cur.deleteCharAt(--col);
                } else if (row > 0) {
                    StringBuilder prev = lines.get(row - 1);
                    col = prev.length();
                    prev.append(cur);
                    lines.remove(row--);
                }
            }
            case Delete -> {
                if (col < cur.length()) cur.deleteCharAt(col);
                else if (row + 1 < lines.size()) cur.append(lines.remove(row + 1));
            }
            case ArrowLeft -> {
                if (col > 0) col--;
                else if (row > 0) col = lines.get(--row).length();
            }
            case ArrowRight -> {
                if (col < cur.length()) col++;
                else if (row + 1 < lines.size()) {
                    row++;
                    col = 0;
                }
            }
            case ArrowUp -> {
                if (row > 0) col = Math.min(col, lines.get(--row).length());
            }
            case ArrowDown -> {
                if (row + 1 < lines.size()) col = Math.min(col, lines.get(++row).length());
            }
            case Home -> col = 0;
            case End -> col = cur.length();
            case Tab -> {
                cur.insert(col, multiLine ? "\t" : " ");
                col++;
            }
            case Character -> {
                char c = k.getCharacter();
                if (k.isCtrlDown()) {
                    switch (c) {
                        case 'd', 's' -> {
                            done.accept(text());
                            return false;
                        }
                        case 'a' -> col = 0;
                        case 'e' -> col = cur.length();
                        case 'u' -> {
                            cur.delete(0, col);
                            col = 0;
                        }
                        case 'k' -> cur.setLength(col);
                        case 'c' -> {
                            cancelled.run();
                            return false;
                        }
                        default -> { }
                    }
                } else {
                    cur.insert(col++, c);
                }
            }
            default -> { }
        }
        changed.accept(text());
        return true;
    }

    @Override
    public void draw(TextGraphics g, TerminalSize size) {
        int height = multiLine ? Math.max(8, size.getRows() - 4) : 5;
        Box b = Box.centred(size, Math.max(40, size.getColumns() - 8), height);
        b.draw(g, title, multiLine ? "Ctrl-D send · Enter new line · Esc cancel" : "Enter ok · Esc cancel");
        int visible = b.rows();
        if (row < scroll) scroll = row;
        if (row >= scroll + visible) scroll = row - visible + 1;
        for (int i = 0; i < visible && scroll + i < lines.size(); i++) {
            String line = lines.get(scroll + i).toString();
            int r = scroll + i;
            // long lines scroll sideways so the cursor stays in view
            int from = 0;
            if (r == row && Text.width(line.substring(0, col)) >= b.inner() - 1) from = col - (b.inner() - 2);
            String shown = line.substring(Math.max(0, from));
            b.line(g, i, Text.printable(shown));
            if (r == row) {
                int cx = b.left() + 1 + Text.width(line.substring(Math.max(0, from), col));
                String under = col < line.length() ? Text.printable(String.valueOf(line.charAt(col))) : " ";
                if (cx < b.left() + b.width() - 1) g.putString(cx, b.top() + 1 + i, under, SGR.REVERSE);
            }
        }
    }
}
