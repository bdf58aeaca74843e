package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** Several requests in flight on one connection; Tflush (SPEC §3). */
class InFlightTest extends ServedTreeTest {
    void openEvents(int fid) throws Exception {
        c.call(new Twalk(0, 0, fid, List.of("events")), Rwalk.class);
        c.call(new Topen(0, fid, 0), Ropen.class);
    }

    static String text(Rread r) {
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    @Test
    void aBlockedReadDoesNotDelayOtherRequestsOnTheSameConnection() throws Exception {
        openEvents(1);
        c.call(new Twalk(0, 0, 2, List.of("list")), Rwalk.class);
        c.call(new Topen(0, 2, 0), Ropen.class);
        c.send(new Tread(1, 1, 0, 4096));
        Await.until("the read to block", () -> tree.events.waiting() == 1);

        assertEquals("/", c.call(new Tstat(2, 0), Rstat.class).stat().name());
        assertEquals(TestTree.LIST, text(c.call(new Tread(3, 2, 0, 4096), Rread.class)));
        c.call(new Twalk(4, 0, 3, List.of("d")), Rwalk.class);

        assertEquals(1, tree.events.release("news\n"));
        Rread late = (Rread) c.receive();
        assertEquals(1, late.tag());
        assertEquals("news\n", text(late));
    }

    @Test
    void flushCancelsAPendingReadWhichThenGetsNoReply() throws Exception {
        openEvents(1);
        c.send(new Tread(1, 1, 0, 4096));
        Await.until("the read to block", () -> tree.events.waiting() == 1);

        c.call(new Tflush(2, 1), Rflush.class);
        assertEquals(1, tree.events.nextCancelled(), "the file's cancel action ran for the flushed tag");
        assertEquals(0, tree.events.waiting());
        assertEquals(0, tree.events.release("too late\n"));
        // nothing for tag 1 is queued ahead of this reply
        c.call(new Tstat(3, 1), Rstat.class);
        // the tag is free again and the fid still reads
        c.send(new Tread(1, 1, 0, 4096));
        Await.until("the second read to block", () -> tree.events.waiting() == 1);
        tree.events.release("again\n");
        assertEquals(new Rread(1, "again\n".getBytes(StandardCharsets.UTF_8)), c.receive());
    }

    @Test
    void flushOfAnUnknownTagIsAnsweredRflush() throws Exception {
        c.call(new Tflush(2, 77), Rflush.class);
        c.call(new Tflush(3, Message.NOTAG), Rflush.class);
    }

    @Test
    void flushOfARequestAlreadyAnsweredComesAfterItsReply() throws Exception {
        c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
        c.call(new Topen(0, 1, 0), Ropen.class);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(Codec.encode(new Tread(1, 1, 0, 4096)));
        both.writeBytes(Codec.encode(new Tflush(2, 1)));
        c.sendBytes(both.toByteArray());
        Message first = c.receive();
        Message second = c.receive();
        assertEquals(new Rread(1, TestTree.LIST.getBytes(StandardCharsets.UTF_8)), first);
        assertEquals(new Rflush(2), second);
    }

    @Test
    void flushingOneOfSeveralBlockedReadsLeavesTheOthersPending() throws Exception {
        openEvents(1);
        openEvents(2);
        openEvents(3);
        c.send(new Tread(11, 1, 0, 4096));
        c.send(new Tread(12, 2, 0, 4096));
        c.send(new Tread(13, 3, 0, 4096));
        Await.until("three reads to block", () -> tree.events.waiting() == 3);

        c.call(new Tflush(20, 12), Rflush.class);
        assertEquals(12, tree.events.nextCancelled());
        assertEquals(2, tree.events.release("x\n"));
        Map<Integer, Message> replies = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            Message m = c.receive();
            replies.put(m.tag(), m);
        }
        assertEquals(new Rread(11, "x\n".getBytes(StandardCharsets.UTF_8)), replies.get(11));
        assertEquals(new Rread(13, "x\n".getBytes(StandardCharsets.UTF_8)), replies.get(13));
        c.call(new Tstat(21, 0), Rstat.class);
    }

    @Test
    void clunkingAFidEndsItsPendingReadWithAnError() throws Exception {
        openEvents(1);
        c.send(new Tread(1, 1, 0, 4096));
        Await.until("the read to block", () -> tree.events.waiting() == 1);

        c.send(new Tclunk(2, 1));
        Message first = c.receive();
        assertInstanceOf(Rerror.class, first);
        assertEquals(1, first.tag());
        assertEquals(new Rclunk(2), c.receive());
        assertEquals(1, tree.events.nextCancelled());
        assertEquals("bad fid", c.error(new Tstat(3, 1)));
    }

