package dev.anvillm.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** agent/stats lines as the daemon writes them, and the figures as the front-ends show them. */
class StatsTest {
    @Test
    void linesParseWithTheirPortsAndTheExposedOnesMarked() {
        List<Stats> s = Stats.parseList("""
                1a2b3c4d\tdev\trunning\t37.2\t512004096\t432013312\t3730\t1\t9\t127.0.0.1:5173 [::1]:9229 0.0.0.0:3000!
                5e6f7a8b\t-\tsleeping\t0.0\t0\t-\t0\t2\t0\t-
                not a line
                """);
        assertEquals(2, s.size());
        Stats dev = s.get(0);
        assertEquals(new Stats("1a2b3c4d", "dev", State.RUNNING, 37.2, 512004096, 432013312, Duration.ofSeconds(3730), 1, 9,
                List.of(new Stats.Port("127.0.0.1", 5173, false), new Stats.Port("::1", 9229, false), new Stats.Port("0.0.0.0", 3000, true))), dev);
        assertEquals(432013312, dev.memory(), "PSS when known");
        Stats asleep = s.get(1);
        assertNull(asleep.alias());
        assertEquals("sleeping", asleep.state().word(), "a state word of issue 17 shows as it came");
        assertEquals(-1, asleep.pss());
        assertEquals(0, asleep.memory(), "RSS when PSS is unknown");
        assertEquals(List.of(), asleep.ports());
    }

    @Test
    void figuresAreShortForAColumn() {
        assertEquals(List.of("0.4", "12", "250"), List.of(Stats.cpuText(0.42), Stats.cpuText(12.4), Stats.cpuText(250)));
        assertEquals(List.of("4K", "512K", "1.5M", "87M", "1.2G"), List.of(Stats.bytesText(4000), Stats.bytesText(512 * 1024),
                Stats.bytesText(1536 * 1024), Stats.bytesText(87L << 20), Stats.bytesText(1288490189L)));
        assertEquals("1h02m10s", Stats.durationText(Duration.ofSeconds(3730)));
    }
}
