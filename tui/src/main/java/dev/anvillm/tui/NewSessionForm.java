package dev.anvillm.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import dev.anvillm.client.Backend;

import java.util.List;

/**
 * {@code s}: a backend (from agent/backends; unavailable ones shown with the reason and not
 * taken), a directory ({@code ~} works: the daemon expands it) and an optional alias.
 */
final class NewSessionForm implements Overlay {
    interface Create {
        void create(String backend, String dir, String alias);
    }

    private List<Backend> backends = List.of();
    private boolean loaded;
    private final Create create;
    private final StringBuilder dir;
    private final StringBuilder alias = new StringBuilder();
    private int field; // 0 backend, 1 dir, 2 alias
    private int choice;
    private String problem = "";

    NewSessionForm(String dir, Create create) {
        this.create = create;
        this.dir = new StringBuilder(dir);
    }

    /** The backends, once agent/backends was read; the first that can start is chosen. */
    void backends(List<Backend> list) {
        backends = list;
        loaded = true;
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).available()) {
                choice = i;
                break;
            }
        }
    }

    @Override
    public boolean key(KeyStroke k) {
        problem = "";
        switch (k.getKeyType()) {
            case Escape -> {
                return false;
            }
            case Tab -> field = (field + 1) % 3;
            case ReverseTab -> field = (field + 2) % 3;
            case ArrowUp -> {
                if (field == 0) choice = Math.max(0, choice - 1);
                else field--;
            }
            case ArrowDown -> {
                if (field == 0 && choice + 1 < backends.size()) choice++;
                else if (field < 2) field++;
            }
            case Enter -> {
                return submit();
            }
            case Backspace -> {
                StringBuilder f = current();
                if (f != null && !f.isEmpty()) f.setLength(f.length() - 1);
            }
            case Character -> {
                char c = k.getCharacter();
                StringBuilder f = current();
                if (k.isCtrlDown()) {
                    if (c == 'u' && f != null) f.setLength(0);
                    if (c == 'n' && field == 0 && choice + 1 < backends.size()) choice++;
                    if (c == 'p' && field == 0) choice = Math.max(0, choice - 1);
                    if (c == 'c') return false;
                } else if (field == 0) {
                    if (c == 'j' && choice + 1 < backends.size()) choice++;
                    if (c == 'k') choice = Math.max(0, choice - 1);
                } else if (f != null) {
                    f.append(c);
                }
            }
            default -> { }
        }
        return true;
    }

    private StringBuilder current() {
        return field == 1 ? dir : field == 2 ? alias : null;
    }

    private boolean submit() {
        if (backends.isEmpty()) {
            problem = loaded ? "the daemon lists no backends" : "still reading agent/backends…";
            return true;
        }
        Backend b = backends.get(choice);
        if (!b.available()) {
            problem = b.name() + " cannot start here: " + b.note();
            return true;
        }
        if (dir.toString().isBlank()) {
            problem = "which directory? type one (~ is your home)";
            field = 1;
            return true;
        }
        create.create(b.name(), dir.toString().strip(), alias.toString().strip());
        return false;
    }

    @Override
    public void draw(TextGraphics g, TerminalSize size) {
        int listRows = Math.max(1, Math.min(backends.size(), Math.max(3, size.getRows() - 12)));
        Box b = Box.centred(size, Math.min(76, size.getColumns()), listRows + 9);
        b.draw(g, "new session", "Tab next field · ↑↓ choose · Enter create · Esc cancel");
        label(g, b, 0, "Backend", field == 0);
        if (!loaded) b.line(g, 1, "  reading agent/backends…");
        int first = Math.max(0, Math.min(choice - listRows / 2, backends.size() - listRows));
        for (int i = 0; i < listRows; i++) {
            int n = first + i;
            if (n >= backends.size()) break;
            Backend be = backends.get(n);
            String s = (n == choice ? "› " : "  ") + be.name() + (be.available() ? "  " + be.note() : "  (unavailable: " + be.note() + ")");
            g.setForegroundColor(be.available() ? TextColor.ANSI.DEFAULT : TextColor.ANSI.BLACK_BRIGHT);
            if (n == choice && field == 0) g.putString(b.left() + 1, b.top() + 2 + i, Text.fit(s, b.inner()), SGR.REVERSE);
            else b.line(g, 1 + i, s);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }
        int r = listRows + 1;
        label(g, b, r, "Directory", field == 1);
        b.line(g, r + 1, "  " + dir + (field == 1 ? "▏" : ""));
        label(g, b, r + 2, "Alias (optional)", field == 2);
        b.line(g, r + 3, "  " + alias + (field == 2 ? "▏" : ""));
        if (!problem.isEmpty()) {
            g.setForegroundColor(TextColor.ANSI.RED);
            b.line(g, r + 4, problem);
            g.setForegroundColor(TextColor.ANSI.DEFAULT);
        }
    }

    private static void label(TextGraphics g, Box b, int row, String text, boolean focused) {
        if (focused) g.setForegroundColor(TextColor.ANSI.CYAN);
        g.putString(b.left() + 1, b.top() + 1 + row, Text.fit(text + (focused ? ":" : ""), b.inner()), focused ? SGR.BOLD : SGR.ITALIC);
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
    }
}
