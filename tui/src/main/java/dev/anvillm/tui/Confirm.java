package dev.anvillm.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

/** A yes/no question; only 'y' says yes. */
final class Confirm implements Overlay {
    private final String title;
    private final String question;
    private final Runnable yes;

    Confirm(String title, String question, Runnable yes) {
        this.title = title;
        this.question = question;
        this.yes = yes;
    }

    @Override
    public boolean key(KeyStroke k) {
        if (k.getKeyType() == KeyType.Character && (k.getCharacter() == 'y' || k.getCharacter() == 'Y') && !k.isCtrlDown()) yes.run();
        return false;
    }

    @Override
    public void draw(TextGraphics g, TerminalSize size) {
        var lines = Text.wrap(question, Math.min(70, size.getColumns() - 4));
        Box b = Box.centred(size, Math.min(74, size.getColumns()), lines.size() + 3);
        b.draw(g, title, "y yes · any other key no");
        for (int i = 0; i < lines.size(); i++) b.line(g, i, lines.get(i));
    }
}
