package dev.anvillm.acme;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A whole button-2 or button-3 action, put together from the event messages Acme sends for it:
 * the action itself, its expansion when the user clicked a null string (flag 2), and its chorded
 * argument when the user did a 2-1 chord (flag 8: the argument, then where it came from).
 *
 * @param event    the first message, the one to write back to hand the action to Acme
 * @param text     what was executed or looked at, expanded
 * @param argument the chorded argument, or null
 */
record Gesture(AcmeEvent event, String text, String argument) {

    /** Takes a window's event messages in order and calls {@code each} once per whole gesture. */
    static final class Assembler implements Consumer<AcmeEvent> {
        private final Win win;
        private final Consumer<Gesture> each;
        private AcmeEvent first;
        private String text;
        private boolean wantExpansion;
        private int argumentParts;
        private String argument;

        Assembler(Win win, Consumer<Gesture> each) {
            this.win = win;
            this.each = each;
        }

        @Override
        public void accept(AcmeEvent e) {
            if (first == null) {
                if (!e.isExecute() && !e.isLook()) return; // typing and file writes: nothing to do
                first = e;
                text = textOf(e);
                wantExpansion = (e.flag() & AcmeEvent.EXPANDED) != 0;
                argumentParts = e.isExecute() && (e.flag() & AcmeEvent.CHORDED) != 0 ? 2 : 0;
            } else if (wantExpansion) {
                wantExpansion = false;
                text = textOf(e);
            } else if (argumentParts == 2) {
                argumentParts = 1;
                argument = e.text();
            } else {
                argumentParts = 0; // the argument's origin: not needed
            }
            if (wantExpansion || argumentParts > 0) return;
            Gesture g = new Gesture(first, text, argument);
            first = null;
            argument = null;
            each.accept(g);
        }

        /** The event's text; Acme leaves out 256 runes or more, which are then read from the window. */
        private String textOf(AcmeEvent e) {
            if (e.n() > 0 || e.q1() <= e.q0()) return e.text();
            try {
                String all = e.inTag() ? win.tag() : win.body();
                int from = all.offsetByCodePoints(0, Math.min(e.q0(), all.codePointCount(0, all.length())));
                int to = all.offsetByCodePoints(0, Math.min(e.q1(), all.codePointCount(0, all.length())));
                return all.substring(from, to);
            } catch (IOException | RuntimeException gone) {
                return e.text();
            }
        }
    }
}
