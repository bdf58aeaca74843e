package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Limits and malformed input: a bad client loses its own connection, nothing else (SPEC §8.5). */
class BoundsTest {
    @TempDir Path dir;
    TestTree tree = new TestTree();
    NinepServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    void serve(ServerLimits limits) throws Exception {
        server = tree.serve(dir.resolve("sock"), limits);
    }

    RawClient attached() throws Exception {
        RawClient c = new RawClient(server.socket());
        c.handshake();
        return c;
    }

    static void assertServes(RawClient c) throws Exception {
        c.call(new Twalk(60, 0, 60, List.of("list")), Rwalk.class);
        c.call(new Topen(60, 60, 0), Ropen.class);
        assertEquals(TestTree.LIST, new String(c.call(new Tread(60, 60, 0, 4096), Rread.class).data(), StandardCharsets.UTF_8));
        c.call(new Tclunk(60, 60), Rclunk.class);
    }

    @Test
    void moreFidsThanTheLimitFailAndTheConnectionSurvives() throws Exception {
        serve(new ServerLimits(ServerLimits.DEFAULT.maxMsize(), 8, 16, 16));
        try (RawClient c = attached()) {
            for (int fid = 1; fid < 8; fid++) c.call(new Twalk(0, 0, fid, List.of("d")), Rwalk.class);
            String e = c.error(new Twalk(0, 0, 8, List.of("d")));
            assertTrue(e.contains("fids"), e);
            assertTrue(e.length() < 128);
            c.error(new Tattach(0, 8, Message.NOFID, "u", ""));
            c.call(new Twalk(0, 1, 1, List.of("f001")), Rwalk.class); // moving a fid needs no new one
            c.call(new Tstat(0, 1), Rstat.class);
            c.call(new Tclunk(0, 7), Rclunk.class);
            c.call(new Twalk(0, 0, 8, List.of("d")), Rwalk.class);
        }
    }

    @Test
    void moreConnectionsThanTheLimitAreClosed() throws Exception {
        serve(new ServerLimits(ServerLimits.DEFAULT.maxMsize(), 16, 2, 16));
        try (RawClient a = attached()) {
            try (RawClient b = attached()) {
                try (RawClient extra = new RawClient(server.socket())) {
                    extra.awaitClosed();
                }
                assertServes(a);
                assertServes(b);
            }
            Await.until("the closed connection to be released", () -> server.connections() == 1);
            try (RawClient again = attached()) {
                assertServes(again);
            }
        }
    }

    @Test
    void moreRequestsInFlightThanTheLimitFailTheExtraOne() throws Exception {
        serve(new ServerLimits(ServerLimits.DEFAULT.maxMsize(), 16, 16, 2));
        try (RawClient c = attached()) {
            for (int fid = 1; fid <= 3; fid++) {
                c.call(new Twalk(0, 0, fid, List.of("events")), Rwalk.class);
                c.call(new Topen(0, fid, 0), Ropen.class);
            }
            c.send(new Tread(1, 1, 0, 4096));
            c.send(new Tread(2, 2, 0, 4096));
            Await.until("two reads to block", () -> tree.events.waiting() == 2);
            assertInstanceOf(Rerror.class, c.call(new Tread(3, 3, 0, 4096), Rerror.class));
            c.call(new Tstat(4, 0), Rstat.class);
            assertEquals(2, tree.events.release("x\n"));
            assertEquals(Set.of(1, 2), Set.of(c.receive().tag(), c.receive().tag()));
            c.send(new Tread(3, 3, 0, 4096));
            Await.until("the third read to block", () -> tree.events.waiting() == 1);
        }
    }

    @Test
    void aFrameLargerThanMsizeClosesOnlyThatConnection() throws Exception {
        serve(ServerLimits.DEFAULT);
        try (RawClient good = attached(); RawClient bad = new RawClient(server.socket())) {
            bad.call(new Tversion(Message.NOTAG, 1 << 20, "9P2000"), Rversion.class);
            int msize = server.limits().maxMsize();
            bad.trySendBytes(Codec.encode(new Twrite(0, 0, 0, new byte[msize])));
            bad.awaitClosed();
            assertServes(good);
        }
        try (RawClient fresh = attached()) {
            assertServes(fresh);
        }
    }

    static byte[] frame(int type, int tag, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(7 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(7 + body.length).put((byte) type).putShort((short) tag).put(body);
        return b.array();
    }

    static Stream<Arguments> malformed() {
        HexFormat hex = HexFormat.of();
        return Stream.of(
                Arguments.of("garbage", "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("zero bytes", new byte[16]),
                Arguments.of("a size field below the header", hex.parseHex("0500000078")),
                Arguments.of("a frame too short for its fields", frame(120, 1, hex.parseHex("0000"))),
                Arguments.of("trailing bytes after a message", frame(120, 1, hex.parseHex("0000000000"))),
                Arguments.of("an unknown message type", frame(200, 1, hex.parseHex("00000000"))),
                Arguments.of("Terror, which is not a request", frame(106, 1, new byte[0])),
                Arguments.of("a reply message", Codec.encode(new Rclunk(1))),
                Arguments.of("seventeen walk names", Codec.encode(new Twalk(1, 0, 1, Collections.nCopies(17, "a")))),
                Arguments.of("invalid UTF-8 in a name", frame(110, 1, hex.parseHex("00000000" + "01000000" + "0100" + "0200" + "c328"))),
                Arguments.of("a string running past the frame", frame(110, 1, hex.parseHex("00000000" + "01000000" + "0100" + "0900" + "6161"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInputClosesThatConnectionOnly(String what, byte[] bytes) throws Exception {
        serve(ServerLimits.DEFAULT);
        try (RawClient good = attached(); RawClient bad = attached()) {
            bad.trySendBytes(bytes);
            bad.awaitClosed();
            assertServes(good);
        }
        try (RawClient fresh = attached()) {
            assertServes(fresh);
        }
        Await.until("every connection to be released", () -> server.connections() == 0);
    }

    @Test
    void aClientThatStopsMidFrameIsReleased() throws Exception {
        serve(ServerLimits.DEFAULT);
        try (RawClient c = attached()) {
            byte[] whole = Codec.encode(new Twalk(0, 0, 1, List.of("d")));
            c.sendBytes(Arrays.copyOf(whole, whole.length - 3));
        }
        Await.until("the connection to be released", () -> server.connections() == 0);
        try (RawClient fresh = attached()) {
            assertServes(fresh);
        }
    }
}
