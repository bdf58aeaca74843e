package dev.anvillm.srv.detect;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.session.State;

import java.time.Duration;
import java.util.List;

/**
 * What a backend's screen says of its state, by the backend's patterns (ready, busy, waiting),
 * and for how long it has stayed so. A screen that just changed says nothing yet: a state is
 * read off a screen that has settled (750 ms unchanged), so a half-drawn one is never taken for
 * a prompt. With hooks, the hooks decide; the screen adds only what raises no hook: the input box
 * drawn after the session started, a dialog, and a turn that was interrupted (no Stop hook then:
 * ready and still for 3 s with no hook).
 *
 * <p>Owned by the session's actor. It never schedules anything: each reading says when the
 * screen should be read again, since no output may come to say it has stayed as it is.
 */
public final class ScreenReading {
    static final Duration SETTLE = Duration.ofMillis(750);
    static final Duration INTERRUPTED_SETTLE = Duration.ofSeconds(3);

    /** What to do after a look; {@code againInMs} ≥ 0 asks for another look then. */
    public record Verdict(Step step, long againInMs) {
        static final Verdict NOTHING = new Verdict(Step.NOTHING, -1);
    }

    public enum Step {
        NOTHING,
        /** Starting, and ready for a prompt. */
        READY,
        /** A dialog waits for a human. */
        WAITING,
        /** At work: a prompt in delivery has arrived, or a turn began. */
        BUSY,
        /** Its turn is over: the prompt shows again. */
        TURN_ENDED
    }

    private final BackendSpec spec;
    private String last = "";
    private long changedMs;
    private long lastReadMs;

    public ScreenReading(BackendSpec spec) {
        this.spec = spec;
    }

    /** The screen as last read. */
    public String last() {
        return last;
    }

    /**
     * Reads {@code screen}, seen at {@code now} while the session is {@code state}.
     *
     * @param outputMs       when tmux last said the pane had output (0: never): a screen seen
     *                       changed changed then, when that was after the previous look, not when
     *                       it was looked at (a look can come a second after the output, and the
     *                       screen has been still since)
     * @param force          judge it even if it just changed (a user asked for a refresh; starting)
     * @param sessionStarted a hook backend has said it started
     * @param lastHookMs     when its last hook came
     */
    public Verdict read(String screen, long now, long outputMs, boolean force, State state, boolean sessionStarted, long lastHookMs) {
        long again = -1;
        long previousRead = lastReadMs;
        lastReadMs = now;
        if (!screen.equals(last)) {
            last = screen;
            changedMs = outputMs > previousRead && outputMs <= now ? outputMs : now;
            again = Math.max(0, changedMs + SETTLE.toMillis() - now) + 5; // a look when it has settled
            if (!force) return new Verdict(Step.NOTHING, again);
        }
        boolean settled = force || now - changedMs >= SETTLE.toMillis();
        // not settled yet: a look when it will have (the one asked for when it changed may have
        // given way to a sooner one, this one; without it, no look might come until the sweep)
        if (!settled && again < 0) again = changedMs + SETTLE.toMillis() - now + 5;
        String tail = lastLines(screen, 12);
        boolean waiting = waitingShown(screen);
        boolean busy = spec.busy() != null && spec.busy().matcher(tail).find();
        boolean ready = spec.ready() != null && spec.ready().matcher(lastLines(screen, 6)).find();
        boolean turn = state == State.RUNNING || state == State.WAITING;
        if (spec.hooks()) {
            if (state == State.STARTING && sessionStarted && (ready || spec.ready() == null)) return new Verdict(Step.READY, again);
            // a question in a turn, or a first-run dialog before the CLI has even started its session
            if (waiting && (state == State.RUNNING || state == State.STARTING && !sessionStarted) && settled) return new Verdict(Step.WAITING, again);
            if (turn && ready && !busy && !waiting) {
                long quiet = now - Math.max(changedMs, lastHookMs);
                if (quiet >= INTERRUPTED_SETTLE.toMillis()) return new Verdict(Step.TURN_ENDED, again);
                return new Verdict(Step.NOTHING, INTERRUPTED_SETTLE.toMillis() - quiet + 5);
            }
            return new Verdict(Step.NOTHING, again);
        }
        if (waiting && settled) return new Verdict(Step.WAITING, again);
        if (busy) return new Verdict(Step.BUSY, again);
        if (ready && settled && (state == State.STARTING || turn)) return new Verdict(state == State.STARTING ? Step.READY : Step.TURN_ENDED, again);
        return new Verdict(Step.NOTHING, again);
    }

    /** The backend's question or dialog pattern shows on {@code screen}. */
    public boolean waitingShown(String screen) {
        return spec.waiting() != null && spec.waiting().matcher(lastLines(screen, 12)).find();
    }

    /** The last {@code n} lines of {@code screen} that are not blank at its end. */
    public static String lastLines(String screen, int n) {
        List<String> lines = screen.lines().toList();
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) end--;
        return String.join("\n", lines.subList(Math.max(0, end - n), end));
    }

    /** {@code screen} with trailing blanks of each line and trailing blank lines dropped: what a user sees. */
    public static String visible(String screen) {
        StringBuilder b = new StringBuilder();
        int kept = 0;
        for (String line : screen.split("\n", -1)) {
            b.append(line.stripTrailing()).append('\n');
            if (!line.isBlank()) kept = b.length();
        }
        return b.substring(0, kept);
    }

    /**
     * The last five lines of a pane (read with its history) that say something of what its last
     * run wrote: not an earlier run's, above tmux's "Pane is dead" line for it.
     */
    public static List<String> lastWords(String withHistory) {
        return lastWords(withHistory, 5);
    }

    /** The last {@code n} such lines. */
    public static List<String> lastWords(String withHistory, int n) {
        List<String> all = withHistory.lines().filter(l -> !l.isBlank()).map(String::strip).toList();
        int end = !all.isEmpty() && all.getLast().startsWith("Pane is dead") ? all.size() - 1 : all.size();
        int start = end;
        while (start > 0 && !all.get(start - 1).startsWith("Pane is dead")) start--;
        return all.subList(Math.max(start, end - n), end);
    }

    /** Lines as one line of a cause. */
    public static String joined(List<String> lines) {
        return lines.isEmpty() ? "(empty)" : String.join(" | ", lines);
    }
}
