package dev.anvillm.ninep.server;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Qid;
import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.proto.Message.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Replays of what plan9port's {@code 9p} sends (../shared/conformance/plan9port-9p.md), one
 * invocation per connection: the handshake with Tauth, tag 0 throughout, and EOF with the root
 * fid never clunked.
 */
class Plan9portReplayTest {
    static final HexFormat HEX = HexFormat.of();
    static final int MSIZE = 8192;
    /** What the client asks for in a directory read: msize - IOHDRSZ. */
    static final int DIRREAD = MSIZE - 24;

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

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Rread r) {
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    /** Connects and does plan9port's handshake, exactly the bytes it sends (uname glenda). */
    RawClient invocation() throws Exception {
        RawClient c = new RawClient(server.socket());
        c.sendBytes(HEX.parseHex("13000000" + "64" + "ffff" + "00200000" + "0600" + "395032303030"));
        assertEquals("13000000" + "65" + "ffff" + "00200000" + "0600" + "395032303030",
                HEX.formatHex(c.receiveFrame(TestTree.WAIT)), "Rversion msize=8192 version=9P2000");
        c.sendBytes(HEX.parseHex("15000000" + "66" + "0000" + "00000000" + "0600" + "676c656e6461" + "0000"));
        assertEquals("24000000" + "6b" + "0000" + "1b00" + HEX.formatHex(utf8("authentication not required")),
                HEX.formatHex(c.receiveFrame(TestTree.WAIT)), "Rerror 'authentication not required'");
        c.sendBytes(HEX.parseHex("19000000" + "68" + "0000" + "00000000" + "ffffffff" + "0600" + "676c656e6461" + "0000"));
        byte[] rattach = c.receiveFrame(TestTree.WAIT);
        assertEquals("14000000" + "69" + "0000" + "80", HEX.formatHex(rattach, 0, 8), "Rattach with a directory qid");
        return c;
    }

    /** The client exits: EOF, fid 0 (and whatever else) never clunked. The server must let go of everything. */
    void exit(RawClient c) throws Exception {
        c.close();
        Await.until("the server to release the connection", () -> server.connections() == 0);
    }

    // ---- every invocation ------------------------------------------------------------------

    @Test
    void handshakeThenEofWithoutClunkingTheRoot() throws Exception {
        for (int i = 0; i < 5; i++) {
            RawClient c = invocation();
            assertEquals(1, server.connections());
            exit(c);
        }
    }

    @Test
    void handshakeWithoutTauthAsWithDashN() throws Exception {
        try (RawClient c = new RawClient(server.socket())) {
            c.call(new Tversion(0xffff, MSIZE, "9P2000"), Rversion.class);
            c.call(new Tattach(0, 0, 0xffffffff, "glenda", ""), Rattach.class);
        }
        Await.until("the server to release the connection", () -> server.connections() == 0);
    }

    // ---- read --------------------------------------------------------------------------------

    @Test
    void readReturnsTheContentThenCountZero() throws Exception {
        RawClient c = invocation();
        assertEquals(1, c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class).qids().size());
        c.call(new Topen(0, 1, 0x0), Ropen.class);
        Rread first = c.call(new Tread(0, 1, 0, 4096), Rread.class);
        assertEquals(19, first.data().length);
        assertEquals(TestTree.LIST, text(first));
        assertEquals(0, c.call(new Tread(0, 1, 19, 4096), Rread.class).data().length, "EOF ends the command");
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
    }

    @Test
    void readOfAFileLargerThanOneReadTakesSeveralTreads() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("big")), Rwalk.class);
        c.call(new Topen(0, 1, 0x0), Ropen.class);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        List<Integer> counts = new ArrayList<>();
        for (long offset = 0; ; ) {
            byte[] data = c.call(new Tread(0, 1, offset, 4096), Rread.class).data();
            counts.add(data.length);
            if (data.length == 0) break;
            got.writeBytes(data);
            offset += data.length;
        }
        assertEquals(List.of(4096, 4096, 1808, 0), counts);
        assertEquals(tree.bigContent, got.toString(StandardCharsets.UTF_8));
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
    }

    /** Ctrl-C during `9p read agent/events`: the server sees EOF with the read pending, never a Tflush. */
    @Test
    void interruptingABlockedReadIsAnEofThatCancelsIt() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("events")), Rwalk.class);
        c.call(new Topen(0, 1, 0x0), Ropen.class);
        c.send(new Tread(0, 1, 0, 4096));
        Await.until("the read to block", () -> tree.events.waiting() == 1);
        exit(c);
        assertEquals(0, tree.events.nextCancelled());
    }

    // ---- write -------------------------------------------------------------------------------

    /** {@code echo 'new claude /proj' | 9p write agent/ctl}, byte for byte. */
    @Test
    void writeSendsOneTwriteAndItsLineRunsOnce() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        c.sendBytes(HEX.parseHex("28000000" + "76" + "0000" + "01000000" + "0000000000000000" + "11000000"
                + HEX.formatHex(utf8("new claude /proj\n"))));
        assertEquals("0b000000" + "77" + "0000" + "11000000", HEX.formatHex(c.receiveFrame(TestTree.WAIT)), "Rwrite count=17");
        assertEquals("new claude /proj", tree.nextCommand(), "the line ran when its newline arrived");
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
        assertTrue(tree.commands.isEmpty(), "the command ran once");
    }

    @Test
    void writeErrorComesBackOnTheTwrite() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        assertEquals("unknown command: bogus", c.error(new Twrite(0, 1, 0, utf8("bogus\n"))));
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
        assertTrue(tree.commands.isEmpty());
    }

    /** 10000 bytes of stdin: one Twrite per 4096-byte read, one command line. */
    @Test
    void oneCommandSplitOverSeveralTwritesRunsOnce() throws Exception {
        String line = "new claude /" + "p".repeat(9999 - 12);
        byte[] stdin = utf8(line + "\n");
        assertEquals(10000, stdin.length);
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        int offset = 0;
        for (int n : new int[] {4096, 4096, 1808}) {
            byte[] chunk = Arrays.copyOfRange(stdin, offset, offset + n);
            assertEquals(n, c.call(new Twrite(0, 1, offset, chunk), Rwrite.class).count());
            offset += n;
        }
        assertEquals(line, tree.nextCommand());
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
        assertTrue(tree.commands.isEmpty(), "no second command from the pieces");
    }

    /** A writer that pauses mid-line: two Twrites, one command. */
    @Test
    void aLineSplitAcrossTwoTwritesIsOneCommand() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        c.call(new Twrite(0, 1, 0, utf8("new cla")), Rwrite.class);
        assertTrue(tree.commands.isEmpty(), "half a line does not run");
        c.call(new Twrite(0, 1, 7, utf8("ude /proj\n")), Rwrite.class);
        assertEquals("new claude /proj", tree.nextCommand());
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
        assertTrue(tree.commands.isEmpty());
    }

    @Test
    void aWholeContentFileTakesEveryTwriteAsOneCommitAtClunk() throws Exception {
        String prompt = "line one\n".repeat(1111) + "x";
        byte[] stdin = utf8(prompt);
        assertEquals(10000, stdin.length);
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("in")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        int offset = 0;
        for (int n : new int[] {4096, 4096, 1808}) {
            c.call(new Twrite(0, 1, offset, Arrays.copyOfRange(stdin, offset, offset + n)), Rwrite.class);
            offset += n;
        }
        assertTrue(tree.commits.isEmpty());
        c.call(new Tclunk(0, 1), Rclunk.class);
        assertEquals(prompt, tree.nextCommit());
        exit(c);
        assertTrue(tree.commits.isEmpty());
    }

    /** Empty stdin: one Twrite with count=0. */
    @Test
    void emptyStdinSendsOneEmptyTwrite() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        assertEquals(0, c.call(new Twrite(0, 1, 0, new byte[0]), Rwrite.class).count());
        c.call(new Tclunk(0, 1), Rclunk.class);
        c.call(new Twalk(0, 0, 1, List.of("in")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        assertEquals(0, c.call(new Twrite(0, 1, 0, new byte[0]), Rwrite.class).count());
        c.call(new Tclunk(0, 1), Rclunk.class);
        assertEquals("", tree.nextCommit(), "an empty write commits empty content (the file decides what that means)");
        exit(c);
        assertTrue(tree.commands.isEmpty(), "an empty write to ctl runs nothing");
    }

    /** {@code 9p write -l}: one Twrite per line, newline included; each line runs at its Twrite. */
    @Test
    void writeDashLSendsOneTwritePerLine() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        c.call(new Twrite(0, 1, 0, utf8("new a /p\n")), Rwrite.class);
        assertEquals("new a /p", tree.nextCommand());
        assertEquals("unknown command: bogus", c.error(new Twrite(0, 1, 9, utf8("bogus\n"))), "printed as `write: ...`, the client goes on");
        c.call(new Twrite(0, 1, 15, utf8("new b /p\n")), Rwrite.class);
        assertEquals("new b /p", tree.nextCommand());
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
        assertTrue(tree.commands.isEmpty());
    }

    // ---- rdwr --------------------------------------------------------------------------------

    /**
     * {@code 9p rdwr agent/ctl}: ORDWR; read at offset 0, then the stdin line without its newline
     * at the offset just read, and rdwr never clunks. So on a fid opened ORDWR each write is a
     * whole command, and its answer (the new id) is readable at once: SPEC's clone idiom.
     */
    @Test
    void rdwrOnACtlFileRunsEachWriteAsACommandAndReadsBackItsAnswer() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x2), Ropen.class);
        Rread r = c.call(new Tread(0, 1, 0, 4096), Rread.class);
        assertEquals(0, r.data().length);
        c.call(new Twrite(0, 1, r.data().length, utf8("new claude /proj")), Rwrite.class);
        assertEquals("new claude /proj", tree.nextCommand());
        assertEquals(TestTree.NEW_ID, text(c.call(new Tread(0, 1, 0, 4096), Rread.class)));
        exit(c);
        assertTrue(tree.commands.isEmpty(), "nothing runs twice at EOF");
    }

    /** {@code printf 'stop' | 9p write agent/x/ctl}: OWRITE|OTRUNC, no newline: the line runs at Tclunk. */
    @Test
    void anUnterminatedLineWrittenWithOwriteRunsAtTclunk() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x11), Ropen.class);
        c.call(new Twrite(0, 1, 0, utf8("new claude /proj")), Rwrite.class);
        assertTrue(tree.commands.isEmpty(), "a line without its newline waits");
        c.call(new Tclunk(0, 1), Rclunk.class);
        assertEquals("new claude /proj", tree.nextCommand());
        exit(c);
        assertTrue(tree.commands.isEmpty());
    }

    /** After a command, a read of the same fid gives its answer; later writes land at any offset. */
    @Test
    void ctlFilesIgnoreWriteOffsets() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 1, 0x2), Ropen.class);
        c.call(new Twrite(0, 1, 0, utf8("new claude /proj\n")), Rwrite.class);
        assertEquals("new claude /proj", tree.nextCommand());
        Rread id = c.call(new Tread(0, 1, 0, 4096), Rread.class);
        assertEquals(TestTree.NEW_ID, text(id), "the clone idiom: the answer of the last command");
        c.call(new Twrite(0, 1, id.data().length, utf8("stop now")), Rwrite.class);
        assertEquals("stop now", tree.nextCommand());
        c.call(new Twrite(0, 1, 1L << 40, utf8("refresh\n")), Rwrite.class);
        assertEquals("refresh", tree.nextCommand());
        exit(c);
        assertTrue(tree.commands.isEmpty());
    }

    @Test
    void rdwrOnAWholeContentFileCommitsWhatWasWrittenRegardlessOfOffset() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("alias")), Rwalk.class);
        c.call(new Topen(0, 1, 0x2), Ropen.class);
        Rread r = c.call(new Tread(0, 1, 0, 4096), Rread.class);
        assertEquals("dev\n", text(r));
        c.call(new Twrite(0, 1, r.data().length, utf8("reviewer")), Rwrite.class);
        assertEquals("dev\n", text(c.call(new Tread(0, 1, 0, 4096), Rread.class)), "nothing commits before the fid goes");
        exit(c);
        Await.until("the alias to be committed", () -> tree.alias.get().equals("reviewer"));
    }

    // ---- ls and stat -------------------------------------------------------------------------

    List<Stat> ls(RawClient c, List<String> path) throws Exception {
        c.call(new Twalk(0, 0, 1, path), Rwalk.class);
        Stat self = c.call(new Tstat(0, 1), Rstat.class).stat();
        c.call(new Tclunk(0, 1), Rclunk.class);
        assertTrue(self.isDir());
        c.call(new Twalk(0, 0, 1, path), Rwalk.class);
        c.call(new Topen(0, 1, 0x0), Ropen.class);
        List<Stat> entries = new ArrayList<>();
        int reads = 0;
        for (long offset = 0; ; reads++) {
            assertTrue(reads < 100);
            Rread r = c.call(new Tread(0, 1, offset, DIRREAD), Rread.class);
            if (r.data().length == 0) break;
            entries.addAll(Codec.decodeStats(r.data()));
            offset += r.data().length;
        }
        c.call(new Tclunk(0, 1), Rclunk.class);
        return entries;
    }

    @Test
    void lsReadsWholeEntriesUntilCountZero() throws Exception {
        RawClient c = invocation();
        List<Stat> entries = ls(c, List.of("d"));
        exit(c);
        List<String> names = entries.stream().map(Stat::name).sorted().toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < TestTree.D_ENTRIES; i++) expected.add(String.format("f%03d", i));
        assertEquals(expected, names);
        int total = entries.stream().mapToInt(Stat::wireSize).sum();
        assertTrue(total > 2 * DIRREAD, "the listing took several reads (" + total + " bytes)");
    }

    /** {@code 9p ls agent}: the path after the first element is empty, so the walk clones the root. */
    @Test
    void lsOfTheRoot() throws Exception {
        RawClient c = invocation();
        assertEquals(List.of(), c.call(new Twalk(0, 0, 1, List.of()), Rwalk.class).qids());
        c.call(new Tclunk(0, 1), Rclunk.class);
        List<Stat> entries = ls(c, List.of());
        exit(c);
        assertEquals(List.of("list", "mutable", "big", "ctl", "in", "alias", "events", "whoami", "d", "a"),
                entries.stream().map(Stat::name).toList());
    }

    /** {@code ls -l} prints mode, uid, gid, length and mtime from the entries; stat agrees. */
    @Test
    void lsDashLAndStatAgree() throws Exception {
        RawClient c = invocation();
        List<Stat> entries = ls(c, List.of());
        for (Stat e : entries) {
            c.call(new Twalk(0, 0, 1, List.of(e.name())), Rwalk.class);
            Stat s = c.call(new Tstat(0, 1), Rstat.class).stat();
            c.call(new Tclunk(0, 1), Rclunk.class);
            assertEquals(e, s, e.name());
        }
        exit(c);
    }

    @Test
    void statGivesNameOwnersQidModeTimesAndLength() throws Exception {
        RawClient c = invocation();
        Qid walked = c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class).qids().get(0);
        Stat s = c.call(new Tstat(0, 1), Rstat.class).stat();
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
        String user = System.getProperty("user.name");
        assertEquals("list", s.name());
        assertEquals(user, s.uid());
        assertEquals(user, s.gid());
        assertEquals(user, s.muid());
        assertEquals(walked, s.qid());
        assertEquals(Qid.QTFILE, s.qid().type());
        assertEquals(0444, s.mode());
        assertEquals(19, s.length());
        long now = System.currentTimeMillis() / 1000;
        assertTrue(s.mtime() <= now && s.mtime() > now - 3600, "mtime " + s.mtime());
        assertTrue(s.atime() <= now && s.atime() > now - 3600, "atime " + s.atime());
    }

    // ---- walks -------------------------------------------------------------------------------

    /** {@code 9p read agent/big/x} where big is a file: Rwalk nwqid=1, the client says not found and exits. */
    @Test
    void readOfAPathThroughAFileGetsAPartialWalk() throws Exception {
        RawClient c = invocation();
        Rwalk w = c.call(new Twalk(0, 0, 1, List.of("big", "x")), Rwalk.class);
        assertEquals(1, w.qids().size());
        assertFalse(w.qids().get(0).isDir());
        // the client put fid 1 back unclunked and may use the number again
        c.call(new Twalk(0, 0, 1, List.of("list")), Rwalk.class);
        exit(c);
    }

    /** More than 16 elements: several Twalks, the later ones with newfid == fid. */
    @Test
    void aPathOfMoreThan16ElementsIsWalkedInTwoTwalks() throws Exception {
        List<String> path = TestTree.deepPath();
        assertEquals(21, path.size());
        RawClient c = invocation();
        assertEquals(16, c.call(new Twalk(0, 0, 1, path.subList(0, 16)), Rwalk.class).qids().size());
        Rwalk rest = c.call(new Twalk(0, 1, 1, path.subList(16, 21)), Rwalk.class);
        assertEquals(5, rest.qids().size());
        assertFalse(rest.qids().get(4).isDir());
        c.call(new Topen(0, 1, 0x0), Ropen.class);
        assertEquals("deep\n", text(c.call(new Tread(0, 1, 0, 4096), Rread.class)));
        assertEquals(0, c.call(new Tread(0, 1, 5, 4096), Rread.class).data().length);
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
    }

    @Test
    void aPathOf37ElementsIsWalkedInThreeTwalks() throws Exception {
        List<String> path = new ArrayList<>();
        for (int i = 0; i < 8; i++) path.addAll(List.of("a", ".."));
        path.addAll(TestTree.deepPath());
        assertEquals(37, path.size());
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, path.subList(0, 16)), Rwalk.class);
        c.call(new Twalk(0, 1, 1, path.subList(16, 32)), Rwalk.class);
        assertEquals(5, c.call(new Twalk(0, 1, 1, path.subList(32, 37)), Rwalk.class).qids().size());
        assertEquals("leaf", c.call(new Tstat(0, 1), Rstat.class).stat().name());
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
    }

    /** A later walk of a long path fails part-way: the client clunks the fid, which is still valid. */
    @Test
    void aLongPathMissingInALaterWalkLeavesTheFidToClunk() throws Exception {
        List<String> path = new ArrayList<>(Collections.nCopies(TestTree.DEPTH, "a"));
        path.add("nope");
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, path.subList(0, 16)), Rwalk.class);
        Rwalk partial = c.call(new Twalk(0, 1, 1, path.subList(16, 21)), Rwalk.class);
        assertEquals(4, partial.qids().size(), "nwqid != nwname: `file not found`");
        c.call(new Tclunk(0, 1), Rclunk.class);
        exit(c);
    }

    // ---- 9p con ------------------------------------------------------------------------------

    /** {@code 9p con}: a read and a write in flight at once on one connection. */
    @Test
    void conKeepsAReadAndAWriteInFlightOnOneConnection() throws Exception {
        RawClient c = invocation();
        c.call(new Twalk(0, 0, 1, List.of("events")), Rwalk.class);
        c.call(new Topen(0, 1, 0x0), Ropen.class);
        c.call(new Twalk(0, 0, 2, List.of("ctl")), Rwalk.class);
        c.call(new Topen(0, 2, 0x11), Ropen.class);
        c.send(new Tread(1, 1, 0, 4096));
        Await.until("the read to block", () -> tree.events.waiting() == 1);
        assertEquals(new Rwrite(2, 9), c.rpc(new Twrite(2, 2, 0, utf8("new a /p\n"))));
        assertEquals("new a /p", tree.nextCommand());
        tree.events.release("created a\n");
        assertEquals(new Rread(1, utf8("created a\n")), c.receive());
        c.send(new Tread(1, 1, 10, 4096));
        assertEquals(new Rwrite(2, 9), c.rpc(new Twrite(2, 2, 9, utf8("new b /p\n"))));
        tree.events.release("created b\n");
        assertEquals(new Rread(1, utf8("created b\n")), c.receive());
        exit(c);
    }
}
