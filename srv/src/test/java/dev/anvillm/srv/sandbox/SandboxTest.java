package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Launcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The daemon's side: sandbox.yaml to a policy, to the argv tmux runs; and that argv on the real kernel. */
class SandboxTest {
    @TempDir
    Path tmp;
    Path home;
    Path configDir;
    Path stateDir;
    Path namespace;
    Path cwd;
    Path runDir;
    Map<String, String> daemonEnv;
    static final String ID = "abcd1234";

    @BeforeEach
    void layout() throws IOException {
        Path t = tmp.toRealPath();
        home = Files.createDirectories(t.resolve("home"));
        configDir = Files.createDirectories(home.resolve(".config/anvillm"));
        stateDir = Files.createDirectories(home.resolve(".local/state/anvillm/ns-key"));
        runDir = Files.createDirectories(stateDir.resolve("run").resolve(ID));
        namespace = Files.createDirectories(t.resolve("ns"));
        cwd = Files.createDirectories(home.resolve("src/project"));
        Files.createDirectories(t.resolve("tmp"));
        daemonEnv = Map.of("HOME", home.toString(), "PATH", "/usr/bin:/bin", "TMPDIR", t.resolve("tmp").toString(), "USER", "u");
    }

    private Sandbox sandbox(int abi, Path landrun) {
        return new Sandbox(daemonEnv, configDir, stateDir, namespace, abi, landrun, false);
    }

    private void config(String yaml) throws IOException {
        Files.writeString(configDir.resolve("sandbox.yaml"), yaml);
    }

    private static BackendSpec spec(String name, List<String> command, List<String> sandboxRw, Map<String, String> env) {
        return new BackendSpec(name, name, command, List.of(), List.of(), env, false, false, null, null, null,
                Duration.ofSeconds(10), sandboxRw, "C-c", List.of(), null);
    }

    private Launcher.Plan plan(List<String> argv, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("NAMESPACE", namespace.toString());
        env.put("ANVILLM_SESSION", ID);
        env.put("ANVILLM_HOOK_FILE", runDir.resolve("hooks.jsonl").toString());
        env.put("OPENAI_API_KEY", "sk-test");
        env.put("DAEMON_ONLY_SECRET", "x");
        env.putAll(extra);
        return new Launcher.Plan(argv, env);
    }

    private Sandbox.Wrapped wrap(Sandbox s, List<String> argv) throws IOException {
        return s.wrap(plan(argv, Map.of()), spec("sh", List.of("sh"), List.of(), Map.of("PS1", "$ ")), ID, cwd, runDir);
    }

    private String policyText() throws IOException {
        return Files.readString(stateDir.resolve("sandbox").resolve(ID + ".policy"));
    }

