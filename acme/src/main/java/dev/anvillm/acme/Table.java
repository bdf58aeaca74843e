package dev.anvillm.acme;

import dev.anvillm.client.Backend;
import dev.anvillm.client.Session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The body of the {@code /AnviLLM/} window: a line of the backends that can start here (each a
 * command: {@code Claude /path}), a blank line, then the sessions in {@code list} order under the
 * headers ID Backend State Alias Cwd, columns as wide as their widest cell. {@link #rows} says
 * which session each line shows, so a line is mapped to a session by identity, never by parsing.
 */
record Table(String text, List<String> rows, int firstRow) {
    static final String[] HEADERS = {"ID", "Backend", "State", "Alias", "Cwd"};
    static final String GAP = "  ";
    /** The longest state word, {@code starting}. */
    static final int STATE_WIDTH = 8;

    static Table of(List<Backend> backends, List<Session> sessions, String problem) {
        StringBuilder b = new StringBuilder("Backends:");
        for (Backend be : backends) {
            if (be.available()) b.append(' ').append(commandName(be.name()));
        }
        b.append('\n');
        if (problem != null) b.append(problem).append('\n');
        b.append('\n');
        List<String[]> cells = new ArrayList<>();
        cells.add(HEADERS);
        for (Session s : sessions) {
            cells.add(new String[] {s.id(), s.backend() == null ? "?" : s.backend(), s.state().word(),
                    s.alias() == null ? "-" : s.alias(), s.cwd()});
        }
        int[] width = new int[HEADERS.length];
        width[2] = STATE_WIDTH; // a state change then rewrites one word, not the whole table
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].codePointCount(0, row[i].length()));
        }
        int firstRow = (int) b.chars().filter(c -> c == '\n').count() + 1;
        List<String> rows = new ArrayList<>();
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) line.append(" ".repeat(width[i] - row[i].codePointCount(0, row[i].length()))).append(GAP);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        for (Session s : sessions) rows.add(s.id());
        return new Table(b.toString(), List.copyOf(rows), firstRow);
    }

    /** The session shown on 0-based line {@code line} of the body, or null. */
    String sessionOnLine(int line) {
        int i = line - firstRow;
        return i >= 0 && i < rows.size() ? rows.get(i) : null;
    }

    /** How a backend is named as a command: capitalised, without a {@code -cli} suffix ({@code kiro-cli} is {@code Kiro}). */
    static String commandName(String backend) {
        String n = backend.endsWith("-cli") ? backend.substring(0, backend.length() - 4) : backend;
        return n.isEmpty() ? backend : n.substring(0, 1).toUpperCase(Locale.ROOT) + n.substring(1);
    }
}
