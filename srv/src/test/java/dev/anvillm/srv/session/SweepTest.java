package dev.anvillm.srv.session;

import dev.anvillm.srv.TestNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The sweep (every few seconds, every session against tmux's listing of panes) is a safety net
 * behind the exit watch: a listing that went stale before a session's task ran, or a wake-up of
 * the exit watch while the process runs on, must not be taken for a crash and restart a working
 * agent (under load, a fresh session was seen "exited (tmux did not record how)" a second after
 * it started, and restarted).
 */
class SweepTest {
    @TempDir
    Path tmp;
    private TestSessions fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new TestSessions(Files.createDirectories(tmp.resolve("fx")));
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + TestNamespace.DEADLINE.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) fail(what);
            Thread.sleep(20); // polling a condition, with a deadline
        }
    }

    private Session idleShell() throws Exception {
        Session s = fixture.sessions.create("sh", tmp, "sw");
        await("the sh session idle", () -> s.state() == State.IDLE);
        return s;
    }

    @Test
    void aListingFromBeforeTheLaunchOrAFalseAlarmIsNotAnExitAndARealOneStillIs() throws Exception {
        long before = System.nanoTime();
        Session s = idleShell();
        int pid = s.pid();
        // a listing taken before the window existed: no pane for it
        s.sweep(null, before);
        // a listing taken now that misses the pane: the pane is asked again, and its process runs on
        s.sweep(null, System.nanoTime());
        s.onActor(() -> null); // both sweeps done
        assertEquals(State.IDLE, s.state());
        assertEquals(pid, s.pid());
        assertEquals(0, s.restarts(), "a false alarm restarted a working session");
        // still watched: a real death is noticed and healed
        new ProcessBuilder("kill", "-KILL", Integer.toString(pid)).start().waitFor();
        await("the killed shell restarted", () -> s.restarts() == 1 && s.state() == State.IDLE && s.pid() != pid);
        assertTrue(s.pid() > 0);
    }
}
