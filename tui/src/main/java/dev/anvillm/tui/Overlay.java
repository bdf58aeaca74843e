package dev.anvillm.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;

/** A view drawn over the table that takes the keys while it is open (a dialog, an editor, the log). */
interface Overlay {
    /** Handles a key; returns false when the overlay is done and should close. */
    boolean key(KeyStroke k);

    void draw(TextGraphics g, TerminalSize size);

    /** Runs once when the overlay closes, however it closes. */
    default void closed() {}
}
