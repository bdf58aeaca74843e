package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static dev.anvillm.srv.Faults.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A backend with idle_sleep_seconds puts a session idle that long to sleep: its processes end,
 * its state reads `sleeping`, its conversation stays pinned; a prompt written to it is queued,
 * wakes it (the same conversation resumed) and is answered; a daemon restart keeps it asleep; a
 * session a human stopped is never woken by a prompt.
 */
class SleepWakeTest extends DaemonFixture {
    @BeforeEach
    void daemon() throws Exception {
        startDaemon("""
                backends:
                  sleepy:
                    extends: testagent
                    idle_sleep_seconds: 1
                """);
    }

    private String sleepingSession() throws Exception {
        String id = a.create("sleepy " + project);
        a.awaitState(id, "idle");
        a.write(id + "/in", "first question\n");
        assertTrue(reply(a, id).contains("turn 1"), a.diagnosis(id));
        long pid = pid(a, id);
        a.awaitState(id, "sleeping");
        await("its processes ended", () -> !alive(pid), () -> a.diagnosis(id));
        assertEquals("0", a.read(id + "/pid").strip(), a.diagnosis(id));
        assertTrue(a.read("list").contains(id + "\t-\tsleeping\t0\t"), a.read("list"));
        assertTrue(a.logSoFar(id).contains("asleep after 1 s idle (idle_sleep_seconds)"), a.diagnosis(id));
        return id;
    }

    @Test
    void anIdleSessionSleepsAndAPromptWakesItWithItsConversation() throws Exception {
        String id = sleepingSession();
        String conversation = info(a, id, "conversation");
        a.write(id + "/in", "second question\n");
        String answer = reply(a, id);
        // the resumed conversation counts the earlier turn: the same conversation, woken
        assertTrue(answer.contains("turn 2"), answer + "\n" + a.diagnosis(id));
        assertEquals(conversation, info(a, id, "conversation"));
        assertTrue(a.logSoFar(id).contains("woken by a prompt"), a.diagnosis(id));
        assertTrue(pid(a, id) > 0);
        // and it sleeps again once idle that long
        a.awaitState(id, "sleeping");
    }

    @Test
    void startWakesItAndADaemonRestartKeepsItAsleep() throws Exception {
        String id = sleepingSession();
        a.close();
        TestNamespace.Result r = ns.run("stop");
        assertEquals(0, r.exit(), r.err());
        TestNamespace.awaitExit(daemon);
        daemon = ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        holdsFor(java.time.Duration.ofSeconds(2), "asleep after the daemon restart", () -> a.read(id + "/state").strip().equals("sleeping"),
                () -> a.diagnosis(id));
        a.write(id + "/ctl", "start\n");
        a.awaitState(id, "idle");
        a.write(id + "/in", "after start\n");
        assertTrue(reply(a, id).contains("turn 2"), a.diagnosis(id));
    }

    @Test
    void aStoppedSessionIsNotWokenByAPrompt() throws Exception {
        String id = sleepingSession();
        a.write(id + "/ctl", "stop\n");
        a.awaitState(id, "stopped");
        IOException refused = assertThrows(IOException.class, () -> a.write(id + "/in", "wake up\n"));
        assertTrue(refused.getMessage().contains("write 'start'"), refused.getMessage());
        assertEquals("stopped", a.read(id + "/state").strip());
    }
}
