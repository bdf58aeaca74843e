package dev.anvillm.srv.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

class TextLogTest {
    @TempDir Path dir;

    private static String read(TextLog log, long offset, int count) throws Exception {
        return new String(log.read(offset, count), StandardCharsets.UTF_8);
    }

    @Test
    void aCappedLogRotatesOnDiskAndOffsetsStayValidForReaders() throws Exception {
        TextLog log = new TextLog(dir.resolve("log"), 20);
        log.append("0123456789\n");            // offsets 0..10
        long reader = log.size();               // a live reader at the end: 11
        log.append("abcdefghij\n");            // 11..21: passes the cap, so the file rotates first
        assertTrue(Files.exists(dir.resolve("log.1")));
        assertTrue(Files.size(dir.resolve("log")) <= 20, "the file on disk is capped");
        assertEquals("abcdefghij\n", read(log, reader, 100), "the reader's offset still means the same bytes");
        assertEquals("0123456789\n", read(log, 0, 100), "the rotated part is still readable");
        assertEquals(22, log.size());
        log.append("klmnopqrst\n");            // rotates again: the first line is gone from disk
        assertEquals("abcdefghij\n", read(log, 0, 100), "a reader behind what is kept continues from the oldest byte");
        assertEquals("klmnopqrst\n", read(log, 22, 100));
        assertEquals("", read(log, 33, 100), "end of the log");
    }

    @Test
    void offsetsSurviveAReopen() throws Exception {
        TextLog log = new TextLog(dir.resolve("log"), 20);
        log.append("0123456789\n");
        log.append("abcdefghij\n");
        TextLog again = new TextLog(dir.resolve("log"), 20);
        assertEquals(22, again.size());
        assertEquals("abcdefghij\n", read(again, 11, 100));
    }

    @Test
    void aReadAtTheEndWaitsForMoreAndCloseEndsIt() throws Exception {
        TextLog log = new TextLog(dir.resolve("log"), 0);
        log.append("x\n");
        AtomicBoolean woken = new AtomicBoolean();
        log.await(2, () -> woken.set(true));
        assertFalse(woken.get());
        log.append("y\n");
        assertTrue(woken.get());
        AtomicBoolean eof = new AtomicBoolean();
        log.await(4, () -> eof.set(true));
        log.close();
        assertTrue(eof.get());
    }
}
