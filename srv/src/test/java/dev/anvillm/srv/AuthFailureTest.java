package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static dev.anvillm.srv.Faults.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * An agent that cannot authenticate says so, and the session says so too: `error` with the
 * agent's line as the cause, in info, log and events; its prompts wait in the queue; nothing
 * restarts it. The test agent answers as Claude Code does without credentials.
 */
class AuthFailureTest extends DaemonFixture {
    private static final String NOT_LOGGED_IN = "Not logged in · Please run /login";

    @BeforeEach
    void daemon() throws Exception {
        startDaemon("""
                backends:
                  slow:
                    extends: testagent
                    args: [--work-ms, "1500"]
                """);
    }

    @Test
    void notLoggedInPutsTheSessionInErrorWithThatLineAndKeepsItsPrompts() throws Exception {
        List<String> events = events();
        String id = a.create("slow " + project);
        a.awaitState(id, "idle");
        long pid = pid(a, id);
        a.write(id + "/in", "/reply " + NOT_LOGGED_IN + "\n");
        a.awaitState(id, "running");
        a.write(id + "/in", "the next question\n");

        a.awaitState(id, "error");
        String cause = "auth: " + NOT_LOGGED_IN;
        assertEquals(cause, info(a, id, "error"), a.diagnosis(id));
        assertTrue(a.logSoFar(id).contains("error: " + cause), a.diagnosis(id));
        await("the error event", () -> events.stream().anyMatch(e -> e.endsWith(" " + id + " error " + cause)), () -> String.join("\n", events));
        // the prompt it could not answer is back at the head of the queue, the next one behind it
        assertEquals("2", info(a, id, "queued"), a.diagnosis(id));
        try (var queued = Files.list(sessionDir(ns, id).resolve("queue"))) {
            List<String> texts = queued.sorted().map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertEquals(List.of("/reply " + NOT_LOGGED_IN + "\n", "the next question\n"), texts);
        }
        assertFalse(a.read(id + "/out").contains(NOT_LOGGED_IN), "it is not an answer");
        await("the backend ended", () -> !alive(pid), () -> a.diagnosis(id));
        // the restart policy does not spin on it
        holdsFor(Duration.ofSeconds(3), "error, with nothing restarted", () -> a.state(id).equals("error") && pid(a, id) == 0,
                () -> a.diagnosis(id));
        assertEquals("0", info(a, id, "restarts"));
    }

    @Test
    void aReplyThatMerelyQuotesTheLineIsAnAnswer() throws Exception {
        String id = a.create("slow " + project);
        a.awaitState(id, "idle");
        a.write(id + "/in", "/reply The CLI printed \"" + NOT_LOGGED_IN + "\" at you.\n");
        assertTrue(reply(a, id).startsWith("The CLI printed"));
        assertEquals("idle", a.state(id));
    }
}
