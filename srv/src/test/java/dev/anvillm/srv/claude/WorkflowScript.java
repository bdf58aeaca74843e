package dev.anvillm.srv.claude;

import dev.anvillm.srv.Agents;
import dev.anvillm.srv.TestNamespace;
import dev.anvillm.srv.session.TestSessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A workflow script of {@code scripts/} (DevReview, DevReviewQA, Planning) run as a user runs
 * it, against the real daemon of a test namespace whose sessions are the real Claude Code CLI
 * talking to the loopback fake Messages API (the fake tells the sessions apart by their context),
 * or ({@link #withTestAgent}) the project's test agent, for what the scripts do themselves.
 */
final class WorkflowScript implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(240);

    final FakeMessagesApi api;
    final TestNamespace ns;
    final Path project;
    Process daemon;
    Agents a;
    private final Path tmp;
    private final List<Process> scripts = new ArrayList<>();
    private int runs;

    private WorkflowScript(Path tmp, FakeMessagesApi api, TestNamespace ns, Path project) {
        this.tmp = tmp;
        this.api = api;
        this.ns = ns;
        this.project = project;
    }

    /** A daemon whose claude backend is the installed CLI, and a git repository for the sessions to work in. */
    static WorkflowScript start(Path tmp) throws Exception {
        var cli = ClaudeHome.installedCli();
        assumeTrue(cli.isPresent(), "Claude Code CLI is not installed: run bin/install-claude-code (or set ANVILLM_CLAUDE)");
        FakeMessagesApi api = FakeMessagesApi.start();
        TestNamespace ns = new TestNamespace(tmp);
        Path project = Files.createDirectories(tmp.resolve("project"));
        git(project, "init", "-q");
        Files.writeString(project.resolve("README"), "a project\n");
        ClaudeHome home = ClaudeHome.create(Path.of(ns.env().get("HOME")), api.baseUrl(), List.of(project));
        ns.env().putAll(home.env());
        ns.backendsYaml("backends:\n  claude:\n    command: [\"" + cli.get() + "\", --dangerously-skip-permissions]\n");
        Path tools = cli.get().toRealPath().getParent().getParent().getParent().getParent();
        Files.writeString(ns.locations().configDir().resolve("sandbox.yaml"), """
                filesystem:
                  rox: [/usr, /bin, /lib, /lib64, /etc, "%s"]
                """.formatted(tools));
        WorkflowScript w = new WorkflowScript(tmp, api, ns, project);
        w.daemon = ns.fgstart();
        w.a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        return w;
    }

    /**
     * A daemon whose backend {@code quick} is the project's test agent (it answers every prompt
     * with its size and hash): no Claude, for the scripts' own options and what they send.
     */
    static WorkflowScript withTestAgent(Path tmp) throws Exception {
        TestNamespace ns = new TestNamespace(tmp);
        Path project = Files.createDirectories(tmp.resolve("project"));
        ns.backendsYaml("""
                backends:
                  quick:
                    extends: testagent
                    args: [--work-ms, "20"]
                """);
        WorkflowScript w = new WorkflowScript(tmp, null, ns, project);
        w.daemon = ns.fgstart();
        w.a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
        return w;
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "git " + String.join(" ", args) + ": " + out);
    }

    static String gitOut(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "git " + String.join(" ", args));
        return out;
    }

    /** A started script: its output so far, awaited with deadlines. */
    final class Run {
        final Process process;
        final Path out;
        final Path err;

        Run(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        String out() throws IOException {
            return Files.readString(out);
        }

        String err() throws IOException {
            return Files.readString(err);
        }

        /** Waits until a line of the output equals {@code line}. */
        void awaitLine(String line) throws Exception {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!out().lines().toList().contains(line)) {
                if (!process.isAlive() && !out().lines().toList().contains(line)) fail("the script exited without printing '" + line + "':\n" + report());
                if (System.nanoTime() > deadline) fail("no line '" + line + "' within " + DEADLINE + ":\n" + report());
                Thread.sleep(100); // polling a condition, with a deadline
            }
        }

        int exit() throws Exception {
            if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) fail("the script did not finish within " + DEADLINE + ":\n" + report());
            return process.exitValue();
        }

        String report() throws IOException {
            if (api == null) return "--- stdout\n" + out() + "--- stderr\n" + err();
            return "--- stdout\n" + out() + "--- stderr\n" + err() + "--- requests\n"
                    + api.conversationRequests().stream().map(r -> r.messagesText().lines().reduce((x, y) -> y).orElse("")).toList();
        }
    }

    /**
     * Runs {@code scripts/<name> args...} with the namespace's environment. {@code withPath9p}:
     * the daemon's own 9p on the PATH (as for a user with plan9port); else no 9p on the PATH, so
     * the script falls back to {@code anvillm 9p} ({@code $ANVILLM}: the client on the test's class path).
     */
    Run run(String name, boolean withPath9p, String... args) throws IOException {
        return run(TestSessions.projectHome().resolve("scripts").resolve(name), withPath9p, args);
    }

    /** As {@link #run(String, boolean, String...)}, for a script anywhere (one a test wrote on the library). */
    Run run(Path script, boolean withPath9p, String... args) throws IOException {
        int n = ++runs;
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("script" + n + ".out");
        Path err = tmp.resolve("script" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> env = pb.environment();
        env.putAll(ns.env());
        String path = "/usr/local/bin:/usr/bin:/bin";
        if (withPath9p) path = ns.locations().stateDir().resolve("sandbox/9p/bin") + ":" + path;
        env.put("PATH", path);
        env.put("ANVILLM", anvillm().toString());
        Process p = pb.start();
        scripts.add(p);
        return new Run(p, out, err);
    }

    /** {@code anvillm} for the scripts: its 9p verb, on the test's class path (bin/anvillm would build the jars first). */
    private Path anvillm() throws IOException {
        Path f = tmp.resolve("anvillm");
        if (Files.exists(f)) return f;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(f, """
                #!/bin/sh
                [ "$1" = 9p ] || { echo "anvillm: only 9p here" >&2; exit 2; }
                shift
                exec '%s' -XX:TieredStopAtLevel=1 -cp '%s' dev.anvillm.ninep.cli.NinepCommand "$@"
                """.formatted(java, System.getProperty("java.class.path")));
        f.toFile().setExecutable(true);
        return f;
    }

    /** kill -9 of the daemon, then a new one on the same namespace. */
    void restartDaemon() throws Exception {
        a.close();
        daemon.toHandle().destroyForcibly();
        daemon.waitFor();
        daemon = ns.fgstart();
        a = new Agents(ns.socket()).withTmux(ns.tmuxSocket());
    }

    @Override
    public void close() throws Exception {
        for (Process p : scripts) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (a != null) a.close();
        ns.close();
        if (api != null) api.close();
    }
}
