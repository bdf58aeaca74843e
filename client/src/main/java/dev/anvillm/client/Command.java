package dev.anvillm.client;

/** The words of {@code agent/<id>/ctl}. */
public enum Command {
    STOP("stop"), START("start"), RESTART("restart"), RESTART_FRESH("restart fresh"),
    KILL("kill"), INTERRUPT("interrupt"), REFRESH("refresh");

    private final String line;

    Command(String line) {
        this.line = line;
    }

    /** The line written to ctl, without its newline. */
    public String line() {
        return line;
    }
}
