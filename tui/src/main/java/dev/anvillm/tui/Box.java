package dev.anvillm.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;

/** A framed, centred box for dialogs: a title on the frame and a hint line at its foot. */
record Box(int left, int top, int width, int height) {
    static Box centred(TerminalSize screen, int width, int height) {
        int w = Math.min(width, screen.getColumns());
        int h = Math.min(height, screen.getRows());
        return new Box((screen.getColumns() - w) / 2, (screen.getRows() - h) / 2, w, h);
    }

    /** The whole screen but its last row (the status line stays visible). */
    static Box full(TerminalSize screen) {
        return new Box(0, 0, screen.getColumns(), Math.max(3, screen.getRows() - 1));
    }

    /** Columns inside the frame. */
    int inner() {
        return width - 2;
    }

    /** Rows inside the frame, the hint line excluded. */
    int rows() {
        return height - 3;
    }

    void draw(TextGraphics g, String title, String hint) {
        g.setBackgroundColor(TextColor.ANSI.DEFAULT);
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        g.fillRectangle(new TerminalPosition(left, top), new TerminalSize(width, height), ' ');
        g.drawRectangle(new TerminalPosition(left, top), new TerminalSize(width, height), '│');
        g.putString(left, top, "┌" + "─".repeat(Math.max(0, width - 2)) + "┐");
        g.putString(left, top + height - 1, "└" + "─".repeat(Math.max(0, width - 2)) + "┘");
        g.putString(left + 2, top, Text.fit(" " + title + " ", Math.min(Text.width(" " + title + " "), width - 4)), SGR.BOLD);
        g.setForegroundColor(TextColor.ANSI.CYAN);
        g.putString(left + 1, top + height - 2, Text.fit(" " + hint, inner()));
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }

    /** Puts {@code s} on inner row {@code row} (0 is the first inside the frame). */
    void line(TextGraphics g, int row, String s) {
        if (row < 0 || row >= rows()) return;
        g.putString(left + 1, top + 1 + row, Text.fit(s, inner()));
    }
}
