package dev.anvillm.srv.supervise;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class RestartPolicyTest {
    @TempDir Path tmp;

    private static Duration s(double seconds) {
        return Duration.ofMillis((long) (seconds * 1000));
    }

    @Test
    void delaysDoubleFromOneSecondToSixtyAndALongRunResetsThem() {
        RestartPolicy.Tracker t = new RestartPolicy.Tracker(new RestartPolicy(s(1), s(60), s(30), 100, Duration.ofMinutes(10)));
        long now = 0;
        StringBuilder delays = new StringBuilder();
        for (int i = 0; i < 8; i++) delays.append(t.onCrash(s(1), now += 1000).toSeconds()).append(' ');
        assertEquals("1 2 4 8 16 32 60 60 ", delays.toString());
        assertEquals(s(1), t.onCrash(s(30), now + 1000));
        assertEquals(s(2), t.onCrash(s(29), now + 2000));
    }

    @Test
    void moreThanFiveRestartsInTenMinutesIsAnErrorButOlderOnesAgeOut() {
        RestartPolicy.Tracker t = new RestartPolicy.Tracker(RestartPolicy.DEFAULT);
        for (int i = 0; i < 5; i++) assertNotNull(t.onCrash(Duration.ZERO, i * 1000L));
        assertNull(t.onCrash(Duration.ZERO, 5000));
        // ten minutes after the first, it has aged out of the window
        assertNotNull(t.onCrash(Duration.ZERO, 600_001));
    }

    @Test
    void restartsByAnEarlierDaemonCountTowardTheLimit() {
        RestartPolicy.Tracker t = new RestartPolicy.Tracker(RestartPolicy.DEFAULT);
        long now = 1_000_000;
        for (int i = 0; i < 5; i++) t.restartedAt(now - 1000 * i, now);
        t.restartedAt(now - 700_000, now); // outside the window: ignored
        assertEquals(5, t.recent());
        assertNull(t.onCrash(Duration.ZERO, now));
        t.reset();
        assertEquals(s(1), t.onCrash(Duration.ZERO, now));
    }

    @Test
    void backendsYamlSetsTheDefaultAndEachBackendOverridesItThroughExtends() throws IOException {
        Path yaml = Files.writeString(tmp.resolve("backends.yaml"), """
                restart:
                  delay_seconds: 0.5
                  max_restarts: 2
                backends:
                  base:
                    extends: testagent
                    restart: {max_delay_seconds: 4, window_seconds: 60}
                  child:
                    extends: base
                  plain:
                    command: [sh]
                """);
        RestartPolicies p = RestartPolicies.load(yaml);
        assertEquals(new RestartPolicy(s(0.5), s(60), s(30), 2, Duration.ofMinutes(10)), p.global());
        assertEquals(new RestartPolicy(s(0.5), s(4), s(30), 2, Duration.ofSeconds(60)), p.of("base"));
        assertEquals(p.of("base"), p.of("child"));
        assertEquals(p.global(), p.of("plain"));
        assertEquals(p.global(), p.of("claude"));
    }

    @Test
    void noFileOrNoSectionKeepsSpecDefaults() throws IOException {
        assertEquals(RestartPolicy.DEFAULT, RestartPolicies.load(tmp.resolve("missing.yaml")).of("claude"));
        Path yaml = Files.writeString(tmp.resolve("backends.yaml"), "backends:\n  x:\n    command: [sh]\n");
        assertEquals(RestartPolicy.DEFAULT, RestartPolicies.load(yaml).of("x"));
    }

    @Test
    void aTypoOrABadValueIsAnErrorNamingIt() throws IOException {
        Path yaml = Files.writeString(tmp.resolve("a.yaml"), "restart:\n  delay: 1\n");
        IOException e = assertThrows(IOException.class, () -> RestartPolicies.load(yaml));
        assertEquals(yaml + ": restart: unknown key 'delay'; known: delay_seconds, max_delay_seconds, reset_after_seconds, max_restarts, window_seconds",
                e.getMessage());
        Path bad = Files.writeString(tmp.resolve("b.yaml"), "backends:\n  x:\n    command: [sh]\n    restart: {max_restarts: many}\n");
        e = assertThrows(IOException.class, () -> RestartPolicies.load(bad));
        assertEquals(bad + ": backend x: restart: max_restarts must be a whole number >= 0, not many", e.getMessage());
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertEquals("200 ms", RestartPolicy.human(s(0.2)));
        assertEquals("1 s", RestartPolicy.human(s(1)));
        assertEquals("90 s", RestartPolicy.human(s(90)));
        assertEquals("10 min", RestartPolicy.human(Duration.ofMinutes(10)));
    }
}
