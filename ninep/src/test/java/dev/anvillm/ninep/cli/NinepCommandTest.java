package dev.anvillm.ninep.cli;

import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.testserver.RamFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class NinepCommandTest {
    private static final String USER = System.getProperty("user.name");
    private static final long NOW = 1_700_000_000L + 3600;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    @TempDir
    Path ns;
    RamFs fs;

    record Result(int status, String out, String err) {}

    @BeforeEach
    void start() throws IOException {
        fs = RamFs.start(ns.resolve("agent"));
    }

    @AfterEach
    void stop() throws IOException {
        fs.close();
    }

    private Result run(String stdin, String... args) {
        return run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), Map.of("NAMESPACE", ns.toString()), args);
    }

    private Result run(InputStream stdin, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = new NinepCommand(stdin, out, err, env).withClock(CLOCK).run(args);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** What the command sent after the version/auth/attach handshake. */
    private List<Message.T> afterHandshake() {
        List<Message.T> all = fs.received();
        assertEquals(List.of(new Tversion(Message.NOTAG, 8192, "9P2000"), new Tauth(0, 0, USER, ""),
                new Tattach(0, 0, Message.NOFID, USER, "")), all.subList(0, 3));
        return all.subList(3, all.size());
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    // ---- read -------------------------------------------------------------------------------

    @Test
    void readPrintsTheFileAndSendsWhatPlan9portSends() {
        fs.file("list", "a1b2c3d4\t-\tidle\t0\n");
        Result r = run("", "read", "agent/list");
        assertEquals(new Result(0, "a1b2c3d4\t-\tidle\t0\n", ""), r);
        assertEquals(List.of(
                new Twalk(0, 0, 1, List.of("list")),
                new Topen(0, 1, 0),
                new Tread(0, 1, 0, 4096),
                new Tread(0, 1, 18, 4096),
                new Tclunk(0, 1)), afterHandshake());
    }

    @Test
    void readAsksFor4096BytesAtATimeUntilEmpty() {
        fs.file("log", repeat('x', 10000));
        Result r = run("", "read", "agent/log");
        assertEquals(10000, r.out().length());
        assertEquals(List.of(0L, 4096L, 8192L, 10000L), fs.received(Tread.class).stream().map(Tread::offset).toList());
        assertTrue(fs.received(Tread.class).stream().allMatch(t -> t.count() == 4096));
    }

    @Test
    void aWalkThroughAFileIsReportedLikePlan9port() {
        fs.file("big", "file, not a directory");
        Result r = run("", "read", "agent/big/x");
        assertEquals(new Result(1, "", "9p: fsopen big/x: file 'big/x' not found\n"), r);
    }

    @Test
    void aMissingFileShowsTheServersError() {
        assertEquals(new Result(1, "", "9p: fsopen nosuch: file does not exist\n"), run("", "read", "agent/nosuch"));
    }

    // ---- write ------------------------------------------------------------------------------

    @Test
    void writeSendsTheLineAndClunks() {
        RamFs.Node ctl = fs.file("ctl", "");
        Result r = run("new claude /proj\n", "write", "agent/ctl");
        assertEquals(new Result(0, "", ""), r);
        assertEquals(List.of(
                new Twalk(0, 0, 1, List.of("ctl")),
                new Topen(0, 1, 0x11),
                new Twrite(0, 1, 0, "new claude /proj\n".getBytes(StandardCharsets.UTF_8)),
                new Tclunk(0, 1)), afterHandshake());
        assertEquals("new claude /proj\n", ctl.text());
    }

    @Test
    void writeSendsOneTwritePer4096ByteReadOfStdin() {
        fs.file("in", "");
        run(repeat('p', 10000), "write", "agent/in");
        List<Twrite> writes = fs.received(Twrite.class);
        assertEquals(List.of(4096, 4096, 1808), writes.stream().map(w -> w.data().length).toList());
        assertEquals(List.of(0L, 4096L, 8192L), writes.stream().map(Twrite::offset).toList());
    }

    @Test
    void aWriterThatPausesMidLineProducesTwoTwrites() {
        fs.file("ctl", "");
        InputStream pausing = new ChunkedInput("new cla", "ude /proj\n");
        Result r = run(pausing, Map.of("NAMESPACE", ns.toString()), "write", "agent/ctl");
        assertEquals(0, r.status());
        List<Twrite> writes = fs.received(Twrite.class);
        assertEquals(List.of("new cla", "ude /proj\n"),
                writes.stream().map(w -> new String(w.data(), StandardCharsets.UTF_8)).toList());
        assertEquals(List.of(0L, 7L), writes.stream().map(Twrite::offset).toList());
    }

    @Test
    void emptyStdinSendsExactlyOneEmptyTwrite() {
        fs.file("in", "");
        assertEquals(0, run("", "write", "agent/in").status());
        List<Twrite> writes = fs.received(Twrite.class);
        assertEquals(1, writes.size());
        assertEquals(0, writes.getFirst().data().length);
        assertEquals(0, writes.getFirst().offset());
    }

    @Test
    void writeDashLSendsOneTwritePerLine() {
        fs.file("ctl", "");
        assertEquals(0, run("stop\nstart\nrefresh", "write", "-l", "agent/ctl").status());
        List<Twrite> writes = fs.received(Twrite.class);
        assertEquals(List.of("stop\n", "start\n", "refresh"),
                writes.stream().map(w -> new String(w.data(), StandardCharsets.UTF_8)).toList());
        assertEquals(List.of(0L, 5L, 11L), writes.stream().map(Twrite::offset).toList());
    }

    @Test
    void aRefusedWriteIsAFatalWriteError() {
        fs.file("ctl", "").failWrites("unknown command 'bogus'; commands: new");
        Result r = run("bogus\n", "write", "agent/ctl");
        assertEquals(new Result(1, "", "9p: write error: unknown command 'bogus'; commands: new\n"), r);
    }

    @Test
    void writeDashLReportsEachRefusedLineAndGoesOn() {
        fs.file("ctl", "").failWrites("no");
        Result r = run("a\nb\n", "write", "-l", "agent/ctl");
        assertEquals(new Result(0, "", "write: no\nwrite: no\n"), r);
    }

    @Test
    void anErrorWhenTheFileCommitsAtClunkIsReported() {
        fs.file("in", "").failClunkAfterWrite("session stopped; write start to agent/x/ctl");
        Result r = run("hello\n", "write", "agent/in");
        assertEquals(new Result(1, "", "9p: write error: session stopped; write start to agent/x/ctl\n"), r);
    }

    // ---- ls ---------------------------------------------------------------------------------

    @Test
    void lsSortsByName() {
        fs.file("d/zeta", "");
        fs.file("d/alpha", "");
        fs.mkdir("d/mid");
        assertEquals(new Result(0, "alpha\nmid\nzeta\n", ""), run("", "ls", "agent/d"));
    }

    @Test
    void lsDashNKeepsTheServersOrderAndDashTSortsOldestFirst() {
        fs.file("d/zeta", "").mtime(300);
        fs.file("d/alpha", "").mtime(200);
        fs.file("d/mid", "").mtime(100);
        assertEquals("zeta\nalpha\nmid\n", run("", "ls", "-n", "agent/d").out());
        assertEquals("mid\nalpha\nzeta\n", run("", "ls", "-t", "agent/d").out());
    }

    @Test
    void lsStatsThenReadsTheDirectoryInReadsOfMsizeMinus24() {
        fs.file("d/a", "");
        assertEquals(0, run("", "ls", "agent/d").status());
        List<Message.T> sent = afterHandshake();
        assertEquals(List.of(
                new Twalk(0, 0, 1, List.of("d")),
                new Tstat(0, 1),
                new Tclunk(0, 1),
                new Twalk(0, 0, 1, List.of("d")),
                new Topen(0, 1, 0),
                new Tread(0, 1, 0, 8168)), sent.subList(0, 6));
        assertEquals(new Tclunk(0, 1), sent.getLast());
    }

    @Test
    void lsDashLPrintsAlignedColumnsLikePlan9port() {
        fs.file("d/a", "hello"); // mtime within six months of the clock
        fs.file("d/bigfile", repeat('b', 12345).getBytes(StandardCharsets.UTF_8), 0644)
                .owner("ai", "agents").mtime(1_600_000_000L);
        fs.mkdir("d/sub");
        Result r = run("", "ls", "-l", "agent/d");
        assertEquals(new Result(0, """
                --rw-rw-r-- M 0 glenda sys        5 Nov 14 22:13 a
                --rw-r--r-- M 0 ai     agents 12345 Sep 13  2020 bigfile
                d-rwxrwxr-x M 0 glenda sys        0 Nov 14 22:13 sub
                """, ""), r);
    }

    @Test
    void lsOfAFileOrWithDashDPrintsTheEntryItself() {
        fs.file("d/a", "hello");
        assertEquals("a\n", run("", "ls", "agent/d/a").out());
        assertEquals("d\n", run("", "ls", "-d", "agent/d").out());
        assertEquals("d-rwxrwxr-x M 0 glenda sys 0 Nov 14 22:13 d\n", run("", "ls", "-ld", "agent/d").out());
        assertEquals("--rw-rw-r-- M 0 glenda sys 5 Nov 14 22:13 a\n", run("", "ls", "-l", "agent/d/a").out());
    }

    @Test
    void lsQuotesNamesWithSpacesOrQuotes() {
        fs.file("d/my file", "");
        fs.file("d/it's", "");
        fs.file("d/plain", "");
        assertEquals("'it''s'\n'my file'\nplain\n", run("", "ls", "agent/d").out());
    }

    @Test
    void lsReportsAMissingNameAndGoesOnButExitsOne() {
        fs.file("d/a", "");
        Result r = run("", "ls", "agent/nosuch", "agent/d");
        assertEquals(new Result(1, "a\n", "dirstat agent/nosuch: file does not exist\n"), r);
        assertEquals(2, fs.connectionsAccepted(), "one connection per name, like plan9port");
    }

    // ---- stat, rdwr -------------------------------------------------------------------------

    @Test
    void statPrintsTheDirEntryInPlan9Form() {
        RamFs.Node list = fs.file("list", "a1b2c3d4\t-\tidle\t0\n");
        RamFs.Node dir = fs.mkdir("d");
        assertEquals(new Result(0, String.format(
                "'list' 'glenda' 'sys' 'glenda' q (%016x 0 ) m 0664 at 1700000000 mt 1700000000 l 18 t 0 d 0\n",
                list.qidPath()), ""), run("", "stat", "agent/list"));
        assertEquals(String.format(
                "'d' 'glenda' 'sys' 'glenda' q (%016x 0 d) m 020000000775 at 1700000000 mt 1700000000 l 0 t 0 d 0\n",
                dir.qidPath()), run("", "stat", "agent/d").out());
        assertEquals(new Result(1, "", "9p: dirstat: file does not exist\n"), run("", "stat", "agent/nosuch"));
    }

    @Test
    void rdwrReadsFromZeroPrintsAndWritesEachLineAtTheOffsetItRead() {
        RamFs.Node ctl = fs.file("ctl", "hello");
        Result r = run("one\ntwo\n", "rdwr", "agent/ctl");
        assertEquals(new Result(0, "hello\nhelloone\nhelloonetwo\n", ""), r);
        assertEquals(List.of(
                new Twalk(0, 0, 1, List.of("ctl")),
                new Topen(0, 1, 2),
                new Tread(0, 1, 0, 4096),
                new Twrite(0, 1, 5, "one".getBytes(StandardCharsets.UTF_8)),
                new Tread(0, 1, 0, 4096),
                new Twrite(0, 1, 8, "two".getBytes(StandardCharsets.UTF_8)),
                new Tread(0, 1, 0, 4096),
                new Tclunk(0, 1)), afterHandshake());
        assertEquals("helloonetwo", ctl.text());
    }

    // ---- flags, usage, errors ---------------------------------------------------------------

    @Test
    void withDashAThePathIsWalkedWhole() {
        fs.file("agent/list", "via -a\n");
        fs.file("list", "via namespace\n");
        String address = "unix!" + ns.resolve("agent");
        Result r = run(new ByteArrayInputStream(new byte[0]), Map.of(), "-a", address, "read", "agent/list");
        assertEquals(new Result(0, "via -a\n", ""), r);
        assertEquals(new Twalk(0, 0, 1, List.of("agent", "list")), fs.received(Twalk.class).getFirst());
        assertEquals("via namespace\n", run("", "read", "agent/list").out());
    }

    @Test
    void dashNSkipsAuthAndDashASetsTheAname() {
        fs.file("x", "1");
        assertEquals(0, run("", "-n", "-A", "tree", "read", "agent/x").status());
        assertEquals(0, run("", "-nAother", "read", "agent/x").status());
        List<Message.T> all = fs.received();
        assertTrue(fs.received(Tauth.class).isEmpty());
        assertEquals(List.of("tree", "other"), fs.received(Tattach.class).stream().map(Tattach::aname).toList());
        assertInstanceOf(Tattach.class, all.get(1));
    }

    @Test
    void usageGoesToStderrWithStatusOne() {
        String usage = """
                usage: 9p [-n] [-a address] [-A aname] cmd args...
                possible cmds:
                \tread name
                \twrite [-l] name
                \tstat name
                \trdwr name
                \tls [-ldnt] name
                without -a, name elem/path means /path on server unix!$ns/elem
                """;
        for (String[] args : List.of(new String[] {}, new String[] {"bogus"}, new String[] {"read"},
                new String[] {"read", "a", "b"}, new String[] {"-x", "read", "agent/x"},
                new String[] {"write", "-q", "agent/x"}, new String[] {"-a"})) {
            assertEquals(new Result(1, "", usage), run("", args), String.join(" ", args));
        }
        assertEquals(new Result(0, usage, ""), run("", "--help"));
        assertEquals(new Result(0, usage, ""), run("", "read", "--help"));
        assertEquals(0, fs.connectionsAccepted());
    }

    @Test
    void withoutNamespaceOrUserThereIsNoNameSpace() {
        Result r = run(new ByteArrayInputStream(new byte[0]), Map.of(), "read", "agent/list");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("9p: mount: no name space"), r.err());
        assertTrue(r.err().endsWith("\n") && r.err().lines().count() == 1, r.err());
    }

    @Test
    void aMissingSocketIsADialError() throws IOException {
        Path empty = Files.createDirectory(ns.resolve("empty"));
        Result r = run(new ByteArrayInputStream(new byte[0]), Map.of("NAMESPACE", empty.toString()), "read", "agent/list");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("9p: mount: dial unix!" + empty + "/agent: "), r.err());
        Result a = run(new ByteArrayInputStream(new byte[0]), Map.of(), "-a", "unix!" + empty + "/agent", "read", "x");
        assertTrue(a.err().startsWith("9p: dial unix!" + empty + "/agent: "), a.err());
    }

    @Test
    void aDerivedNameSpaceMustBePrivateAndIsCreatedWhenMissing() throws IOException {
        String user = "anvtest" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = Map.of("USER", user, "DISPLAY", ":42.0");
        Path dir = Path.of("/tmp/ns." + user + ".:42");
        try {
            Result missing = run(new ByteArrayInputStream(new byte[0]), env, "read", "agent/list");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertTrue(missing.err().startsWith("9p: mount: dial unix!" + dir + "/agent: "), missing.err());

            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Result open = run(new ByteArrayInputStream(new byte[0]), env, "read", "agent/list");
            assertEquals(1, open.status());
            assertTrue(open.err().startsWith("9p: mount: bad name space dir " + dir + ": mode 0755"), open.err());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void theRootFidIsNeverClunkedAndEachRunHangsUp() throws Exception {
        fs.file("x", "1");
        run("", "read", "agent/x");
        fs.awaitConnectionsClosed(1, Duration.ofSeconds(10));
        assertTrue(fs.received(Tclunk.class).stream().noneMatch(c -> c.fid() == 0));
    }

    @Test
    void dashDShowsTheConversation() {
        fs.file("x", "1");
        Result r = run("", "-D", "read", "agent/x");
        assertEquals("1", r.out());
        assertTrue(r.err().startsWith("<- Tversion[tag=65535, msize=8192, version=9P2000]\n-> Rversion["), r.err());
    }

    @Test
    void asAPicocliSubcommandItTakesTheArgumentsAsTheyAre() {
        fs.file("d/b", "");
        fs.file("d/a", "");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        NinepCommand cmd = new NinepCommand(InputStream.nullInputStream(), out, err, Map.of()).withClock(CLOCK);
        int status = new CommandLine(cmd).execute("-na", "unix!" + ns.resolve("agent"), "ls", "-l", "d");
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertEquals("""
                --rw-rw-r-- M 0 glenda sys 0 Nov 14 22:13 a
                --rw-rw-r-- M 0 glenda sys 0 Nov 14 22:13 b
                """, out.toString(StandardCharsets.UTF_8));
    }

    /** Stdin whose read(2)s return the given pieces one at a time, like a writer that pauses. */
    private static final class ChunkedInput extends InputStream {
        private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();

        ChunkedInput(String... pieces) {
            Arrays.stream(pieces).map(p -> p.getBytes(StandardCharsets.UTF_8)).forEach(chunks::add);
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("9p reads stdin in blocks");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            byte[] c = chunks.poll();
            if (c == null) return -1;
            if (c.length > len) throw new IllegalStateException("piece larger than the read");
            System.arraycopy(c, 0, b, off, c.length);
            return c.length;
        }
    }
}
