package dev.anvillm.srv;

import dev.anvillm.ninep.proto.Codec;
import dev.anvillm.ninep.proto.Message;
import dev.anvillm.ninep.proto.Message.*;
import dev.anvillm.ninep.proto.OpenMode;
import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.server.RawClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The daemon as a user runs it: real processes, a temp namespace, everything through the socket. */
class DaemonTest {
    @TempDir Path tmp;
    private final List<TestNamespace> namespaces = new ArrayList<>();

    private TestNamespace namespace(String name) throws Exception {
        TestNamespace ns = new TestNamespace(tmp.resolve(name));
        namespaces.add(ns);
        return ns;
    }

    @AfterEach
    void killEverything() throws Exception {
        for (TestNamespace ns : namespaces) ns.close();
    }

    @Test
    void servesTheRootOfTheTreeOverTheSocket() throws Exception {
        TestNamespace ns = namespace("a");
        ns.fgstart();
        try (RawClient c = new RawClient(ns.socket())) {
            Rversion v = (Rversion) c.rpc(new Tversion(Message.NOTAG, 8192, "9P2000"));
            assertEquals("9P2000", v.version());
            assertEquals(new Rerror(0, "authentication not required"), c.rpc(new Tauth(0, 5, "glenda", "")));
            assertInstanceOf(Rattach.class, c.rpc(new Tattach(0, 0, Message.NOFID, "glenda", "")));

            assertEquals(List.of("ctl", "list", "events", "backends", "stats"), names(c));
            assertEquals("", read(c, "stats"));
            assertEquals("", read(c, "list"));
            String backends = read(c, "backends");
            assertTrue(backends.lines().anyMatch(l -> l.startsWith("sh\tok\t")), backends);
            assertTrue(backends.lines().anyMatch(l -> l.startsWith("testagent\t")), backends);

            walkOpen(c, "ctl", 7, OpenMode.OWRITE | OpenMode.OTRUNC);
            assertEquals(new Rerror(0, "unknown backend \"nosuch\"; known: claude, codex, gemini, kiro-cli, sh, testagent"), c.rpc(write(7, "new nosuch /tmp\n")));
            assertEquals(new Rerror(0, "unknown command \"frob\"; try: new <backend> <dir> [alias=<name>]"), c.rpc(write(7, "frob\n")));
        }
    }

    @Test
    void socketIs0600AndTheNamespaceDirIsCreated0700() throws Exception {
        TestNamespace ns = namespace("a");
        ns.fgstart();
        assertEquals("rw-------", perms(ns.socket()));
        assertEquals("rwx------", perms(ns.locations().namespaceDir()));
        assertTrue(Files.isDirectory(ns.locations().stateDir()));
    }

    @Test
    void aSecondDaemonIsRefusedWithThePidOfTheFirst() throws Exception {
        TestNamespace ns = namespace("a");
        Process first = ns.fgstart();
        TestNamespace.Result second = ns.run("fgstart");
        assertEquals(1, second.exit());
        assertEquals("anvilsrv already running (pid " + first.pid() + ")\n", second.err());

        TestNamespace.Result start = ns.run("start");
        assertEquals(1, start.exit());
        assertEquals("anvilsrv already running (pid " + first.pid() + ")\n", start.err());
        assertTrue(first.isAlive());
        assertTrue(ns.answers());
    }

    @Test
    void aNamespaceDirOpenToOthersIsRefused() throws Exception {
        TestNamespace ns = namespace("a");
        Path dir = ns.locations().namespaceDir();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        TestNamespace.Result fg = ns.run("fgstart");
        assertEquals(1, fg.exit());
        String expected = "anvilsrv: namespace directory " + dir + " has mode 0755; it must be 0700 (chmod 700 " + dir + ")\n";
        assertEquals(expected, fg.err());

        TestNamespace.Result start = ns.run("start");
        assertEquals(1, start.exit());
        assertEquals(expected, start.err(), "start reports the daemon's reason, taken from its log");
        assertFalse(Files.exists(ns.socket()));
    }

    @Test
    void aNamespaceDirOfAnotherUserIsRefused() throws Exception {
        assumeTrue(System.getProperty("user.name").equals("root"), "only root can give a directory away");
        TestNamespace ns = namespace("a");
        Path dir = ns.locations().namespaceDir();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir, "unix:uid", 65534);

