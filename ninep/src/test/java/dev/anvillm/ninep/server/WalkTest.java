package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Twalk (SPEC §3): clone, newfid == fid, partial walks, "..", errors. */
class WalkTest extends ServedTreeTest {
    Qid qidOf(int fid) throws Exception {
        return c.call(new Tstat(0, fid), Rstat.class).stat().qid();
    }

    String nameOf(int fid) throws Exception {
        return c.call(new Tstat(0, fid), Rstat.class).stat().name();
    }

    @Test
    void walkOfNoNamesClonesTheFid() throws Exception {
        Rwalk w = c.call(new Twalk(0, 0, 1, List.of()), Rwalk.class);
        assertEquals(List.of(), w.qids());
        assertEquals(qidOf(0), qidOf(1));
        c.call(new Twalk(0, 1, 2, List.of("d")), Rwalk.class);
        assertEquals("/", nameOf(0), "walking the clone leaves the original where it was");
        assertEquals("/", nameOf(1));
    }

    @Test
    void walkWithNewfidEqualToFidMovesTheFid() throws Exception {
        c.call(new Twalk(0, 0, 1, List.of()), Rwalk.class);
        Rwalk w = c.call(new Twalk(0, 1, 1, List.of("d", "f007")), Rwalk.class);
        assertEquals(2, w.qids().size());
        assertEquals("f007", nameOf(1));
        assertEquals(w.qids().get(1), qidOf(1));
    }

    @Test
    void walkReturnsOneQidPerName() throws Exception {
        Rwalk w = c.call(new Twalk(0, 0, 1, List.of("a", "a", "a")), Rwalk.class);
        assertEquals(3, w.qids().size());
        assertTrue(w.qids().stream().allMatch(Qid::isDir));
        assertEquals(3, w.qids().stream().distinct().count(), "each directory has its own qid path");
        assertEquals(w.qids().get(2), qidOf(1));
    }

    @Test
    void partialWalkReturnsTheQidsWalkedSoFar() throws Exception {
        Qid d = c.call(new Twalk(0, 0, 1, List.of("d")), Rwalk.class).qids().get(0);
        Rwalk w = c.call(new Twalk(0, 0, 2, List.of("d", "nope", "f001")), Rwalk.class);
        assertEquals(List.of(d), w.qids());
    }

    @Test
    void partialWalkDoesNotCreateNewfid() throws Exception {
        c.call(new Twalk(0, 0, 2, List.of("d", "nope")), Rwalk.class);
        assertEquals("bad fid", c.error(new Tstat(0, 2)));
        c.call(new Twalk(0, 0, 2, List.of("d")), Rwalk.class);
    }

    @Test
    void partialWalkWithNewfidEqualToFidLeavesTheFidWhereItWas() throws Exception {
        c.call(new Twalk(0, 0, 1, List.of("d")), Rwalk.class);
        Rwalk w = c.call(new Twalk(0, 1, 1, List.of("f001", "deeper")), Rwalk.class);
        assertEquals(1, w.qids().size());
        assertEquals("d", nameOf(1));
    }

    @Test
    void failureOnTheFirstNameIsFileDoesNotExist() throws Exception {
        assertEquals("file does not exist", c.error(new Twalk(0, 0, 1, List.of("nope"))));
        assertEquals("file does not exist", c.error(new Twalk(0, 0, 1, List.of("nope", "d"))));
        assertEquals("bad fid", c.error(new Tstat(0, 1)));
    }

    @Test
    void walkingFromAFileIsNotADirectory() throws Exception {
        c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
        assertEquals("not a directory", c.error(new Twalk(0, 1, 2, List.of("x"))));
        assertEquals("bad fid", c.error(new Tstat(0, 2)));
    }

    @Test
    void walkingThroughAFileStopsAtTheFile() throws Exception {
        Rwalk w = c.call(new Twalk(0, 0, 1, List.of("big", "x")), Rwalk.class);
        assertEquals(1, w.qids().size());
        assertFalse(w.qids().get(0).isDir());
        assertEquals("bad fid", c.error(new Tstat(0, 1)));
    }

    @Test
    void dotDotGoesUp() throws Exception {
        Qid root = qidOf(0);
        Qid d = c.call(new Twalk(0, 0, 1, List.of("d")), Rwalk.class).qids().get(0);
        Rwalk w = c.call(new Twalk(0, 0, 2, List.of("a", "a", "..", "..", "d", "..")), Rwalk.class);
        assertEquals(6, w.qids().size());
        assertEquals(root, w.qids().get(3));
        assertEquals(d, w.qids().get(4));
        assertEquals(root, w.qids().get(5));
        assertEquals(root, qidOf(2));
        c.call(new Twalk(0, 1, 1, List.of("..")), Rwalk.class);
        assertEquals(root, qidOf(1));
    }

    @Test
    void dotDotAtTheRootStaysAtTheRoot() throws Exception {
        Qid root = qidOf(0);
        Rwalk w = c.call(new Twalk(0, 0, 1, List.of("..", "..")), Rwalk.class);
        assertEquals(List.of(root, root), w.qids());
        assertEquals(root, qidOf(1));
    }

    @Test
    void walkToANewfidAlreadyInUseFails() throws Exception {
        c.call(new Twalk(0, 0, 1, List.of("d")), Rwalk.class);
        assertEquals("fid in use", c.error(new Twalk(0, 0, 1, List.of("list"))));
        assertEquals("fid in use", c.error(new Twalk(0, 0, 1, List.of())));
        assertEquals("d", nameOf(1), "the fid in use is untouched");
    }

    @Test
    void walkingAnOpenFidFails() throws Exception {
        c.call(new Twalk(0, 0, 1, List.of("d")), Rwalk.class);
        c.call(new Topen(0, 1, 0), Ropen.class);
        c.error(new Twalk(0, 1, 2, List.of("f001")));
        c.error(new Twalk(0, 1, 2, List.of()));
        c.error(new Twalk(0, 1, 1, List.of("f001")));
        assertEquals("bad fid", c.error(new Tstat(0, 2)));
        assertEquals("d", nameOf(1));
    }

    @Test
    void walkOfAnUnknownFidIsBadFid() throws Exception {
        assertEquals("bad fid", c.error(new Twalk(0, 9, 10, List.of("d"))));
        assertEquals("bad fid", c.error(new Twalk(0, 9, 9, List.of())));
    }

    @Test
    void sixteenNamesAreWalkedInOneMessage() throws Exception {
        Rwalk w = c.call(new Twalk(0, 0, 1, Collections.nCopies(16, "a")), Rwalk.class);
        assertEquals(16, w.qids().size());
        Rwalk rest = c.call(new Twalk(0, 1, 1, List.of("a", "a", "a", "a", "leaf")), Rwalk.class);
        assertEquals(5, rest.qids().size());
        assertEquals("leaf", nameOf(1));
    }

    @Test
    void namesThatCannotBeEntriesAreNotFound() throws Exception {
        assertEquals("file does not exist", c.error(new Twalk(0, 0, 1, List.of(""))));
        assertEquals("file does not exist", c.error(new Twalk(0, 0, 1, List.of("d/f001"))));
    }
}
