package dev.anvillm.srv.detect;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Backends;
import dev.anvillm.srv.session.State;
import dev.anvillm.srv.session.TestSessions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScreenReadingTest {
    @TempDir
    Path dir;

    private BackendSpec sh() throws Exception {
        return Backends.load(TestSessions.projectHome(), dir.resolve("none.yaml"), Map.of("PATH", "/usr/bin:/bin")).get("sh").orElseThrow();
    }

    @Test
    void aScreenNotYetSettledAsksForALookWhenItWillHaveAndThenTheTurnEnds() throws Exception {
        ScreenReading r = new ScreenReading(sh());
        String screen = "$ echo hi\nhi\n$ ";
        // it changed: a look once it has settled
        assertEquals(new ScreenReading.Verdict(ScreenReading.Step.NOTHING, 755), r.read(screen, 1_000, 0, false, State.RUNNING, false, 0));
        // a look that came sooner (output 100 ms later, nothing new): still not settled, and it
        // says when to look again (the look asked for first may have given way to this one)
        ScreenReading.Verdict v = r.read(screen, 1_100, 0, false, State.RUNNING, false, 0);
        assertEquals(ScreenReading.Step.NOTHING, v.step());
        assertEquals(655, v.againInMs());
        // settled, the prompt showing: the turn is over, and nothing more is asked
        v = r.read(screen, 1_760, 0, false, State.RUNNING, false, 0);
        assertEquals(ScreenReading.Step.TURN_ENDED, v.step());
        assertTrue(v.againInMs() < 0);
    }

    @Test
    void aChangeLookedAtLateIsDatedByTheOutputThatMadeIt() throws Exception {
        ScreenReading r = new ScreenReading(sh());
        r.read("$ ", 0, 0, false, State.RUNNING, false, 0);
        // the command's output came at 1,000, and the look only at 1,900 (it had been given an idle
        // session's pace): the screen changed at 1,000 and has been still since; one more look to be sure
        ScreenReading.Verdict v = r.read("$ echo hi\nhi\n$ ", 1_900, 1_000, false, State.RUNNING, false, 0);
        assertEquals(new ScreenReading.Verdict(ScreenReading.Step.NOTHING, 5), v);
        v = r.read("$ echo hi\nhi\n$ ", 1_905, 1_000, false, State.RUNNING, false, 0);
        assertEquals(ScreenReading.Step.TURN_ENDED, v.step());
        // output before the previous look says nothing of a change seen now: dated by this look
        v = r.read("$ echo hi\nhi\n$ ls\n$ ", 3_000, 1_000, false, State.RUNNING, false, 0);
        assertEquals(new ScreenReading.Verdict(ScreenReading.Step.NOTHING, 755), v);
    }
}
