package dev.anvillm.srv.detect;

import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.session.State;
import dev.anvillm.srv.store.SessionStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a hook backend's hooks say of its state (Claude Code's SessionStart, UserPromptSubmit,
 * Stop, PermissionRequest, Notification, PreToolUse, PostToolUse): the lines its hook appended
 * since the last look, read in order; how far they were read and the state they leave, recorded
 * before anything is done about them (where a new daemon's replay starts, so a reply is never
 * recorded twice); and what each means, told to the session.
 *
 * <p>Owned by the session's actor, like {@link ScreenReading}.
 */
public final class HookReading {
    private static final System.Logger LOG = System.getLogger("anvilsrv");

    /** What the hooks tell the session; called on its actor. */
    public interface Session {
        State state();

        void setState(State s);

        /** The agent names its conversation's transcript (a new path each time it changes). */
        void transcript(String path);

        /** The CLI has started its session (SessionStart). */
        void sessionStarted();

        /** A prompt became a turn (UserPromptSubmit); {@code prompt} is its text as the agent got it. */
        void promptSubmitted(String prompt);

        /**
         * A turn starts among the events about to be recorded: the prompt it confirms must leave
         * the queue on disk before the mark, so it is never delivered twice.
         */
        void submittedSeen();

        /** The turn ended (Stop). */
        void turnEnded(HookEvent stop);
    }

    private final String id;
    private final boolean enabled;
    private final SessionStore store;
    private HookTail tail;
    private long lastHookMs;

    /** {@code enabled}: the backend has hooks (else nothing is recorded). */
    public HookReading(String id, boolean enabled, SessionStore store) {
        this.id = id;
        this.enabled = enabled;
        this.store = store;
    }

    /** A new run of the backend in {@code run}: its hooks are read from the end of what is there, and the mark says so. */
    public void launching(Path run) {
        tail = new HookTail(Launcher.hookFile(run));
        saveMark(State.STARTING);
    }

    /**
     * A run a new daemon adopts: its hooks are read from where the last daemon recorded it
     * left them (from the end of the file when it recorded nothing). Returns the state recorded then.
     */
    public Optional<State> adopt(Path run) {
        Optional<SessionStore.HookMark> mark = enabled ? store.hookMark(id) : Optional.empty();
        tail = mark.isPresent() ? new HookTail(Launcher.hookFile(run), mark.get().offset()) : new HookTail(Launcher.hookFile(run));
        return mark.map(m -> live(m.state()));
    }

    /** When a hook last said anything (epoch ms; 0 if none has). */
    public long lastHookMs() {
        return lastHookMs;
    }

    /** Reads what the hooks appended, records how far and the state it leaves, then tells the session each event. */
    public void poll(Session s) {
        if (tail == null) return;
        List<HookEvent> events = tail.poll();
        if (events.isEmpty()) return;
        if (events.stream().anyMatch(e -> e.name().equals("UserPromptSubmit"))) s.submittedSeen();
        State after = s.state();
        for (HookEvent e : events) after = stateAfter(after, e);
        saveMark(after);
        for (HookEvent e : events) apply(s, e);
    }

    /** Records how far the hooks were read and the state they leave. */
    public void saveMark(State s) {
        if (!enabled || tail == null) return;
        try {
            store.saveHookMark(id, new SessionStore.HookMark(tail.offset(), s.word()));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "session {0}: cannot record how far its hooks were read: {1}", id, e.getMessage());
        }
    }

    /** The state word {@link #apply} leaves behind (without its effects). */
    static State stateAfter(State s, HookEvent e) {
        if (!s.live()) return s;
        return switch (e.name()) {
            case "SessionStart" -> s == State.STARTING ? State.IDLE : s;
            case "UserPromptSubmit" -> State.RUNNING;
            case "Stop" -> State.IDLE;
            case "PermissionRequest" -> State.WAITING;
            case "Notification" -> e.needsHuman() ? State.WAITING : s;
            case "PreToolUse" -> asksTheHuman(e) ? State.WAITING : s == State.WAITING ? State.RUNNING : s;
            case "PostToolUse" -> s == State.WAITING ? State.RUNNING : s;
            default -> s;
        };
    }

    private void apply(Session s, HookEvent e) {
        if (e.transcriptPath() != null) s.transcript(e.transcriptPath());
        lastHookMs = System.currentTimeMillis();
        State state = s.state();
        switch (e.name()) {
            case "SessionStart" -> s.sessionStarted();
            case "UserPromptSubmit" -> s.promptSubmitted(e.text("prompt"));
            case "Stop" -> s.turnEnded(e);
            case "PermissionRequest" -> {
                if (state.live()) s.setState(State.WAITING);
            }
            case "Notification" -> {
                if (e.needsHuman() && state.live()) s.setState(State.WAITING);
            }
            case "PreToolUse" -> {
                // the model asking the human a question shows a dialog even with permissions off
                if (asksTheHuman(e) && state.live()) s.setState(State.WAITING);
                else if (state == State.WAITING) s.setState(State.RUNNING);
            }
            case "PostToolUse" -> {
                if (state == State.WAITING) s.setState(State.RUNNING);
            }
            default -> { }
        }
    }

    private static boolean asksTheHuman(HookEvent e) {
        return "AskUserQuestion".equals(e.text("tool_name"));
    }

    /** A recorded state word as the state a live session resumes in (anything else: idle). */
    private static State live(String word) {
        try {
            State s = State.parse(word);
            return s.live() ? s : State.IDLE;
        } catch (IllegalArgumentException e) {
            return State.IDLE;
        }
    }
}
