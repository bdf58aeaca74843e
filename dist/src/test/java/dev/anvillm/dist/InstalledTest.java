package dev.anvillm.dist;

import dev.anvillm.srv.Agents;
import dev.anvillm.srv.TestNamespace;
import dev.anvillm.srv.session.TestSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * bin/install into a temporary prefix, then what it installed, for real: the commands drive a
 * session with no source tree on the PATH, an upgrade in place leaves the daemon and the sessions
 * running, the units pass systemd-analyze verify, the runit service runs under runsv, and
 * --uninstall removes it all. One install for the class (it builds AOT caches: a minute or more).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstalledTest {
    static final Duration INSTALL_DEADLINE = Duration.ofMinutes(10);
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private Path dir;
    private Path prefix;
    private final Path home = TestSessions.projectHome();

    record Result(int exit, String out) {}

    @BeforeAll
    void install() throws Exception {
        dir = Files.createTempDirectory("anvillm-installed");
        prefix = dir.resolve("prefix");
        Result r = install("--prefix", prefix.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("anvillm installed in " + prefix), r.out());
    }

    @AfterAll
    void removeAll() throws IOException {
        if (dir == null) return;
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** bin/install with {@code args}, from a directory outside the source tree, HOME in the temp dir. */
    private Result install(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/install").toString()));
        cmd.addAll(List.of(args));
        Files.createDirectories(dir.resolve("home"));
        Map<String, String> env = new HashMap<>(Map.of("JAVA_HOME", System.getProperty("java.home"),
                "HOME", dir.resolve("home").toString(), "TMPDIR", dir.toString()));
        return run(cmd, env, dir, INSTALL_DEADLINE);
    }

    private static Result run(List<String> cmd, Map<String, String> env, Path cwd, Duration deadline) throws Exception {
        return run(cmd, env, cwd, deadline, null);
    }

    /** Runs {@code cmd} to completion with {@code env} added, {@code stdin} (or nothing) as its input. */
    private static Result run(List<String> cmd, Map<String, String> env, Path cwd, Duration deadline, String stdin) throws Exception {
        Path out = Files.createTempFile(cwd, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + deadline + ": " + Files.readString(out));
        }
        String text = Files.readString(out);
        Files.delete(out);
        return new Result(p.exitValue(), text);
    }

    /** The environment of a user of the installed commands: the prefix's bin and the system's, nothing of the source tree. */
    private Map<String, String> userEnv(TestNamespace ns) {
        Map<String, String> env = new HashMap<>(ns.env());
        env.put("PATH", prefix.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin");
        env.remove("JAVA_HOME");
        return env;
    }

    /** Installed command {@code args[0]} (found on the prefix's bin, as the user's PATH finds it) with the rest. */
    private Result cmd(TestNamespace ns, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(args));
        cmd.set(0, prefix.resolve("bin").resolve(args[0]).toString());
        return run(cmd, userEnv(ns), dir, DEADLINE, stdin);
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + DEADLINE + ": " + what);
            Thread.sleep(50); // polling a condition, with a deadline
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    @Order(1)
    void theLaunchersNameTheirJdkAndTheInstalledJarsAndNothingOfTheSourceTree() throws Exception {
        for (String c : List.of("anvilsrv", "anvillm", "anvilweb", "Assist")) {
            Path launcher = prefix.resolve("bin").resolve(c);
            assertTrue(Files.isExecutable(launcher), c);
            String text = Files.readString(launcher.toRealPath());
            assertTrue(text.startsWith("#!/bin/sh\n"), c);
            String code = text.lines().filter(l -> !l.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
            assertFalse(code.contains(home.toString()), c + " names the source tree:\n" + code);
            assertTrue(code.contains("'" + Path.of(System.getProperty("java.home")).toRealPath() + "/bin/java'"), c + ":\n" + code);
            assertFalse(code.contains("java -version") || code.contains("mvn"), c + " probes or builds:\n" + code);
        }
        for (String c : List.of("anvilsrv", "anvillm", "anvilweb")) {
            assertTrue(Files.readString(prefix.resolve("bin").resolve(c).toRealPath()).contains("-XX:AOTCache=" + prefix.resolve("lib/anvillm")),
                    c + " maps its AOT cache");
        }
        List<String> shellcheck = new ArrayList<>(List.of("shellcheck", "-s", "sh"));
        for (String c : List.of("anvilsrv", "anvillm", "anvilweb", "Assist")) shellcheck.add(prefix.resolve("lib/anvillm/bin").resolve(c).toString());
        Result lint = run(shellcheck, Map.of(), dir, DEADLINE);
        assertEquals(0, lint.exit(), "the generated launchers pass shellcheck:\n" + lint.out());
        for (String w : List.of("DevReview", "DevReviewQA", "Planning")) assertTrue(Files.isExecutable(prefix.resolve("bin").resolve(w)), w);
        assertTrue(Files.isRegularFile(prefix.resolve("share/emacs/site-lisp/anvillm/anvillm.el")));
        Result help = run(List.of(prefix.resolve("bin/anvillm").toString(), "--help"), Map.of(), dir, DEADLINE);
        assertEquals(0, help.exit(), help.out());
        assertTrue(help.out().startsWith("Usage: anvillm"), help.out());
    }

    @Test
    @Order(2)
    void theInstalledCommandsDriveASessionAndAnUpgradeInPlaceKeepsDaemonAndSessionRunning() throws Exception {
        try (TestNamespace ns = new TestNamespace(dir.resolve("drive"))) {
            Path project = Files.createDirectories(dir.resolve("drive/project"));
            Result r = cmd(ns, null, "anvilsrv", "start");
            assertEquals(0, r.exit(), r.out());
            // the installed start's JVM is the daemon itself: it names its own pid, and a second
            // start says one already runs and leaves it be
            assertEquals("anvilsrv started (pid " + daemonPid(ns) + ") on " + ns.socket() + "\n", r.out());
            Result twice = cmd(ns, null, "anvilsrv", "start");
            assertEquals(1, twice.exit(), twice.out());
            assertEquals("anvilsrv already running (pid " + daemonPid(ns) + ")\n", twice.out());
            assertTrue(cmd(ns, null, "anvilsrv", "status").out().contains("anvilsrv running"));
            r = cmd(ns, "new sh " + project + " alias=inst\n", "anvillm", "9p", "write", "agent/ctl");
            assertEquals(0, r.exit(), r.out());
            await("the sh session idle", () -> read(ns, "agent/inst/state").equals("idle\n"));
            r = cmd(ns, "echo installed-$((6*7)) > made.txt\n", "anvillm", "9p", "write", "agent/inst/in");
            assertEquals(0, r.exit(), r.out());
            await("the typed command ran", () -> Files.exists(project.resolve("made.txt")) && readQuietly(project.resolve("made.txt")).equals("installed-42\n"));
            String pid = read(ns, "agent/inst/pid");
            long daemon = daemonPid(ns);

            // upgrade in place: the daemon and its session run on
            Result again = install("--prefix", prefix.toString());
            assertEquals(0, again.exit(), again.out());
            assertTrue(alive(daemon), "the daemon runs across the upgrade");
            assertEquals(pid, read(ns, "agent/inst/pid"));
            assertEquals("idle\n", read(ns, "agent/inst/state"));

            // a restart onto the new version re-adopts the session
            assertEquals(0, cmd(ns, null, "anvilsrv", "stop").exit());
            assertEquals(0, cmd(ns, null, "anvilsrv", "start").exit());
            assertEquals(pid, read(ns, "agent/inst/pid"));
            r = cmd(ns, null, "anvilsrv", "stop", "--sessions");
            assertEquals(0, r.exit(), r.out());
        }
    }

    private String read(TestNamespace ns, String path) {
        try {
            Result r = cmd(ns, null, "anvillm", "9p", "read", path);
            return r.exit() == 0 ? r.out() : "(" + r.out().strip() + ")";
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** systemd-analyze exits 0 on a unit with a bad line (it only warns): any word about our unit fails it. */
    private void verify(List<String> cmd, Map<String, String> env, String unit) throws Exception {
        Result r = run(cmd, env, dir, DEADLINE);
        assertEquals(0, r.exit(), r.out());
        List<String> about = r.out().lines().filter(l -> l.contains("anvilsrv")).toList();
        assertEquals(List.of(), about, unit + ":\n" + r.out());
    }

    @Test
    @Order(3)
    void everyInstalledUnitPassesSystemdAnalyzeVerify() throws Exception {
        Path runtime = Files.createDirectories(dir.resolve("runtime"));
        Path user = prefix.resolve("share/systemd/user/anvilsrv.service");
        verify(List.of("systemd-analyze", "verify", "--user", user.toString()), Map.of("XDG_RUNTIME_DIR", runtime.toString()), "anvilsrv.service");
        // a template is verified as an instance: for the user running the tests (User= must exist)
        Path units = Files.createDirectories(dir.resolve("units"));
        Files.copy(prefix.resolve("lib/systemd/system/anvilsrv@.service"), units.resolve("anvilsrv@.service"));
        verify(List.of("systemd-analyze", "verify", units.resolve("anvilsrv@" + System.getProperty("user.name") + ".service").toString()),
                Map.of(), "anvilsrv@.service");
        for (Path u : List.of(user, units.resolve("anvilsrv@.service"))) {
            String text = Files.readString(u);
            assertTrue(text.contains("\nType=notify\n") && text.contains("\nKillMode=process\n"), u.toString());
            assertTrue(text.contains("\nExecStart=" + prefix.resolve("bin/anvilsrv") + " fgstart\n"), text);
        }
        assertTrue(Files.readString(units.resolve("anvilsrv@.service")).contains("\nEnvironment=NAMESPACE=/tmp/ns.%i.:0\n"));
    }

    @Test
    @Order(4)
    void theRunitServiceRunsUnderRunsvRestartsAKilledDaemonThatReadoptsAndSvDownLeavesSessionsRunning() throws Exception {
        Path sv = dir.resolve("sv/anvilsrv");
        Files.createDirectories(sv.getParent());
        assertEquals(0, run(List.of("cp", "-r", prefix.resolve("share/anvillm/runit/anvilsrv").toString(), sv.toString()), Map.of(), dir, DEADLINE).exit());
        try (TestNamespace ns = new TestNamespace(dir.resolve("runit"))) {
            Map<String, String> env = new HashMap<>(ns.env());
            env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
            ProcessBuilder pb = new ProcessBuilder("runsv", sv.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("runsv.out").toFile());
            pb.environment().putAll(env);
            Process runsv = pb.start();
            try {
                await("the daemon under runsv answers", ns::answers);
                long first = daemonPid(ns);
                Path project = Files.createDirectories(dir.resolve("runit/project"));
                String id;
                long session;
                try (Agents a = new Agents(ns.socket())) {
                    id = a.create("sh " + project);
                    a.awaitState(id, "idle");
                    session = Long.parseLong(a.read(id + "/pid").strip());
                }

                // kill -9: runsv runs a new daemon, which adopts the session with its pid
                ProcessHandle.of(first).orElseThrow().destroyForcibly();
                await("a new daemon answers", () -> daemonPid(ns) > 0 && daemonPid(ns) != first && ns.answers());
                try (Agents a = new Agents(ns.socket())) {
                    assertEquals(session, Long.parseLong(a.read(id + "/pid").strip()));
                    a.awaitState(id, "idle");
                }
                long second = daemonPid(ns);

                // sv down: the daemon exits, the session runs on
                Result down = run(List.of("sv", "-w", "60", "down", sv.toString()), env, dir, DEADLINE);
                assertEquals(0, down.exit(), down.out());
                await("the daemon exits", () -> !alive(second));
                assertTrue(alive(session), "sv down leaves the sessions running");
                assertFalse(ns.answers());

                // the log, through svlogd
                Path current = sv.resolve("log/main/current");
                await("the daemon's log in " + current, () -> readQuietly(current).contains("listening on " + ns.socket()));
                String log = readQuietly(current);
                assertTrue(log.contains("anvilsrv exited"), log);
                assertEquals(2, log.split("listening on " + ns.socket(), -1).length - 1, "two daemons, the second after the kill -9:\n" + log);
            } finally {
                run(List.of("sv", "-w", "30", "exit", sv.toString()), env, dir, DEADLINE);
                run(List.of("sv", "-w", "30", "exit", sv.resolve("log").toString()), env, dir, DEADLINE);
                if (!runsv.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                    runsv.descendants().forEach(ProcessHandle::destroyForcibly);
                    runsv.destroyForcibly();
                }
            }
        }
    }

    /** The pid the namespace's pid file names, or -1. */
    private static long daemonPid(TestNamespace ns) {
        try {
            String s = Files.readString(ns.locations().pidFile()).strip();
            return s.isEmpty() ? -1 : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    @Test
    @Order(99)
    void uninstallRemovesWhatItInstalled() throws Exception {
        Result r = install("--prefix", prefix.toString(), "--uninstall");
        assertEquals(0, r.exit(), r.out());
        for (String c : List.of("anvilsrv", "anvillm", "anvilweb", "Assist", "DevReview", "DevReviewQA", "Planning")) {
            assertFalse(Files.exists(prefix.resolve("bin").resolve(c), java.nio.file.LinkOption.NOFOLLOW_LINKS), c);
        }
        for (String d : List.of("lib/anvillm", "share/emacs/site-lisp/anvillm", "share/systemd/user/anvilsrv.service",
                "lib/systemd/system/anvilsrv@.service", "share/anvillm/runit")) {
            assertFalse(Files.exists(prefix.resolve(d)), d);
        }
        Result again = install("--prefix", prefix.toString(), "--uninstall");
        assertEquals(1, again.exit());
        assertTrue(again.out().startsWith("bin/install: nothing of anvillm is installed under"), again.out());
    }
}
