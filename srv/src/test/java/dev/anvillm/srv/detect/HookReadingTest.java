package dev.anvillm.srv.detect;

import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.session.State;
import dev.anvillm.srv.store.SessionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HookReadingTest {
    private static final String ID = "0badf00d";

    @TempDir
    Path dir;

    /** A session that writes down what it is told, and the mark on disk at each step. */
    private final class Told implements HookReading.Session {
        final List<String> said = new ArrayList<>();
        final SessionStore store;
        State state = State.STARTING;

        Told(SessionStore store) {
            this.store = store;
        }

        private String mark() {
            return store.hookMark(ID).map(m -> m.state()).orElse("none");
        }

        @Override public State state() { return state; }

        @Override
        public void setState(State s) {
            state = s;
            said.add("state " + s.word());
        }

        @Override public void transcript(String path) { said.add("transcript " + path); }

        @Override
        public void sessionStarted() {
            said.add("started");
            state = State.IDLE;
        }

        @Override
        public void promptSubmitted(String prompt) {
            said.add("prompt " + prompt + " (mark " + mark() + ")");
            state = State.RUNNING;
        }

        @Override public void submittedSeen() { said.add("submitted seen (mark " + mark() + ")"); }

        @Override
        public void turnEnded(HookEvent stop) {
            said.add("turn ended");
            state = State.IDLE;
        }
    }

    private static void hook(Path run, String json) throws IOException {
        Files.writeString(Launcher.hookFile(run), json + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void eventsAreRecordedBeforeTheyAreActedOnAndANewDaemonStartsWhereTheLastLeftOff() throws IOException {
        SessionStore store = new SessionStore(dir.resolve("state"));
        Files.createDirectories(store.dir(ID));
        Path run = Files.createDirectories(dir.resolve("run"));
        hook(run, "{\"hook_event_name\":\"Stop\"}"); // an earlier run's: not read
        HookReading hooks = new HookReading(ID, true, store);
        hooks.launching(run);
        assertEquals(Optional.of("starting"), store.hookMark(ID).map(m -> m.state()));
        Told s = new Told(store);

        hook(run, "{\"hook_event_name\":\"SessionStart\",\"transcript_path\":\"/t.jsonl\"}");
        hook(run, "{\"hook_event_name\":\"UserPromptSubmit\",\"prompt\":\"hi\"}");
        hooks.poll(s);
        // the prompt leaves the queue before the mark moves; the mark says running before the session hears of it
        assertEquals(List.of("submitted seen (mark starting)", "transcript /t.jsonl", "started", "prompt hi (mark running)"), s.said);

        s.said.clear();
        hook(run, "{\"hook_event_name\":\"Notification\",\"message\":\"Claude needs your permission to use Bash\"}");
        hook(run, "{\"hook_event_name\":\"PostToolUse\"}");
        hooks.poll(s);
        assertEquals(List.of("state waiting", "state running"), s.said);

        // half a line is left for the next look
        Files.writeString(Launcher.hookFile(run), "{\"hook_event_name\":\"St", StandardOpenOption.APPEND);
        s.said.clear();
        hooks.poll(s);
        assertEquals(List.of(), s.said);
        assertEquals(Optional.of("running"), store.hookMark(ID).map(m -> m.state()));

        // a new daemon: what came after the mark is replayed, from the state recorded
        Files.writeString(Launcher.hookFile(run), "op\"}\n", StandardOpenOption.APPEND);
        HookReading again = new HookReading(ID, true, store);
        assertEquals(Optional.of(State.RUNNING), again.adopt(run));
        Told t = new Told(store);
        t.state = State.RUNNING;
        again.poll(t);
        assertEquals(List.of("turn ended"), t.said);
        assertEquals(Optional.of("idle"), store.hookMark(ID).map(m -> m.state()));
    }

    @Test
    void aQuestionToTheHumanWaitsAndAnyToolUseAfterItRunsAgain() {
        State s = State.RUNNING;
        s = HookReading.stateAfter(s, event("PreToolUse", "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"AskUserQuestion\"}"));
        assertEquals(State.WAITING, s);
        s = HookReading.stateAfter(s, event("PreToolUse", "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\"}"));
        assertEquals(State.RUNNING, s);
        // an idle reminder is not a question; a stopped session stays stopped whatever its hooks say
        assertEquals(State.IDLE, HookReading.stateAfter(State.IDLE,
                event("Notification", "{\"hook_event_name\":\"Notification\",\"message\":\"Claude is waiting for your input\"}")));
        assertEquals(State.STOPPED, HookReading.stateAfter(State.STOPPED, event("UserPromptSubmit", "{}")));
    }

    private static HookEvent event(String name, String json) {
        try {
            return new HookEvent(name, new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