    @Test
    void theBuiltInLauncherRunsTheBackendUnderAPrivatePolicyFile() throws IOException {
        Sandbox.Wrapped w = wrap(sandbox(7, null), List.of("sh", "-i"));
        List<String> argv = afterPath(w);
        Path policy = stateDir.resolve("sandbox/" + ID + ".policy");
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), argv.getFirst());
        assertTrue(argv.containsAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xshare:auto")), argv.toString());
        int main = argv.indexOf(LandlockExec.class.getName());
        assertEquals(List.of(policy.toString(), "--", "sh", "-i"), argv.subList(main + 1, argv.size()));
        String cp = argv.get(argv.indexOf("-cp") + 1);
        assertTrue(cp.startsWith(stateDir.resolve("sandbox/launcher").toString()) && cp.endsWith(".jar"), cp);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(policy)));
        assertTrue(policyText().startsWith(LandlockExec.HEADER + "\n"));
        assertTrue(w.details().contains("policy " + policy), w.details().toString());
    }

    @Test
    void theEnvironmentIsLimitedToTheListPlusWhatTheSessionAndBackendNeed() throws IOException {
        Sandbox.Wrapped w = wrap(sandbox(7, null), List.of("sh"));
        Map<String, String> env = w.plan().env();
        assertFalse(env.containsKey("DAEMON_ONLY_SECRET"));
        assertEquals("sk-test", env.get("OPENAI_API_KEY"));
        assertEquals(ID, env.get("ANVILLM_SESSION"));
        for (String k : Sandbox.JVM_ENV) assertFalse(env.containsKey(k), k);
        String text = policyText();
        for (String k : List.of("NAMESPACE", "ANVILLM_SESSION", "ANVILLM_HOOK_FILE", "PS1", "PATH", "LC_*")) {
            assertTrue(text.contains("\nenv " + k + "\n"), k);
        }
        assertFalse(text.contains("DAEMON_ONLY_SECRET"));
    }

    @Test
    void theVariablesTheBackendNeedsArePassedWhateverTheEnvListSays() throws IOException {
        config("env: [PATH]\n");
        BackendSpec claude = new BackendSpec("claude", "claude", List.of("sh"), List.of(), List.of(), Map.of(), false, false, null, null,
                null, Duration.ofSeconds(10), List.of(), "C-c", List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"), null);
        Sandbox.Wrapped w = sandbox(7, null).wrap(plan(List.of("sh"), Map.of("ANTHROPIC_API_KEY", "sk-ant-test",
                "ANTHROPIC_BASE_URL", "http://127.0.0.1:9")), claude, ID, cwd, runDir);
        assertEquals("sk-ant-test", w.plan().env().get("ANTHROPIC_API_KEY"));
        assertEquals("http://127.0.0.1:9", w.plan().env().get("ANTHROPIC_BASE_URL"));
        assertFalse(w.plan().env().containsKey("OPENAI_API_KEY"), "another backend's key stays out");
        assertEquals(List.of("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"), w.backendEnv(), "the names of what was set, so passed");
        assertTrue(w.details().contains("note connect tcp 9 allowed for ANTHROPIC_BASE_URL"), w.details().toString());
    }

    @Test
    void theConfigAndStateDirectoriesAreNeverWritableEvenWhenListed() throws IOException {
        config("filesystem:\n  rw: [\"" + configDir + "\", \"" + stateDir + "\", \"{HOME}/.local\"]\n  rwx: [\"{HOME}\"]\n");
        Sandbox.Wrapped w = wrap(sandbox(7, null), List.of("sh"));
        String text = policyText();
        List<Path> writable = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("rw ") || line.startsWith("rwx ")) writable.add(Path.of(line.substring(line.indexOf(' ') + 1)));
        }
        Path stateRoot = stateDir.getParent();
        for (Path p : writable) {
            if (p.equals(runDir)) continue;
            assertFalse(p.startsWith(configDir) || configDir.startsWith(p), "config dir reachable through " + p);
            assertFalse(p.startsWith(stateRoot) || stateRoot.startsWith(p), "state dir reachable through " + p);
        }
        assertTrue(writable.contains(runDir));
        assertTrue(writable.contains(home.resolve("src")), writable.toString());
        assertTrue(text.contains("protect " + configDir + "\n") && text.contains("protect " + stateRoot + "\n"), text);
        assertTrue(text.contains("allow " + runDir + "\n"), text);
        String notes = String.join("\n", w.details());
        assertTrue(notes.contains("granted read-only: it is inside " + configDir), notes);
        assertTrue(notes.contains("which no session may write: granted on"), notes);
    }

    @Test
    void aSessionInTheHomeDirectoryGetsItAllButTheProtectedPaths() throws IOException {
        Sandbox s = sandbox(7, null);
        Sandbox.Wrapped w = s.wrap(plan(List.of("sh"), Map.of()), spec("sh", List.of("sh"), List.of(), Map.of()), ID, home, runDir);
        assertTrue(w.summary().contains("write: "), w.summary());
        assertFalse(ProtectedPaths.writable(configDir.resolve("sandbox.yaml"), s.resolve(SandboxPolicy.defaults(),
                plan(List.of("sh"), Map.of()), spec("sh", List.of("sh"), List.of(), Map.of()), home, runDir, s.tmpDir(ID), List.of()).rules()));
    }

    @Test
    void templatesExpandForTheSessionAndMissingPathsAreSkipped() throws IOException {
        config("filesystem:\n  ro: [\"{CWD}/docs\", \"{HOME}/nowhere\", \"{XDG_RUNTIME_DIR}/x\"]\n  rwx: [\"{CWD}\", \"{TMPDIR}\", \"{RUN}\"]\n");
        Files.createDirectories(cwd.resolve("docs"));
        wrap(sandbox(7, null), List.of("sh"));
        String text = policyText();
        assertTrue(text.contains("\nro " + cwd.resolve("docs") + "\n"), text);
        assertTrue(text.contains("\nrwx " + cwd + "\n"), text);
        // {TMPDIR} is the session's own, not the daemon's $TMPDIR
        assertTrue(text.contains("\nrwx " + namespace.resolve("tmp").resolve(ID) + "\n"), text);
        assertFalse(text.contains(tmp.toRealPath().resolve("tmp") + "\n"), text);
        assertTrue(text.contains("\nrwx " + runDir + "\n"), text);
        assertFalse(text.contains("nowhere"), text);
    }

    @Test
    void eachSessionHasAPrivateTmpdirRemovedWhenItIsForgotten() throws IOException {
        Sandbox s = sandbox(7, null);
        Sandbox.Wrapped w = wrap(s, List.of("sh"));
        Path mine = namespace.resolve("tmp").resolve(ID);
        assertEquals(mine.toString(), w.plan().env().get("TMPDIR"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mine)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mine.getParent())));
        assertTrue(policyText().contains("\nrwx " + mine + "\n"), policyText());
        assertTrue(policyText().contains("\nenv TMPDIR\n"), "kept whatever the env list says");

        // what the session left there goes with it; a link it made is removed, not followed
        Path outside = Files.writeString(cwd.resolve("keep"), "x");
        Files.createDirectories(mine.resolve("a/b"));
        Files.writeString(mine.resolve("a/b/file"), "y");
        Files.createSymbolicLink(mine.resolve("link"), cwd);
        s.forget(ID);
        assertFalse(Files.exists(mine));
        assertEquals("x", Files.readString(outside));
    }

    @Test
    void aTmpdirReplacedByALinkIsRefused() throws IOException {
        Files.createDirectories(namespace.resolve("tmp"));
        Files.createSymbolicLink(namespace.resolve("tmp").resolve(ID), cwd);
        assertThrows(IOException.class, () -> wrap(sandbox(7, null), List.of("sh")));
    }

    @Test
    void theBackendsWritablePathsAreAddedAndAMissingDirectoryIsMade() throws IOException {
        BackendSpec claude = spec("claude", List.of("sh"), List.of("{HOME}/.claude", "{HOME}/.claude.json"), Map.of());
        Sandbox.Wrapped w = sandbox(7, null).wrap(plan(List.of("sh"), Map.of()), claude, ID, cwd, runDir);
        assertTrue(Files.isDirectory(home.resolve(".claude")));
        assertFalse(Files.exists(home.resolve(".claude.json")), "files are not made up");
        assertTrue(policyText().contains("\nrw " + home.resolve(".claude") + "\n"));
        assertTrue(w.details().contains("rw " + home.resolve(".claude") + " (backend claude)"), w.details().toString());
    }

    @Test
    void networkDefaultsToConnect443AndAnEndpointPortIsAdded() throws IOException {
        Sandbox s = sandbox(7, null);
        Sandbox.Wrapped w = s.wrap(plan(List.of("sh"), Map.of("ANTHROPIC_BASE_URL", "http://127.0.0.1:8123/v1")),
                spec("sh", List.of("sh"), List.of(), Map.of()), ID, cwd, runDir);
        String text = policyText();
        assertTrue(text.contains("\nnetwork restricted\nconnect_tcp 443\nconnect_tcp 8123\n"), text);
        assertFalse(text.contains("bind_tcp"), text);
        assertTrue(w.summary().contains("net: connect tcp 443 8123, bind tcp none, mptcp refused"), w.summary());
        config("network: {enabled: false}\n");
        w = s.wrap(plan(List.of("sh"), Map.of()), spec("sh", List.of("sh"), List.of(), Map.of()), ID, cwd, runDir);
        assertTrue(w.summary().contains("net: connect tcp none, bind tcp none"), w.summary());
        config("network: {unrestricted: true}\n");
        w = s.wrap(plan(List.of("sh"), Map.of()), spec("sh", List.of("sh"), List.of(), Map.of()), ID, cwd, runDir);
        assertTrue(policyText().contains("\nnetwork unrestricted\n"));
        assertTrue(w.summary().contains("net: tcp unrestricted"), w.summary());
    }

    @Test
    void changesToTheFileApplyToTheNextLaunch() throws IOException {
        Sandbox s = sandbox(7, null);
        wrap(s, List.of("sh"));
        assertFalse(policyText().contains("connect_tcp 8080"));
        config("network: {connect_tcp: [443, 8080]}\n");
        wrap(s, List.of("sh"));
        assertTrue(policyText().contains("connect_tcp 8080"));
    }

    @Test
    void aBrokenFileStopsTheLaunchWithOneLineNamingIt() throws IOException {
        config("network: [\n");
        IOException e = assertThrows(IOException.class, () -> wrap(sandbox(7, null), List.of("sh")));
        assertTrue(e.getMessage().startsWith(configDir.resolve("sandbox.yaml") + ": line "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void withoutLandlockAStrictSessionDoesNotStartAndBestEffortSaysNone() throws IOException {
        IOException e = assertThrows(IOException.class, () -> wrap(sandbox(0, null), List.of("sh")));
        assertEquals("anvillm sandbox: Landlock is not available (kernel ABI 0); set general.best_effort: true in "
                + "~/.config/anvillm/sandbox.yaml to run unsandboxed", e.getMessage());
        config("general: {best_effort: true}\n");
        Sandbox.Wrapped w = wrap(sandbox(0, null), List.of("sh"));
        assertTrue(w.summary().startsWith("NONE (best_effort: Landlock unavailable)"), w.summary());
        assertTrue(w.plan().argv().contains(LandlockExec.class.getName()), "the launcher still sets no_new_privs and limits the env");
        w = wrap(sandbox(0, fakeLandrun()), List.of("sh"));
        assertTrue(w.plan().argv().contains(LandlockExec.class.getName()), "preferred over landrun without Landlock");
    }

    @Test
    void aKernelWithoutTcpRulesRefusesARestrictedNetworkUnlessTold() throws IOException {
        IOException e = assertThrows(IOException.class, () -> wrap(sandbox(3, null), List.of("sh")));
        assertTrue(e.getMessage().contains("cannot restrict TCP (needs ABI 4"), e.getMessage());
        config("network: {unrestricted: true}\n");
        Sandbox.Wrapped w = wrap(sandbox(3, null), List.of("sh"));
        assertTrue(w.summary().startsWith("landlock ABI 3 via built-in launcher"), w.summary());
        assertTrue(w.summary().contains("not enforced: device ioctl"), w.summary());
        assertTrue(w.summary().contains("scoped: none (needs ABI 6)"), w.summary());
    }

    @Test
    void theSummarySaysWhatIsEnforced() throws IOException {
        Sandbox.Wrapped w = wrap(sandbox(7, null), List.of("sh"));
        assertTrue(w.summary().startsWith("landlock ABI 7 via built-in launcher; write: "), w.summary());
        assertTrue(w.summary().contains(cwd.toString()) && w.summary().contains(runDir.toString()), w.summary());
        assertTrue(w.summary().endsWith("; net: connect tcp 443, bind tcp none, mptcp refused; scoped: abstract-unix signal; capabilities dropped"),
                w.summary());
    }

    @Test
    void aWritableNamespaceDirectoryIsReported() throws IOException {
        config("filesystem: {rwx: [\"{CWD}\", \"" + namespace.getParent() + "\"]}\n");
        Sandbox.Wrapped w = wrap(sandbox(7, null), List.of("sh"));
        assertTrue(w.details().stream().anyMatch(d -> d.startsWith("note warning: the namespace directory " + namespace)), w.details().toString());
    }

    @Test
    void addExecAllowsTheBackendAndItsInterpreter() throws IOException {
        Path bin = Files.createDirectories(home.resolve("tools"));
        Path tool = bin.resolve("agent");
        Files.writeString(tool, "#!/usr/bin/env sh\necho hi\n");
        tool.toFile().setExecutable(true);
        Sandbox s = sandbox(7, null);
        s.wrap(plan(List.of("agent"), Map.of("PATH", bin + ":/usr/bin:/bin")), spec("x", List.of("agent"), List.of(), Map.of()), ID, cwd, runDir);
        assertTrue(policyText().contains("\nrox " + tool + "\n"), policyText());
    }

    @Test
    void plan9portsNinepStaysFirstWhenTheSessionCanRunItElseOursComesFirst() throws IOException {
        Path plan9 = Files.createDirectories(home.resolve("plan9/bin"));
        Path nine = plan9.resolve("9p");
        Files.writeString(nine, "#!/bin/sh\n");
        nine.toFile().setExecutable(true);
        String ours = stateDir.resolve("sandbox/9p/bin").toString();
        Map<String, String> path = Map.of("PATH", plan9 + ":/usr/bin:/bin");
        Sandbox.Wrapped unreadable = sandbox(7, null).wrap(plan(List.of("sh"), path), spec("sh", List.of("sh"), List.of(), Map.of()), ID, cwd, runDir);
        assertEquals(ours + ":" + plan9 + ":/usr/bin:/bin", unreadable.plan().env().get("PATH"), "a 9p the sandbox cannot run is passed over");
        config("filesystem: {rox: [/usr, /bin, \"" + home.resolve("plan9") + "\"]}\n");
        Sandbox.Wrapped runnable = sandbox(7, null).wrap(plan(List.of("sh"), path), spec("sh", List.of("sh"), List.of(), Map.of()), ID, cwd, runDir);
        assertEquals(plan9 + ":/usr/bin:/bin:" + ours, runnable.plan().env().get("PATH"), "plan9port's 9p is the one agents run");
    }

    @Test
    void addExecAllowsTheScriptAnInterpreterRuns() throws IOException {
        Path script = Files.createDirectories(tmp.toRealPath().resolve("testagent")).resolve("anvillm-testagent");
        Files.writeString(script, "// a node program\n");
        BackendSpec agent = spec("testagent", List.of("node", script.toString()), List.of(), Map.of());
        sandbox(7, null).wrap(plan(List.of("node", script.toString()), Map.of()), agent, ID, cwd, runDir);
        assertTrue(policyText().contains("\nrox " + script + "\n"), policyText());
    }

    // ---- landrun ------------------------------------------------------------------------------

    private Path fakeLandrun() throws IOException {
        Path l = tmp.resolve("landrun");
        Files.writeString(l, "#!/bin/sh\n");
        l.toFile().setExecutable(true);
        return l;
    }

    @Test
    void landrunIsToldTheSamePolicyInItsFlags() throws IOException {
        config("""
                general: {log_level: debug}
                filesystem: {ro: ["{CWD}/docs"], rox: [/usr], rw: [/dev/null], rwx: ["{CWD}"]}
                network: {connect_tcp: [443, 22], bind_tcp: [8080]}
                env: [PATH, OPENAI_API_KEY]
                """);
        Files.createDirectories(cwd.resolve("docs"));
        Path landrun = fakeLandrun();
        Sandbox.Wrapped w = wrap(sandbox(7, landrun), List.of("sh", "-i"));
        List<String> a = afterPath(w);
        assertEquals(List.of(landrun.toString(), "--log-level", "debug", "--best-effort", "--add-exec",
                "--ro", cwd.resolve("docs").toString(), "--rox", "/usr", "--rw", "/dev/null", "--rwx", cwd.toString(),
                "--rw", runDir.toString(), "--rwx", namespace.resolve("tmp").resolve(ID).toString(),
                "--connect-tcp", "443", "--connect-tcp", "22", "--bind-tcp", "8080",
                "--env", "PATH", "--env", "OPENAI_API_KEY", "--env", "NAMESPACE", "--env", "ANVILLM_SESSION",
                "--env", "ANVILLM_HOOK_FILE", "--env", "IS_SANDBOX", "--env", "TMPDIR", "--env", "PS1", "--", "sh", "-i"), withoutAddExecRules(a));
        assertTrue(w.summary().startsWith("landlock ABI 7 via landrun (" + landrun + ")"), w.summary());
        assertFalse(Files.exists(stateDir.resolve("sandbox/" + ID + ".policy")), "no policy file for landrun");
    }

    /**
     * The argv after env(1) sets the session's PATH (tmux would give the pane its own): the
     * directory of the 9p client first, and the variable itself the same.
     */
    private List<String> afterPath(Sandbox.Wrapped w) {
        List<String> argv = w.plan().argv();
        String path = stateDir.resolve("sandbox/9p/bin") + ":/usr/bin:/bin";
        assertEquals(List.of("/usr/bin/env", "PATH=" + path), argv.subList(0, 2));
        assertEquals(path, w.plan().env().get("PATH"));
        return argv.subList(2, argv.size());
    }

    /** add_exec may add a rox rule for the shell's real path; that is checked elsewhere. */
    private static List<String> withoutAddExecRules(List<String> a) {
        List<String> out = new ArrayList<>(a);
        for (int i = 0; i < out.size() - 1; i++) {
            if (out.get(i).equals("--rox") && !out.get(i + 1).equals("/usr")) {
                out.remove(i);
                out.remove(i);
                i--;
            }
        }
        return out;
    }

    @Test
    void landrunGetsBestEffortOnlyBelowItsTargetAbiAndTheUnrestrictedFlags() throws IOException {
        config("network: {unrestricted: true}\nadvanced: {unrestricted_scoped: true, add_exec: false, ldd: true}\n");
        Path landrun = fakeLandrun();
        List<String> a = wrap(sandbox(9, landrun), List.of("sh")).plan().argv();
        assertFalse(a.contains("--best-effort"), a.toString());
        assertTrue(a.containsAll(List.of("--unrestricted-network", "--unrestricted-scoped", "--ldd")), a.toString());
        assertFalse(a.contains("--connect-tcp") || a.contains("--add-exec"), a.toString());
        config("general: {best_effort: true}\n");
        assertTrue(wrap(sandbox(9, landrun), List.of("sh")).plan().argv().contains("--best-effort"));
    }

    @Test
    void aPathLandrunCannotTakeFallsBackToTheBuiltInLauncher() throws IOException {
        Path odd = Files.createDirectories(cwd.resolve("a,b"));
        config("filesystem: {rwx: [\"" + odd + "\"]}\n");
        Sandbox.Wrapped w = wrap(sandbox(7, fakeLandrun()), List.of("sh"));
        assertTrue(w.plan().argv().contains(LandlockExec.class.getName()), w.plan().argv().toString());
        assertTrue(w.details().stream().anyMatch(d -> d.contains("splits paths on commas")), w.details().toString());
        config("filesystem: {rwx: [\"" + odd + "\"]}\nadvanced: {launcher: landrun}\n");
        assertThrows(IOException.class, () -> wrap(sandbox(7, fakeLandrun()), List.of("sh")));
    }

    @Test
    void builtinCanBeChosenOverAnInstalledLandrun() throws IOException {
        config("advanced: {launcher: builtin}\n");
        assertTrue(wrap(sandbox(7, fakeLandrun()), List.of("sh")).plan().argv().contains(LandlockExec.class.getName()));
        config("advanced: {launcher: landrun}\n");
        IOException e = assertThrows(IOException.class, () -> wrap(sandbox(7, null), List.of("sh")));
        assertTrue(e.getMessage().contains("landrun is not on the PATH"), e.getMessage());
    }

    // ---- the whole path on the real kernel ----------------------------------------------------

    private Child runWrapped(Sandbox.Wrapped w) throws Exception {
        Map<String, String> env = new HashMap<>(w.plan().env());
        env.put("SERVER_ENV_SECRET", "from-tmux");
        return Child.run(tmp, env, w.plan().argv());
    }

    @Test
    void aWrappedSessionCanWriteItsDirectoryButNotTheConfigOrStateEvenWhenTheFileAsksForHome() throws Exception {
        int abi = LandlockExec.abi();
        assumeTrue(abi >= 4, "needs Landlock ABI 4 on this kernel (found " + abi + ")");
        config("filesystem:\n  rwx: [\"{HOME}\", \"{CWD}\"]\n");
        Sandbox s = sandbox(abi, null);
        String script = String.join("; ",
                "echo ok > src/project/file && echo wrote-cwd",
                "echo x >> \"$HOME/.config/anvillm/sandbox.yaml\" || echo config-denied",
                "echo x > \"$HOME/.local/state/anvillm/ns-key/sessions.json\" || echo state-denied",
                "echo x > \"$HOME/.local/state/anvillm/ns-key/sandbox/" + ID + ".policy\" || echo policy-denied",
                "echo h >> \"$ANVILLM_HOOK_FILE\" && echo wrote-hook",
                "env | grep -c SECRET || echo no-secrets",
                "grep NoNewPrivs /proc/self/status");
        BackendSpec sh = spec("sh", List.of("sh"), List.of(), Map.of());
        Sandbox.Wrapped w = s.wrap(plan(List.of("sh", "-c", "cd \"$HOME\" && " + script), Map.of()), sh, ID, home, runDir);
        Child c = runWrapped(w);
        assertEquals("wrote-cwd\nconfig-denied\nstate-denied\npolicy-denied\nwrote-hook\n0\nno-secrets\nNoNewPrivs:\t1\n", c.out(), c.toString());
        assertEquals("filesystem:\n  rwx: [\"{HOME}\", \"{CWD}\"]\n", Files.readString(configDir.resolve("sandbox.yaml")));
        assertTrue(w.summary().startsWith("landlock ABI " + abi + " via built-in launcher; write: "), w.summary());
        assertEquals("h\n", Files.readString(runDir.resolve("hooks.jsonl")));
    }
}
