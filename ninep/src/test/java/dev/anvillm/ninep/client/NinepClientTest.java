package dev.anvillm.ninep.client;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.testserver.RamFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class NinepClientTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String USER = System.getProperty("user.name");

    @TempDir
    Path tmp;
    RamFs fs;
    Path socket;

    @BeforeEach
    void startServer() throws Exception {
        socket = tmp.resolve("agent");
        fs = RamFs.start(socket);
    }

    @AfterEach
    void stopServer() throws Exception {
        fs.close();
    }

    private static <V> V get(CompletableFuture<V> f) throws Exception {
        return f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void mountingSendsVersionAuthAttachLikePlan9port() throws Exception {
        try (NinepClient c = NinepClient.connect(socket)) {
            assertEquals(8192, c.msize());
            assertEquals(0, c.root().num());
            assertTrue(c.root().qid().isDir());
        }
        assertEquals(List.of(
                new Tversion(Message.NOTAG, 8192, "9P2000"),
                new Tauth(0, 0, USER, ""),
                new Tattach(0, 0, Message.NOFID, USER, "")), fs.received());
    }

    @Test
    void withoutAuthTheAttachComesRightAfterTheVersion() throws Exception {
        try (NinepClient c = NinepClient.connect(socket, NinepClient.Options.defaults().withAuth(false).withAname("tree"))) {
            assertNotNull(c.root());
        }
        assertEquals(List.of(
                new Tversion(Message.NOTAG, 8192, "9P2000"),
                new Tattach(0, 0, Message.NOFID, USER, "tree")), fs.received());
    }

    @Test
    void aSmallerServerMsizeLimitsEveryReadAndWrite() throws Exception {
        fs.close();
        fs = RamFs.start(socket, 1024);
        fs.file("f", new byte[5000], 0664);
        try (NinepClient c = NinepClient.connect(socket)) {
            assertEquals(1024, c.msize());
            Fid f = c.open("f", OpenMode.ORDWR);
            assertEquals(3000, f.write(new byte[3000]));
            assertEquals(1000, f.read(0, 4096).length);
        }
        List<Twrite> writes = fs.received(Twrite.class);
        assertEquals(List.of(1000, 1000, 1000), writes.stream().map(w -> w.data().length).toList());
        assertEquals(List.of(0L, 1000L, 2000L), writes.stream().map(Twrite::offset).toList());
        assertEquals(1000, fs.received(Tread.class).getFirst().count());
    }

    @Test
    void whatIsWrittenCanBeReadBackAtItsOffset() throws Exception {
        RamFs.Node node = fs.file("dir/notes", "");
        try (NinepClient c = NinepClient.connect(socket)) {
            Fid f = c.open("dir/notes", OpenMode.ORDWR);
            f.write("hello ".getBytes(StandardCharsets.UTF_8));
            f.write("world".getBytes(StandardCharsets.UTF_8));
            assertEquals(11, f.offset());
            assertEquals("world", new String(f.read(6, 100), StandardCharsets.UTF_8));
            f.clunk();
            assertEquals("hello world", new String(c.readAll("dir/notes"), StandardCharsets.UTF_8));
        }
        assertEquals("hello world", node.text());
    }

    @Test
    void anRerrorBecomesAnExceptionCarryingTheEname() throws Exception {
        try (NinepClient c = NinepClient.connect(socket)) {
            RerrorException e = assertThrows(RerrorException.class, () -> c.walk("nosuch"));
            assertEquals("file does not exist", e.ename());
            assertEquals("file does not exist", e.getMessage());
        }
    }

    @Test
    void aPartialWalkIsNotFoundAndLeavesNoFidBehind() throws Exception {
        fs.file("big", "I am a file");
        try (NinepClient c = NinepClient.connect(socket)) {
            NotFoundException e = assertThrows(NotFoundException.class, () -> c.walk("big/x"));
            assertEquals("file 'big/x' not found", e.getMessage());
            assertEquals("big/x", e.path());
            assertEquals(1, c.walk("big").num(), "the fid of the failed walk is free again");
        }
        fs.awaitConnectionsClosed(1, DEADLINE);
        assertEquals(new Twalk(0, 0, 1, List.of("big", "x")), fs.received(Twalk.class).getFirst());
        assertTrue(fs.received(Tclunk.class).isEmpty(), "the server never made fid 1, so it is not clunked");
    }

    @Test
    void pathsOfMoreThanSixteenNamesWalkInSeveralTwalksOnTheNewFid() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 20; i++) names.add("d" + i);
        String path = String.join("/", names);
        RamFs.Node deepest = fs.mkdir(path);
        try (NinepClient c = NinepClient.connect(socket)) {
            Fid f = c.walk(path);
            assertEquals(1, f.num());
            assertEquals(f.qid(), c.stat(path).qid());
            assertEquals("d20", f.stat().name());
        }
        List<Twalk> walks = fs.received(Twalk.class);
        assertEquals(new Twalk(0, 0, 1, names.subList(0, 16)), walks.get(0));
        assertEquals(new Twalk(0, 1, 1, names.subList(16, 20)), walks.get(1));
        assertNotNull(deepest);
    }

    @Test
    void aWalkThatFailsInALaterTwalkClunksTheFidItMade() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 16; i++) names.add("d" + i);
        fs.file(String.join("/", names) + "/file", "x");
        String path = String.join("/", names) + "/file/beyond";
        try (NinepClient c = NinepClient.connect(socket)) {
            NotFoundException e = assertThrows(NotFoundException.class, () -> c.walk(path));
            assertEquals(path, e.path());
        }
        assertEquals(List.of(new Tclunk(0, 1)), fs.received(Tclunk.class));
    }

    @Test
    void walkGroupsSkipEmptyAndDotElementsLikePlan9port() {
        assertEquals(List.of(List.of()), Fid.walkGroups(""));
        assertEquals(List.of(List.of()), Fid.walkGroups("."));
        assertEquals(List.of(List.of("a", "b", "..", "c")), Fid.walkGroups("/a/./b//../c/"));
    }

    @Test
    void fidNumbersAreReusedAfterClunk() throws Exception {
        fs.file("a", "1");
        fs.file("b", "2");
        try (NinepClient c = NinepClient.connect(socket)) {
            Fid a = c.walk("a");
            Fid b = c.walk("b");
            assertEquals(List.of(1, 2), List.of(a.num(), b.num()));
            a.clunk();
            assertEquals(1, c.walk("b").num());
            assertEquals(3, c.walk("a").num());
        }
    }

    @Test
    void aBlockedReadDoesNotHoldUpOtherRequests() throws Exception {
        fs.file("events", "").hangReads();
        fs.file("list", "a1b2c3d4\t-\tidle\t0\t/tmp\n");
        try (NinepClient c = NinepClient.connect(socket)) {
            Fid events = c.open("events", OpenMode.OREAD);
            CompletableFuture<byte[]> blocked = events.readAsync(0, 4096);
            fs.awaitReceived(Tread.class, DEADLINE);
            assertEquals("a1b2c3d4\t-\tidle\t0\t/tmp\n", new String(c.readAll("list"), StandardCharsets.UTF_8));
            assertFalse(blocked.isDone());
            List<Message.T> all = fs.received();
            Tread read = fs.received(Tread.class).getFirst();
            List<Message.T> after = all.subList(all.indexOf(read) + 1, all.size());
            assertFalse(after.isEmpty());
            assertTrue(after.stream().allMatch(m -> m.tag() != read.tag()),
                    "requests made while the read waits use other tags: " + after);
        }
    }

    @Test
    void manyRequestsInFlightEachGetTheirOwnReply() throws Exception {
        int n = 200;
        for (int i = 0; i < n; i++) fs.file("f" + i, "content of " + i);
        try (NinepClient c = NinepClient.connect(socket)) {
            List<CompletableFuture<String>> reads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                reads.add(c.root().walkAsync("f" + i)
                        .thenCompose(f -> f.openAsync(OpenMode.OREAD))
                        .thenCompose(f -> f.readAsync(0, 100).thenCompose(data ->
                                f.clunkAsync().thenApply(v -> new String(data, StandardCharsets.UTF_8)))));
            }
            for (int i = 0; i < n; i++) assertEquals("content of " + i, get(reads.get(i)));
        }
    }

    @Test
    void cancellingAReadSendsTflushForItsTag() throws Exception {
        fs.file("events", "").hangReads();
        try (NinepClient c = NinepClient.connect(socket)) {
            Fid events = c.open("events", OpenMode.OREAD);
            CompletableFuture<byte[]> read = events.readAsync(0, 4096);
            Tread sent = fs.awaitReceived(Tread.class, DEADLINE);
            assertTrue(read.cancel(false));
            Tflush flush = fs.awaitReceived(Tflush.class, DEADLINE);
            assertEquals(sent.tag(), flush.oldtag());
            assertNotEquals(sent.tag(), flush.tag());
            assertEquals("events", events.stat().name(), "the connection goes on after the flush");
        }
    }

    @Test
    void aFlushedTagIsNotReusedBeforeRflushEvenAfterALateReply() throws Exception {
        fs.close();
        Stat rootStat = new Stat(0, 0, new Qid(Qid.QTDIR, 0, 1), Stat.DMDIR | 0755, 0, 0, 0, "/", "u", "g", "u");
        BlockingQueue<Message> seen = new ArrayBlockingQueue<>(16);
        try (ScriptedServer srv = new ScriptedServer(socket, s -> {
            s.receive();
            s.send(new Rversion(Message.NOTAG, 8192, "9P2000"));
            Tattach at = (Tattach) s.receive();
            s.send(new Rattach(at.tag(), new Qid(Qid.QTDIR, 0, 1)));
            Tread read = (Tread) s.receive();
            seen.add(read);
            Tflush flush = (Tflush) s.receive();
            seen.add(flush);
            Tstat first = (Tstat) s.receive();
            seen.add(first);
            s.send(new Rread(read.tag(), "late".getBytes(StandardCharsets.UTF_8)));
            s.send(new Rstat(first.tag(), rootStat));
            Tstat second = (Tstat) s.receive(); // sent after the late Rread, before the Rflush
            seen.add(second);
            s.send(new Rflush(flush.tag()));
            s.send(new Rstat(second.tag(), rootStat));
            Tstat third = (Tstat) s.receive();
            seen.add(third);
            s.send(new Rstat(third.tag(), rootStat));
        })) {
            try (NinepClient c = NinepClient.connect(socket, NinepClient.Options.defaults().withAuth(false))) {
                CompletableFuture<byte[]> read = c.root().readAsync(0, 4096);
                assertEquals(0, next(seen).tag());
                read.cancel(false);
                assertEquals(new Tflush(1, 0), next(seen));
                CompletableFuture<Stat> first = c.root().statAsync();
                assertEquals(2, next(seen).tag(), "tags 0 and 1 are taken while the flush is out");
                assertEquals("/", get(first).name());
                CompletableFuture<Stat> second = c.root().statAsync();
                assertEquals(2, next(seen).tag(), "the late Rread does not free tag 0: only the Rflush does");
                get(second);
                CompletableFuture<Stat> third = c.root().statAsync();
                assertEquals(0, next(seen).tag(), "after the Rflush tag 0 is free again");
                get(third);
                assertTrue(read.isCancelled());
                assertFalse(c.isClosed(), "the late Rread was dropped, not taken as a protocol error");
            }
        }
    }

    private static Message next(BlockingQueue<Message> q) throws InterruptedException {
        Message m = q.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(m, "the server saw nothing in time");
        return m;
    }

    @Test
    void closingTheClientFailsWhatIsPending() throws Exception {
        fs.file("events", "").hangReads();
        NinepClient c = NinepClient.connect(socket);
        Fid events = c.open("events", OpenMode.OREAD);
        CompletableFuture<byte[]> read = events.readAsync(0, 4096);
        fs.awaitReceived(Tread.class, DEADLINE);
        c.close();
        Throwable t = failure(read);
        assertInstanceOf(NinepException.class, t);
        assertEquals("connection closed", t.getMessage());
        assertInstanceOf(NinepException.class, failure(c.root().statAsync()), "nothing new is sent after close");
        fs.awaitConnectionsClosed(1, DEADLINE);
    }

    @Test
    void aServerHangingUpFailsWhatIsPending() throws Exception {
        fs.file("events", "").hangReads();
        try (NinepClient c = NinepClient.connect(socket)) {
            CompletableFuture<byte[]> read = c.open("events", OpenMode.OREAD).readAsync(0, 4096);
            fs.awaitReceived(Tread.class, DEADLINE);
            fs.close();
            Throwable t = failure(read);
            assertEquals("connection closed by server", t.getMessage());
        }
    }

    @Test
    void aReplyLargerThanMsizeIsAnError() throws Exception {
        fs.close();
        try (ScriptedServer srv = new ScriptedServer(socket, s -> {
            s.receive();
            s.send(new Rversion(Message.NOTAG, 8192, "9P2000"));
            Tattach at = (Tattach) s.receive();
            s.sendRaw(Codec.encode(new Rread(at.tag(), new byte[9000])));
        })) {
            NinepException e = assertThrows(NinepException.class,
                    () -> NinepClient.connect(socket, NinepClient.Options.defaults().withAuth(false)));
            assertTrue(e.getMessage().contains("larger than msize 8192"), e.getMessage());
        }
    }

    @Test
    void aServerThatDoesNotSpeak9P2000IsRefused() throws Exception {
        fs.close();
        try (ScriptedServer srv = new ScriptedServer(socket, s -> {
            s.receive();
            s.send(new Rversion(Message.NOTAG, 8192, "unknown"));
        })) {
            NinepException e = assertThrows(NinepException.class, () -> NinepClient.connect(socket));
            assertEquals("version: server answered 'unknown', not 9P2000", e.getMessage());
        }
    }

    @Test
    void anEmptyWriteStillSendsOneTwrite() throws Exception {
        fs.file("ctl", "");
        try (NinepClient c = NinepClient.connect(socket)) {
            Fid f = c.open("ctl", OpenMode.OWRITE | OpenMode.OTRUNC);
            assertEquals(0, f.write(new byte[0]));
        }
        List<Twrite> writes = fs.received(Twrite.class);
        assertEquals(1, writes.size());
        assertEquals(0, writes.getFirst().data().length);
    }

    @Test
    void directoriesAreReadWholeInReadsOfMsizeMinus24() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 300; i++) names.add("session-" + i);
        for (String n : names) fs.file("agent/" + n + "/state", "idle\n");
        try (NinepClient c = NinepClient.connect(socket)) {
            List<Stat> entries = c.readDir("agent");
            assertEquals(names, entries.stream().map(Stat::name).toList());
            assertTrue(entries.stream().allMatch(Stat::isDir));
        }
        List<Tread> reads = fs.received(Tread.class);
        assertTrue(reads.size() > 2, "300 entries do not fit one read");
        assertTrue(reads.stream().allMatch(r -> r.count() == 8192 - 24));
    }

    @Test
    void anErrorAtClunkReachesTheWriter() throws Exception {
        fs.file("agent/in", "").failClunkAfterWrite("session is stopped; write start to its ctl");
        try (NinepClient c = NinepClient.connect(socket)) {
            RerrorException e = assertThrows(RerrorException.class,
                    () -> c.writeAll("agent/in", "hello".getBytes(StandardCharsets.UTF_8)));
            assertEquals("session is stopped; write start to its ctl", e.ename());
        }
    }

    @Test
    void theRootFidIsNeverClunked() throws Exception {
        fs.file("x", "1");
        try (NinepClient c = NinepClient.connect(socket)) {
            c.readAll("x");
        }
        fs.awaitConnectionsClosed(1, DEADLINE);
        assertTrue(fs.received(Tclunk.class).stream().noneMatch(t -> t.fid() == 0));
    }

    @Test
    void dataAboveTheRequestedCountIsRefused() throws Exception {
        fs.close();
        try (ScriptedServer srv = new ScriptedServer(socket, s -> {
            s.receive();
            s.send(new Rversion(Message.NOTAG, 8192, "9P2000"));
            Tattach at = (Tattach) s.receive();
            s.send(new Rattach(at.tag(), new Qid(Qid.QTFILE, 0, 1)));
            Tread r = (Tread) s.receive();
            byte[] more = new byte[r.count() + 1];
            Arrays.fill(more, (byte) 'x');
            s.send(new Rread(r.tag(), more));
        })) {
            try (NinepClient c = NinepClient.connect(socket, NinepClient.Options.defaults().withAuth(false))) {
                NinepException e = assertThrows(NinepException.class, () -> c.root().read(0, 10));
                assertEquals("server returned 11 bytes for a read of 10", e.getMessage());
            }
        }
    }
}
