package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.tree.File;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Qid paths are stable; qid.vers and mtime move when content changes (SPEC §3). */
class QidVersionTest extends ServedTreeTest {
    Stat stat(String... path) throws Exception {
        c.call(new Twalk(0, 0, 9, List.of(path)), Rwalk.class);
        try {
            return c.call(new Tstat(0, 9), Rstat.class).stat();
        } finally {
            c.call(new Tclunk(0, 9), Rclunk.class);
        }
    }

    /** mtime has a resolution of one second: let the clock pass the second of {@code mtime}. */
    static void waitForTheClockToPass(long mtime) {
        Await.until("the clock to pass " + mtime, Duration.ofSeconds(3), () -> System.currentTimeMillis() / 1000 > mtime);
    }

    @Test
    void contentChangeMovesQidVersionAndMtimeButNotThePath() throws Exception {
        Stat before = stat("mutable");
        waitForTheClockToPass(before.mtime());
        tree.mutable.set("second, longer\n");
        Stat after = stat("mutable");
        assertEquals(before.qid().path(), after.qid().path());
        assertNotEquals(before.qid().version(), after.qid().version());
        assertTrue(after.mtime() > before.mtime(), before.mtime() + " -> " + after.mtime());
        assertEquals("second, longer\n".length(), after.length());
        Rwalk w = c.call(new Twalk(0, 0, 1, List.of("mutable")), Rwalk.class);
        assertEquals(after.qid(), w.qids().get(0), "walks see the new version too");
    }

    @Test
    void unchangedContentKeepsItsQid() throws Exception {
        Stat before = stat("mutable");
        Stat again = stat("mutable");
        assertEquals(before.qid(), again.qid());
        assertEquals(before.mtime(), again.mtime());
    }

    @Test
    void aCommittedWriteMovesTheVersion() throws Exception {
        Stat before = stat("alias");
        waitForTheClockToPass(before.mtime());
        c.call(new Twalk(0, 0, 1, List.of("alias")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        c.call(new Twrite(0, 1, 0, "reviewer\n".getBytes(StandardCharsets.UTF_8)), Rwrite.class);
        c.call(new Tclunk(0, 1), Rclunk.class);
        Stat after = stat("alias");
        assertEquals("reviewer\n", tree.alias.get());
        assertEquals(before.qid().path(), after.qid().path());
        assertNotEquals(before.qid().version(), after.qid().version());
        assertTrue(after.mtime() > before.mtime());
        assertEquals(9, after.length());
    }

    @Test
    void addingAnEntryMovesTheDirectorysVersion() throws Exception {
        Stat before = c.call(new Tstat(0, 0), Rstat.class).stat();
        Stat d = stat("d");
        tree.root.add(File.text("late", () -> ""));
        Stat after = c.call(new Tstat(0, 0), Rstat.class).stat();
        assertEquals(before.qid().path(), after.qid().path());
        assertNotEquals(before.qid().version(), after.qid().version());
        assertEquals(d.qid(), stat("d").qid(), "a sibling directory did not change");
        assertEquals("late", stat("late").name());
    }

    @Test
    void qidPathsAreTheSameOnEveryConnection() throws Exception {
        try (RawClient other = new RawClient(server.socket())) {
            other.handshake();
            for (String name : List.of("list", "ctl", "d", "events")) {
                Rwalk mine = c.call(new Twalk(0, 0, 1, List.of(name)), Rwalk.class);
                Rwalk theirs = other.call(new Twalk(0, 0, 1, List.of(name)), Rwalk.class);
                assertEquals(mine.qids(), theirs.qids(), name);
                c.call(new Tclunk(0, 1), Rclunk.class);
                other.call(new Tclunk(0, 1), Rclunk.class);
            }
        }
    }

    @Test
    void everyFileHasItsOwnQidPath() throws Exception {
        List<Long> paths = new ArrayList<>();
        for (String name : List.of("list", "mutable", "big", "ctl", "in", "alias", "events", "whoami", "d", "a")) {
            paths.add(stat(name).qid().path());
        }
        paths.add(c.call(new Tstat(0, 0), Rstat.class).stat().qid().path());
        assertEquals(paths.size(), paths.stream().distinct().count());
    }
}