    static final int FLUSH_TAGS = 30000;

    /**
     * Reads answered from another thread while they are being flushed: each one gets its reply
     * before its Rflush, or no reply at all and its cancel action ran — never both, never neither.
     */
    @Test
    void aFlushRacingAnAnswerGivesTheReplyFirstOrNotAtAll() throws Exception {
        openEvents(1);
        int n = 3000;
        AtomicBoolean done = new AtomicBoolean();
        Thread releaser = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                tree.events.release("x");
                Thread.onSpinWait();
            }
        });
        List<Message> replies = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ByteArrayOutputStream pair = new ByteArrayOutputStream();
                pair.writeBytes(Codec.encode(new Tread(i, 1, 0, 4096)));
                pair.writeBytes(Codec.encode(new Tflush(FLUSH_TAGS + i, i)));
                c.sendBytes(pair.toByteArray());
            }
            c.send(new Tstat(Message.NOTAG - 1, 0));
            for (Message m = c.receive(); m.tag() != Message.NOTAG - 1; m = c.receive()) replies.add(m);
        } finally {
            done.set(true);
            releaser.join();
        }
        Set<Integer> answered = new HashSet<>();
        Set<Integer> flushed = new HashSet<>();
        for (Message m : replies) {
            if (m instanceof Rread r) {
                assertFalse(flushed.contains(r.tag()), "tag " + r.tag() + " answered after its Rflush");
                assertTrue(answered.add(r.tag()), "tag " + r.tag() + " answered twice");
            } else if (m instanceof Rflush f) {
                assertTrue(flushed.add(f.tag() - FLUSH_TAGS));
            } else {
                fail("unexpected " + m);
            }
        }
        assertEquals(n, flushed.size(), "every Tflush is answered");
        Set<Integer> cancelled = new HashSet<>(tree.events.cancelled);
        for (int i = 0; i < n; i++) {
            assertTrue(answered.contains(i) ^ cancelled.contains(i), "tag " + i + ": answered " + answered.contains(i) + ", cancelled " + cancelled.contains(i));
        }
        assertEquals(0, tree.events.waiting());
    }

    /** Clunks racing answers from another thread: every read still gets exactly one reply, before its fid's Rclunk. */
    @Test
    void aClunkRacingAnAnswerLeavesNoReadUnanswered() throws Exception {
        int n = 1000;
        ByteArrayOutputStream opens = new ByteArrayOutputStream();
        for (int fid = 1; fid <= n; fid++) {
            opens.writeBytes(Codec.encode(new Twalk(0, 0, fid, List.of("events"))));
            opens.writeBytes(Codec.encode(new Topen(0, fid, 0)));
        }
        c.sendBytes(opens.toByteArray());
        for (int i = 0; i < n; i++) {
            assertInstanceOf(Rwalk.class, c.receive());
            assertInstanceOf(Ropen.class, c.receive());
        }

        AtomicBoolean done = new AtomicBoolean();
        Thread releaser = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                tree.events.release("x");
                Thread.onSpinWait();
            }
        });
        List<Message> replies = new ArrayList<>();
        try {
            for (int fid = 1; fid <= n; fid++) {
                ByteArrayOutputStream pair = new ByteArrayOutputStream();
                pair.writeBytes(Codec.encode(new Tread(fid, fid, 0, 4096)));
                pair.writeBytes(Codec.encode(new Tclunk(FLUSH_TAGS + fid, fid)));
                c.sendBytes(pair.toByteArray());
            }
            c.send(new Tstat(Message.NOTAG - 1, 0));
            for (Message m = c.receive(); m.tag() != Message.NOTAG - 1; m = c.receive()) replies.add(m);
        } finally {
            done.set(true);
            releaser.join();
        }
        Set<Integer> answered = new HashSet<>();
        Set<Integer> clunked = new HashSet<>();
        for (Message m : replies) {
            if (m instanceof Rclunk r) {
                int fid = r.tag() - FLUSH_TAGS;
                assertTrue(answered.contains(fid), "fid " + fid + " clunked before its read was answered");
                assertTrue(clunked.add(fid));
            } else {
                assertTrue(m instanceof Rread || m instanceof Rerror, "unexpected " + m);
                assertTrue(answered.add(m.tag()), "tag " + m.tag() + " answered twice");
            }
        }
        assertEquals(n, answered.size(), "every read is answered");
        assertEquals(n, clunked.size());
        assertEquals(0, tree.events.waiting());
    }
}
