package dev.anvillm.srv.sandbox;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The built-in launcher against the real kernel: each test runs it as a child process wrapping
 * a small command and looks at what the command could and could not do.
 */
class LandlockExecTest {
    static int abi;

    @TempDir
    Path tmp;
    Path inside;
    Path outside;
    final List<String> lines = new ArrayList<>();

    @BeforeAll
    static void kernel() {
        abi = LandlockExec.abi();
    }

    @BeforeEach
    void dirs() throws IOException {
        assumeTrue(abi >= 3, "this kernel has no usable Landlock (ABI " + abi + ")");
        inside = Files.createDirectories(tmp.toRealPath().resolve("inside"));
        outside = Files.createDirectories(tmp.toRealPath().resolve("outside"));
        Files.writeString(outside.resolve("secret"), "s3cret\n");
        rules("rox /usr", "rox /bin", "rox /sbin", "rox /lib", "rox /lib64", "ro /etc", "ro /proc", "ro /sys", "rw /dev/null",
                "rwx " + inside, "rox " + Path.of(System.getProperty("java.home")).toRealPath(), "network restricted", "env PATH");
        for (String entry : System.getProperty("java.class.path").split(":")) rules("ro " + Path.of(entry).toAbsolutePath());
    }

    private void rules(String... more) {
        lines.addAll(List.of(more));
    }

    private Path policy() throws IOException {
        Path p = tmp.resolve("test.policy");
        Files.writeString(p, LandlockExec.HEADER + "\n" + String.join("\n", lines) + "\n");
        return p;
    }

    private Child run(Map<String, String> env, String... command) throws Exception {
        List<String> argv = Child.launcher(policy());
        argv.addAll(List.of(command));
        return Child.run(tmp, env, argv);
    }

    private Child run(String... command) throws Exception {
        return run(Map.of("PATH", "/usr/bin:/bin"), command);
    }

    private Child sh(String script) throws Exception {
        return run("sh", "-c", script);
    }

