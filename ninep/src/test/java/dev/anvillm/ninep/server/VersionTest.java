package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static dev.anvillm.ninep.proto.Message.NOFID;
import static dev.anvillm.ninep.proto.Message.NOTAG;
import static org.junit.jupiter.api.Assertions.*;

/** Tversion, Tauth and Tattach (SPEC §3). */
class VersionTest {
    @TempDir Path dir;
    TestTree tree;
    NinepServer server;

    @BeforeEach
    void start() throws Exception {
        tree = new TestTree();
        server = tree.serve(dir.resolve("sock"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    RawClient connect() throws Exception {
        return new RawClient(server.socket());
    }

    @Test
    void msizeIsTheServersMaximumWhenTheClientOffersMore() throws Exception {
        try (RawClient c = connect()) {
            Rversion v = c.call(new Tversion(NOTAG, 1 << 20, "9P2000"), Rversion.class);
            assertEquals(server.limits().maxMsize(), v.msize());
            assertTrue(v.msize() >= 65536 + Codec.IOHDRSZ, "the server's maximum carries at least 64 KiB of data");
            Rversion huge = c.call(new Tversion(NOTAG, 0xffffffff, "9P2000"), Rversion.class);
            assertEquals(server.limits().maxMsize(), huge.msize(), "msize is unsigned: 0xffffffff is not -1");
        }
    }

    @Test
    void aSmallerMsizeIsAcceptedAsOffered() throws Exception {
        try (RawClient c = connect()) {
            Rversion v = c.call(new Tversion(NOTAG, 8192, "9P2000"), Rversion.class);
            assertEquals(8192, v.msize());
            assertEquals("9P2000", v.version());
        }
    }

    @Test
    void aSmallerMsizeBoundsReadReplies() throws Exception {
        try (RawClient c = connect()) {
            c.handshake();
            c.call(new Twalk(0, 0, 1, List.of("big")), Rwalk.class);
            Ropen o = c.call(new Topen(0, 1, 0), Ropen.class);
            assertTrue(o.iounit() == 0 || o.iounit() <= 8192 - Codec.IOHDRSZ, "iounit " + o.iounit());
            c.send(new Tread(0, 1, 0, 65536));
            byte[] frame = c.receiveFrame(TestTree.WAIT);
            assertTrue(frame.length <= 8192, "reply of " + frame.length + " bytes exceeds msize");
            Rread r = (Rread) Codec.decode(frame);
            assertEquals(tree.bigContent.substring(0, 8192 - Codec.IOHDRSZ), new String(r.data(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void framesLargerThanTheNegotiatedMsizeAreRefused() throws Exception {
        try (RawClient c = connect()) {
            c.handshake();
            c.call(new Twalk(0, 0, 1, List.of("in")), Rwalk.class);
            c.call(new Topen(0, 1, 0x11), Ropen.class);
            byte[] fits = Codec.encode(new Twrite(0, 1, 0, new byte[8192 - 23]));
            assertEquals(8192, fits.length);
            c.call(new Twrite(0, 1, 0, new byte[8192 - 23]), Rwrite.class);
            c.trySendBytes(Codec.encode(new Twrite(0, 1, 0, new byte[8192 - 23 + 1])));
            c.awaitClosed();
        }
    }

    /** A client that pipelines its first request behind Tversion still gets the new msize applied to it. */
    @Test
    void aFrameAboveTheNewMsizeRightBehindItsTversionIsRefused() throws Exception {
        try (RawClient c = connect()) {
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(Codec.encode(new Tversion(NOTAG, ServerLimits.MIN_MSIZE, "9P2000")));
            both.writeBytes(Codec.encode(new Tauth(0, NOFID, "u", "x".repeat(ServerLimits.MIN_MSIZE))));
            c.sendBytes(both.toByteArray());
            Message m;
            try {
                while ((m = c.receive()) != null) {
                    assertInstanceOf(Rversion.class, m, "only the Tversion may be answered");
                }
            } catch (ExecutionException reset) {
                assertInstanceOf(IOException.class, reset.getCause());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"9P2000", "9P2000.u", "9P2000.L"})
    void versionsBeginningWith9P2000AreAnswered9P2000(String version) throws Exception {
        try (RawClient c = connect()) {
            assertEquals("9P2000", c.call(new Tversion(NOTAG, 8192, version), Rversion.class).version());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"9P1999", "9P", "", "Styx", "9p2000"})
    void otherVersionsAreAnsweredUnknown(String version) throws Exception {
        try (RawClient c = connect()) {
            assertEquals("unknown", c.call(new Tversion(NOTAG, 8192, version), Rversion.class).version());
        }
    }

    @Test
    void anMsizeTooSmallForAnyMessageIsRefused() throws Exception {
        try (RawClient c = connect()) {
            c.error(new Tversion(NOTAG, 16, "9P2000"));
            assertEquals(8192, c.call(new Tversion(NOTAG, 8192, "9P2000"), Rversion.class).msize());
        }
    }

    @Test
    void versionClunksEveryFidAndAbortsPendingRequests() throws Exception {
        try (RawClient c = connect()) {
            c.handshake();
            c.call(new Twalk(0, 0, 1, List.of("events")), Rwalk.class);
            c.call(new Topen(0, 1, 0), Ropen.class);
            c.call(new Twalk(0, 0, 2, List.of("in")), Rwalk.class);
            c.call(new Topen(0, 2, 0x11), Ropen.class);
            c.call(new Twrite(0, 2, 0, "buffered".getBytes(StandardCharsets.UTF_8)), Rwrite.class);
            c.send(new Tread(5, 1, 0, 4096));
            Await.until("the read to block", () -> tree.events.waiting() == 1);

            Rversion v = c.call(new Tversion(NOTAG, 8192, "9P2000"), Rversion.class);
            assertEquals("9P2000", v.version());
            assertEquals(5, tree.events.nextCancelled(), "the pending read's cancel action ran");
            assertEquals("buffered", tree.nextCommit(), "the open whole-content fid was clunked, so it committed");
            assertEquals(0, tree.events.release("too late\n"));

            assertEquals("bad fid", c.error(new Tstat(0, 1)));
            assertEquals("bad fid", c.error(new Tstat(0, 0)));
            c.call(new Tattach(0, 0, NOFID, "u", ""), Rattach.class);
            c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
            // the aborted read never answers: the next reply on the wire is this one's
            assertEquals("list", c.call(new Tstat(7, 1), Rstat.class).stat().name());
        }
    }

    @Test
    void authIsAnsweredAuthenticationNotRequired() throws Exception {
        try (RawClient c = connect()) {
            c.call(new Tversion(NOTAG, 8192, "9P2000"), Rversion.class);
            assertEquals("authentication not required", c.error(new Tauth(0, 0, "glenda", "")));
            c.call(new Tattach(0, 0, NOFID, "glenda", ""), Rattach.class);
        }
    }

    @Test
    void attachWithAnAuthFidIsRefused() throws Exception {
        try (RawClient c = connect()) {
            c.call(new Tversion(NOTAG, 8192, "9P2000"), Rversion.class);
            assertEquals("authentication not required", c.error(new Tattach(0, 0, 1, "glenda", "")));
            assertEquals("bad fid", c.error(new Tstat(0, 0)));
        }
    }

    @Test
    void attachGivesTheRootDirectory() throws Exception {
        try (RawClient c = connect()) {
            c.call(new Tversion(NOTAG, 8192, "9P2000"), Rversion.class);
            Rattach a = c.call(new Tattach(0, 0, NOFID, "glenda", ""), Rattach.class);
            assertTrue(a.qid().isDir());
            Rstat s = c.call(new Tstat(0, 0), Rstat.class);
            assertEquals(a.qid(), s.stat().qid());
            assertEquals("fid in use", c.error(new Tattach(0, 0, NOFID, "glenda", "")));
        }
    }

}
