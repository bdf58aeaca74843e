package dev.anvillm.srv.supervise;

import dev.anvillm.srv.host.Tmux;

/**
 * How a backend's process ended, as its pane tells: the words for {@code info}, {@code log} and
 * {@code events} ({@code how}), whether it was a clean exit (status 0, no signal: the user quit
 * the CLI, a stop rather than a crash), whether it failed with a status of its own (a CLI
 * giving up, as on a conversation it cannot resume), and that status (-1 when not known).
 */
public record Exit(String how, boolean clean, boolean failed, int status) {
    /** From the pane as tmux lists it (null: no pane, the window or the server is gone). */
    public static Exit of(Tmux.Pane pane, String where) {
        String how = (pane == null ? "tmux window gone"
                : !pane.dead() ? "exited (tmux did not record how)"
                : pane.deadSignal() > 0 ? "killed by signal " + pane.deadSignal()
                : "exit status " + pane.deadStatus()) + where;
        boolean recorded = pane != null && pane.dead() && pane.deadSignal() <= 0;
        return new Exit(how, recorded && pane.deadStatus() == 0, recorded && pane.deadStatus() > 0, recorded ? pane.deadStatus() : -1);
    }
}