    private Child probe(String what, int port) throws Exception {
        return run(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), NetProbe.class.getName(), what, "127.0.0.1", Integer.toString(port));
    }

    @Test
    void writingInsideThePolicySucceedsAndOutsideFailsWithEacces() throws Exception {
        Child c = sh("echo a > '" + inside + "/f' && echo wrote-inside; echo b > '" + outside + "/f' || echo denied-outside");
        assertEquals("wrote-inside\ndenied-outside\n", c.out(), c.toString());
        assertTrue(c.err().contains("Permission denied"), c.toString());
        assertEquals("a\n", Files.readString(inside.resolve("f")));
        assertFalse(Files.exists(outside.resolve("f")));
    }

    @Test
    void readingOutsideThePolicyFails() throws Exception {
        Child c = sh("cat '" + outside + "/secret' || echo denied; ls '" + outside + "' || echo no-listing");
        assertEquals("denied\nno-listing\n", c.out(), c.toString());
        assertFalse(c.out().contains("s3cret"));
    }

    @Test
    void truncatingOrRemovingOutsideFails() throws Exception {
        Child c = sh("truncate -s 0 '" + outside + "/secret' || echo no-truncate; rm -f '" + outside + "/secret' || echo no-rm");
        assertEquals("no-truncate\nno-rm\n", c.out(), c.toString());
        assertEquals("s3cret\n", Files.readString(outside.resolve("secret")));
    }

    @Test
    void aProtectedDirectoryIsNeverWritableEvenThroughARuleOnItsParent() throws Exception {
        Path config = Files.createDirectories(inside.resolve("config"));
        rules("protect " + config);
        Child c = sh("echo x > '" + config + "/sandbox.yaml' || echo denied-config; echo y > '" + inside + "/g' || echo denied-parent");
        assertEquals("denied-config\ndenied-parent\n", c.out(), c.toString());
        assertTrue(c.err().contains("write access to " + inside + " removed"), c.toString());
        assertFalse(Files.exists(config.resolve("sandbox.yaml")));
    }

    @Test
    void aSymlinkSwappedInForARulePathCannotMakeAProtectedDirectoryWritable() throws Exception {
        Path config = Files.createDirectories(outside.resolve("config"));
        Files.createSymbolicLink(tmp.resolve("link"), config);
        rules("rwx " + tmp.resolve("link"), "protect " + config);
        Child c = sh("echo x > '" + config + "/sandbox.yaml' || echo denied");
        assertEquals("denied\n", c.out(), c.toString());
        assertFalse(Files.exists(config.resolve("sandbox.yaml")));
    }

    @Test
    void anAllowedDirectoryInsideAProtectedOneStaysWritable() throws Exception {
        Path state = Files.createDirectories(outside.resolve("state"));
        Path run = Files.createDirectories(state.resolve("run/abcd"));
        rules("rw " + run, "protect " + state, "allow " + run);
        Child c = sh("echo h >> '" + run + "/hooks.jsonl' && echo ok; echo x > '" + state + "/evil' || echo denied");
        assertEquals("ok\ndenied\n", c.out(), c.toString());
    }

    @Test
    void tcpConnectsOnlyToListedPorts() throws Exception {
        assumeTrue(abi >= 4, "TCP rules need Landlock ABI 4");
        try (ServerSocket listed = server(); ServerSocket unlisted = server()) {
            rules("connect_tcp " + listed.getLocalPort());
            Child ok = probe("connect", listed.getLocalPort());
            assertEquals("ok\n", ok.out(), ok.toString());
            Child denied = probe("connect", unlisted.getLocalPort());
            assertEquals(1, denied.exit(), denied.toString());
            assertTrue(denied.out().startsWith("denied: Permission denied"), denied.toString());
        }
    }

    @Test
    void multipathTcpCannotGoAroundThePortRules() throws Exception {
        assumeTrue(abi >= 4, "TCP rules need Landlock ABI 4");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3 to open MPTCP sockets");
        String client = """
                import socket, sys
                for proto in (0, 262):
                    try:
                        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
                        s.settimeout(5)
                        s.connect(("127.0.0.1", int(sys.argv[1])))
                        print(proto, "connected")
                    except OSError as e:
                        print(proto, "refused", e.errno)
                """;
        try (ServerSocket unlisted = server()) {
            rules("connect_tcp 443");
            Child c = run("/usr/bin/python3", "-c", client, Integer.toString(unlisted.getLocalPort()));
            // 13: EACCES from Landlock for TCP; 93: EPROTONOSUPPORT from the launcher's filter for MPTCP
            assertEquals("0 refused 13\n262 refused 93\n", c.out(), c.toString());
        }
    }

    @Test
    void bindIsDeniedUnlessListed() throws Exception {
        assumeTrue(abi >= 4, "TCP rules need Landlock ABI 4");
        Child denied = probe("bind", 0);
        assertEquals(1, denied.exit(), denied.toString());
        assertTrue(denied.out().startsWith("denied: Permission denied"), denied.toString());
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        rules("bind_tcp " + free);
        Child ok = probe("bind", free);
        assertEquals("ok\n", ok.out(), ok.toString());
    }

    @Test
    void unrestrictedNetworkLeavesTcpAlone() throws Exception {
        lines.remove("network restricted");
        rules("network unrestricted");
        try (ServerSocket s = server()) {
            Child ok = probe("connect", s.getLocalPort());
            assertEquals("ok\n", ok.out(), ok.toString());
        }
    }

    @Test
    void theBackendRunsWithNoNewPrivsAndWithoutCapabilities() throws Exception {
        Child c = run("grep", "-E", "^(NoNewPrivs|CapEff|CapPrm|CapBnd|CapAmb):", "/proc/self/status");
        assertTrue(c.out().contains("NoNewPrivs:\t1"), c.toString());
        for (String cap : List.of("CapEff", "CapPrm", "CapBnd", "CapAmb")) {
            assertTrue(c.out().contains(cap + ":\t0000000000000000"), c.toString());
        }
    }

    @Test
    void theEnvironmentHoldsOnlyTheListedVariables() throws Exception {
        rules("env KEEP", "env LC_*");
        Child c = run(Map.of("PATH", "/usr/bin:/bin", "KEEP", "1", "LC_TIME", "C", "SECRET", "hunter2", "TMUX", "/tmp/tmux-0/default,1,0"),
                "env");
        assertEquals(List.of("KEEP=1", "LC_TIME=C", "PATH=/usr/bin:/bin"), c.out().lines().sorted().toList(), c.toString());
    }

    @Test
    void theCommandReplacesTheLauncherSoThePidIsTheBackends() throws Exception {
        Child c = sh("echo $$");
        assertEquals(Long.toString(c.pid()), c.out().trim(), c.toString());
    }

    @Test
    void argumentsAndPathsPassAsBytesWhateverTheLocale() throws Exception {
        String name = "d\u00e9j\u00e0 vu";
        Files.createDirectories(inside.resolve(name));
        Child c = run("sh", "-c", "printf '%s|' \"$1\" && echo ok > \"$2/f\" && cat \"$2/f\"", "sh", "\u00e9t\u00e9\nx", inside.resolve(name).toString());
        assertEquals("\u00e9t\u00e9\nx|ok\n", c.out(), c.toString());
    }

    @Test
    void processesOutsideTheSandboxCannotBeSignalledOrInspected() throws Exception {
        assumeTrue(abi >= 6, "signal scoping needs Landlock ABI 6");
        long me = ProcessHandle.current().pid();
        Child c = sh("kill -0 " + me + " && echo signalled; cat /proc/" + me + "/environ > /dev/null && echo read-environ; true");
        assertEquals("", c.out(), c.toString());
    }

    @Test
    void aCommandThatIsNotFoundExits127WithOneLine() throws Exception {
        Child c = run("no-such-command-anywhere");
        assertEquals(LandlockExec.NOT_FOUND, c.exit(), c.toString());
        assertEquals("anvillm sandbox: no-such-command-anywhere: command not found on the session's PATH\n", c.err());
    }

    @Test
    void aCommandOutsideTheExecutablePathsIsRefusedWithTheFix() throws Exception {
        Path script = outside.resolve("tool");
        Files.writeString(script, "#!/bin/sh\necho ran\n");
        script.toFile().setExecutable(true);
        rules("ro " + outside);
        Child c = run(script.toString());
        assertEquals(LandlockExec.FAILED, c.exit(), c.toString());
        assertTrue(c.err().startsWith("anvillm sandbox: cannot execute " + script + ": permission denied"), c.toString());
        assertTrue(c.err().contains("filesystem.rox"), c.toString());
    }

    @Test
    void aBrokenPolicyStopsTheLaunchWithOneLine() throws Exception {
        rules("frobnicate yes");
        Child c = run("true");
        assertEquals(LandlockExec.FAILED, c.exit(), c.toString());
        assertEquals(1, c.err().lines().count(), c.toString());
        assertTrue(c.err().contains("unknown policy line 'frobnicate'"), c.toString());
    }

    @Test
    void strictModeNamesWhatTheKernelLacksAndHowToGoOn() {
        String config = "~/.config/anvillm/sandbox.yaml";
        assertEquals("Landlock is not available (kernel ABI 0); set general.best_effort: true in ~/.config/anvillm/sandbox.yaml "
                + "to run unsandboxed", LandlockExec.unmet(0, true, config));
        assertTrue(LandlockExec.unmet(2, false, config).contains("needs ABI 3"));
        assertTrue(LandlockExec.unmet(3, true, config).contains("cannot restrict TCP (needs ABI 4"));
        assertEquals(null, LandlockExec.unmet(3, false, config));
        assertEquals(null, LandlockExec.unmet(7, true, config));
    }

    @Test
    void rightsFollowTheAbi() {
        assertEquals((1L << 13) - 1, LandlockExec.handledFs(1));
        assertEquals((1L << 15) - 1, LandlockExec.handledFs(4));
        assertEquals((1L << 16) - 1, LandlockExec.handledFs(7));
        long rw = LandlockExec.rights("rw", true);
        assertEquals(0, rw & (LandlockExec.FS_MAKE_CHAR | LandlockExec.FS_MAKE_BLOCK | LandlockExec.FS_EXECUTE));
        assertEquals(0, LandlockExec.rights("rwx", false) & ~LandlockExec.FILE_RIGHTS);
        assertTrue(LandlockExec.within("/a/b".getBytes(StandardCharsets.UTF_8), "/a".getBytes(StandardCharsets.UTF_8)));
        assertFalse(LandlockExec.within("/ab".getBytes(StandardCharsets.UTF_8), "/a".getBytes(StandardCharsets.UTF_8)));
        assertTrue(LandlockExec.within("/x".getBytes(StandardCharsets.UTF_8), "/".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Arrays.equals("a\nb\\c".getBytes(StandardCharsets.UTF_8),
                LandlockExec.unescape("a\\nb\\\\c".getBytes(StandardCharsets.UTF_8))));
    }

    /** A loopback server that accepts and closes connections until it is closed. */
    private static ServerSocket server() throws IOException {
        ServerSocket s = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getOutputStream().flush();
                } catch (IOException e) {
                    return;
                }
            }
        });
        return s;
    }
}