        TestNamespace.Result fg = ns.run("fgstart");
        assertEquals(1, fg.exit());
        assertEquals("anvilsrv: namespace directory " + dir + " belongs to uid 65534, not you (uid 0); remove it or set NAMESPACE\n", fg.err());
    }

    @Test
    void aStalePidFileAndSocketAreCleanedUp() throws Exception {
        TestNamespace ns = namespace("a");
        Path dir = ns.locations().namespaceDir();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Process gone = new ProcessBuilder("true").start();
        assertEquals(0, TestNamespace.awaitExit(gone));
        Files.writeString(ns.locations().pidFile(), gone.pid() + "\n");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(ns.socket()));
        }
        assertTrue(Files.exists(ns.socket(), LinkOption.NOFOLLOW_LINKS), "a socket file nobody listens on");

        Process d = ns.fgstart();
        assertEquals(d.pid() + "\n", Files.readString(ns.locations().pidFile()));
        assertTrue(ns.answers());
    }

    @Test
    void stopMakesTheDaemonExitAndRemovesSocketAndPidFile() throws Exception {
        TestNamespace ns = namespace("a");
        Process d = ns.fgstart();
        TestNamespace.Result stop = ns.run("stop");
        assertEquals(0, stop.exit(), stop.err());
        assertEquals("anvilsrv stopped\n", stop.out());
        TestNamespace.awaitExit(d);
        assertFalse(Files.exists(ns.socket(), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(ns.locations().pidFile()));

        TestNamespace.Result again = ns.run("stop", "--sessions");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().startsWith("anvilsrv is not running"), again.out());
    }

    @Test
    void sigtermShutsDownCleanly() throws Exception {
        TestNamespace ns = namespace("a");
        Process d = ns.fgstart();
        d.destroy();
        TestNamespace.awaitExit(d);
        assertFalse(Files.exists(ns.socket(), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(ns.locations().pidFile()));
        assertTrue(ns.stderrOf(d).contains("stopped (pid " + d.pid() + ")"), ns.stderrOf(d));
    }

    @Test
    void statusSaysWhetherTheDaemonRuns() throws Exception {
        TestNamespace ns = namespace("a");
        TestNamespace.Result down = ns.run("status");
        assertEquals(1, down.exit());
        assertEquals("anvilsrv is not running (namespace " + ns.locations().namespaceDir() + ")\n", down.out());
        TestNamespace.Result downJson = ns.run("status", "--json");
        assertEquals(1, downJson.exit());
        assertTrue(downJson.out().startsWith("{\"running\":false,"), downJson.out());

        Process d = ns.fgstart();
        TestNamespace.Result up = ns.run("status");
        assertEquals(0, up.exit(), up.err());
        assertTrue(up.out().contains("pid        " + d.pid() + "\n"), up.out());
        assertTrue(up.out().contains("namespace  " + ns.locations().namespaceDir() + "\n"), up.out());
        assertTrue(up.out().contains("socket     " + ns.socket() + "\n"), up.out());
        assertTrue(up.out().contains("uptime     "), up.out());
        assertTrue(up.out().contains("sessions   0\n"), up.out());
        TestNamespace.Result json = ns.run("status", "--json");
        assertEquals(0, json.exit());
        assertTrue(json.out().startsWith("{\"running\":true,\"pid\":" + d.pid() + ","), json.out());
        assertTrue(json.out().contains("\"sessions\":0"), json.out());
    }

    @Test
    void startRunsTheDaemonInTheBackgroundAndLogsToTheStateDir() throws Exception {
        TestNamespace ns = namespace("a");
        TestNamespace.Result start = ns.run("start");
        assertEquals(0, start.exit(), start.err());
        assertTrue(start.out().startsWith("anvilsrv started (pid "), start.out());
        assertTrue(ns.answers(), "start returns once the socket answers");
        assertEquals(0, ns.run("status").exit());
        String log = Files.readString(ns.locations().logFile());
        assertTrue(log.contains("listening on " + ns.socket()), log);
        assertEquals(ns.locations().stateDir().resolve("anvilsrv.log"), ns.locations().logFile());

        assertEquals(0, ns.run("stop").exit());
        assertEquals(1, ns.run("status").exit());
        assertFalse(Files.exists(ns.socket(), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void namespacesRunIndependentDaemons() throws Exception {
        TestNamespace a = namespace("a"), b = namespace("b");
        Process da = a.fgstart();
        Process db = b.fgstart();
        assertNotEquals(a.locations().stateDir(), b.locations().stateDir());
        assertEquals(0, a.run("stop").exit());
        TestNamespace.awaitExit(da);
        assertTrue(db.isAlive());
        assertTrue(b.answers());
    }

    @Test
    void everyCommandHasHelp() throws Exception {
        TestNamespace ns = namespace("a");
        for (String cmd : List.of("", "start", "fgstart", "stop", "status")) {
            TestNamespace.Result r = cmd.isEmpty() ? ns.run("--help") : ns.run(cmd, "--help");
            assertEquals(0, r.exit(), cmd + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: anvilsrv"), r.out());
        }
    }

    @Test
    void mistakesGetOneLineAndNoStackTrace() throws Exception {
        TestNamespace ns = namespace("a");
        for (String[] args : List.of(new String[]{"frobnicate"}, new String[]{"start", "--timeout", "soon"}, new String[]{})) {
            TestNamespace.Result r = ns.run(args);
            assertNotEquals(0, r.exit());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("anvilsrv: "), r.err());
        }
    }

    // ---- 9P helpers --------------------------------------------------------------------------

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static int nextFid = 100;

    private static void walkOpen(RawClient c, String name, int fid, int mode) throws Exception {
        assertInstanceOf(Rwalk.class, c.rpc(new Twalk(0, 0, fid, List.of(name))));
        assertInstanceOf(Ropen.class, c.rpc(new Topen(0, fid, mode)));
    }

    private static Twrite write(int fid, String s) {
        return new Twrite(0, fid, 0, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(RawClient c, String name) throws Exception {
        int fid = nextFid++;
        walkOpen(c, name, fid, OpenMode.OREAD);
        StringBuilder b = new StringBuilder();
        long offset = 0;
        while (true) {
            Rread r = (Rread) c.rpc(new Tread(0, fid, offset, 4096));
            if (r.data().length == 0) break;
            offset += r.data().length;
            b.append(new String(r.data(), StandardCharsets.UTF_8));
        }
        assertInstanceOf(Rclunk.class, c.rpc(new Tclunk(0, fid)));
        return b.toString();
    }

    private static List<String> names(RawClient c) throws Exception {
        int fid = nextFid++;
        assertInstanceOf(Rwalk.class, c.rpc(new Twalk(0, 0, fid, List.of())));
        assertInstanceOf(Ropen.class, c.rpc(new Topen(0, fid, OpenMode.OREAD)));
        Rread r = (Rread) c.rpc(new Tread(0, fid, 0, 8192));
        assertInstanceOf(Rclunk.class, c.rpc(new Tclunk(0, fid)));
        return Codec.decodeStats(r.data()).stream().map(Stat::name).toList();
    }
}
