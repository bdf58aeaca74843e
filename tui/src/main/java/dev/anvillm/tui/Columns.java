package dev.anvillm.tui;

/**
 * The table's columns (AnviLLM's: ID Alias Backend State PID Cwd, then CPU% and MEM from
 * agent/stats before the Cwd), fitted to the terminal's width.
 */
record Columns(int id, int alias, int backend, int state, int pid, int cpu, int mem, int cwd) {
    static Columns of(int width) {
        int alias = width >= 100 ? 20 : 14;
        int fixed = 1 + 8 + 1 + alias + 1 + 9 + 1 + 8 + 1 + 7 + 1 + 5 + 1 + 6 + 1;
        return new Columns(8, alias, 9, 8, 7, 5, 6, Math.max(4, width - fixed));
    }

    /** The column where the state starts. */
    int stateAt() {
        return 1 + id + 1 + alias + 1 + backend + 1;
    }

    /** One row: the numbers right-aligned, the cwd cut at the left so that its end shows. */
    String row(String id, String alias, String backend, String state, String pid, String cpu, String mem, String cwd) {
        return " " + Text.fit(id, this.id) + " " + Text.fit(alias, this.alias) + " " + Text.fit(backend, this.backend) + " "
                + Text.fit(state, this.state) + " " + Text.fit(pid, this.pid) + " " + right(cpu, this.cpu) + " " + right(mem, this.mem)
                + " " + Text.fitLeft(cwd, this.cwd);
    }

    private static String right(String s, int width) {
        return s.length() >= width ? Text.fit(s, width) : " ".repeat(width - s.length()) + s;
    }
}
