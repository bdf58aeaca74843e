package dev.anvillm.ninep.cli;

import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.*;

class DirFormatTest {

    @Test
    void modesReadLikePlan9Ls() {
        assertEquals("d-rwxr-xr-x", DirFormat.mode(Stat.DMDIR | 0755));
        assertEquals("--rw-------", DirFormat.mode(0600));
        assertEquals("alrw-------", DirFormat.mode(Stat.DMAPPEND | Stat.DMEXCL | 0600));
        assertEquals("A-r--r--r--", DirFormat.mode(Stat.DMAUTH | 0444));
    }

    @Test
    void namesAreQuotedOnlyWhenTheyMustBe() {
        assertEquals("plain", DirFormat.quote("plain"));
        assertEquals("ünïcode", DirFormat.quote("ünïcode"));
        assertEquals("''", DirFormat.quote(""));
        assertEquals("'a b'", DirFormat.quote("a b"));
        assertEquals("'tab\t'", DirFormat.quote("tab\t"));
        assertEquals("'it''s'", DirFormat.quote("it's"));
    }

    @Test
    void recentTimesShowTheClockOlderOnesTheYear() {
        long now = 1_700_000_000L;
        long sixMonths = 6L * 30 * 86400;
        assertEquals("Nov 14 22:13", DirFormat.time(now, now, ZoneOffset.UTC));
        assertEquals("Nov 14 23:13", DirFormat.time(now + 3600, now, ZoneOffset.UTC), "the future counts as recent");
        assertEquals("May 18 22:13", DirFormat.time(now - sixMonths + 1, now, ZoneOffset.UTC));
        assertEquals("May 18  2023", DirFormat.time(now - sixMonths, now, ZoneOffset.UTC));
    }

    @Test
    void statLinesAreCutAt159BytesLikePlan9portsBuffer() {
        Stat s = new Stat(0, 0, new Qid(0, 0, 1), 0644, 0, 0, 0, "n".repeat(200), "u", "g", "u");
        String line = DirFormat.stat(s);
        assertEquals(159, line.getBytes(StandardCharsets.UTF_8).length);
        assertTrue(line.startsWith("'nnn"));
    }

    @Test
    void statShowsQidTypeLettersAndAnOctalMode() {
        Stat s = new Stat(0xffff, -1, new Qid(Qid.QTDIR | Qid.QTAPPEND, 7, 0xabcL), Stat.DMDIR | 0700,
                1, 2, 3, "d", "u", "g", "m");
        assertEquals("'d' 'u' 'g' 'm' q (0000000000000abc 7 da) m 020000000700 at 1 mt 2 l 3 t 65535 d -1",
                DirFormat.stat(s));
    }
}
