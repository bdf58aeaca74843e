package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.backend.BackendSpec;
import dev.anvillm.srv.backend.Launcher;
import dev.anvillm.srv.host.Tmux;
import dev.anvillm.srv.sandbox.SessionPolicy.Access;
import dev.anvillm.srv.sandbox.SessionPolicy.Rule;
import dev.anvillm.srv.store.AtomicFiles;
import dev.anvillm.srv.store.SessionStore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts every session under Landlock (SPEC §8). At each launch it reads sandbox.yaml again (so a
 * change applies to the sessions started or restarted after it), resolves it for the session,
 * and turns the backend's argv into one that runs it sandboxed: through landrun when it is on the
 * PATH, else through the built-in launcher ({@link LandlockExec}), whose policy file it writes
 * under the state directory, where no session can change it.
 */
public final class Sandbox {
    /** Variables the daemon sets for every session; always kept. */
    static final List<String> SESSION_ENV = List.of("NAMESPACE", "ANVILLM_SESSION", "ANVILLM_HOOK_FILE", "IS_SANDBOX", "TMPDIR", "PATH");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /** Variables naming an API endpoint: its port is allowed when TCP is restricted. */
    static final List<String> ENDPOINT_ENV = List.of("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "GOOGLE_GEMINI_BASE_URL");
    /**
     * Never given to the launcher's JVM, so no option can load code into it before it sandboxes
     * (and none reaches a session: they would be the launcher's). Absent rather than empty: a JVM
     * announces even an empty one in the pane ("Picked up JAVA_TOOL_OPTIONS:").
     */
    static final List<String> JVM_ENV = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private static final String ENV_COMMAND = Files.isExecutable(Path.of("/usr/bin/env")) ? "/usr/bin/env" : "/bin/env";

    private final Map<String, String> daemonEnv;
    private final Path configFile;
    private final Path configDir;
    private final Path stateDir;
    private final Path namespaceDir;
    private final int abi;
    private final Path landrun;
    private final BuiltInLauncher builtIn;
    private final NinepTool ninep;

    /**
     * @param daemonEnv    the daemon's environment (HOME, TMPDIR, XDG_*, PATH)
     * @param configDir    {@code ~/.config/anvillm}: holds sandbox.yaml; never writable from a session
     * @param stateDir     this namespace's state directory; it and {@code $XDG_STATE_HOME/anvillm}
     *                     are never writable from a session, but for the session's run dir
     * @param namespaceDir the namespace directory (socket, pid file): {@code info} warns when a session can write it
     */
    public Sandbox(Map<String, String> daemonEnv, Path configDir, Path stateDir, Path namespaceDir) {
        this(daemonEnv, configDir, stateDir, namespaceDir, LandlockExec.abi(), which(daemonEnv, "landrun"), true);
    }

    Sandbox(Map<String, String> daemonEnv, Path configDir, Path stateDir, Path namespaceDir, int abi, Path landrun, boolean aot) {
        this.daemonEnv = Map.copyOf(daemonEnv);
        this.configDir = configDir.toAbsolutePath().normalize();
        this.configFile = this.configDir.resolve("sandbox.yaml");
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.namespaceDir = namespaceDir.toAbsolutePath().normalize();
        this.abi = abi;
        this.landrun = landrun;
        this.builtIn = new BuiltInLauncher(this.stateDir.resolve("sandbox").resolve("launcher"), aot);
        this.ninep = new NinepTool(this.stateDir.resolve("sandbox").resolve("9p"));
    }

    /**
     * Installs the built-in launcher and builds its AOT cache (a training run of a second or
     * two), waiting at most {@code max}. Optional: call it once at daemon start, off the main
     * path, so the first sessions start as fast as the later ones.
     */
    public void prepare(Duration max) throws IOException, InterruptedException {
        builtIn.prepare(max.toMillis());
    }

    /**
     * Installs the {@code 9p} that sessions find on their PATH and builds its AOT cache by a
     * training run against the daemon's socket, waiting at most {@code max}. Call it once the
     * daemon answers, off the main path; until it is done sessions run 9p without the cache.
     */
    public void prepareNinep(Duration max) throws IOException, InterruptedException {
        ninep.train(namespaceDir, max.toMillis());
    }

    /**
     * Spare launchers for this sandbox's sessions, started in {@code tmux}; how many is
     * sandbox.yaml's {@code advanced.spare_launchers}, read whenever one is to be started.
     */
    public Spares spares(Tmux tmux, ScheduledExecutorService timers) {
        return new Spares(tmux, builtIn, stateDir.resolve("sandbox").resolve("spare"), timers, () -> {
            try {
                SandboxPolicy config = SandboxPolicy.load(configFile);
                return config.advanced().launcher().equals("landrun") || config.advanced().launcher().equals("auto") && landrun != null && abi > 0
                        ? 0 : config.advanced().spareLaunchers();
            } catch (IOException e) {
                return 0; // the launch itself reports the broken file
            }
        });
    }

    /** The kernel's Landlock ABI version as the daemon found it (0: none). */
    public int abi() {
        return abi;
    }

    public Path configFile() {
        return configFile;
    }

    /** Where the built-in launcher's policy for session {@code id} is written. */
    public Path policyFile(String id) {
        return stateDir.resolve("sandbox").resolve(id + ".policy");
    }

    /**
     * The session's own temporary directory, its {@code TMPDIR} and sandbox.yaml's {@code {TMPDIR}}:
     * 0700, writable by that session alone, removed with it. In the namespace directory, which is
     * the daemon's own (0700) and usually on tmpfs; so sessions no longer share /tmp, and a
     * session whose HOME is under /tmp no longer finds /tmp read-only.
     */
    public Path tmpDir(String id) {
        return namespaceDir.resolve("tmp").resolve(id);
    }

    private Path makeTmpDir(String id) throws IOException {
        Path dir = tmpDir(id);
        for (Path d : List.of(dir.getParent(), dir)) {
            // made here and nowhere else: anything else in its place (a symlink, say) is refused
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(d, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            Files.setPosixFilePermissions(d, OWNER_ONLY);
        }
        return dir;
    }

    /** Removes what a killed session left here: its policy file and its temporary directory. */
    public void forget(String id) throws IOException {
        Files.deleteIfExists(policyFile(id));
        SessionStore.deleteTree(tmpDir(id));
    }

    /**
     * What tmux runs for a sandboxed session, and what {@code info} says about it.
     *
     * @param summary one line: how the session is sandboxed
     * @param details one fact a line: the rules, what was changed from sandbox.yaml and why, the env kept
     * @param backendEnv the names of the variables the backend needs (its spec's pass_env) that were set, so passed
     */
    public record Wrapped(Launcher.Plan plan, String summary, List<String> details, BuiltIn builtIn, List<String> backendEnv) {
        public Wrapped {
            details = List.copyOf(details);
            backendEnv = List.copyOf(backendEnv);
        }
    }

    /** A launch by the built-in launcher: its policy file and the backend's own argv (what a spare launcher is sent). */
    public record BuiltIn(Path policy, List<String> argv) {
        public BuiltIn {
            argv = List.copyOf(argv);
        }
    }

    /**
     * Wraps {@code plan} (from {@link Launcher#plan}) so the backend runs sandboxed. Throws with
     * one line for the user when sandbox.yaml is broken or the kernel cannot enforce a strict
     * policy.
     */
    public Wrapped wrap(Launcher.Plan plan, BackendSpec spec, String id, Path cwd, Path runDir) throws IOException {
        SandboxPolicy config = SandboxPolicy.load(configFile);
        String mode = config.advanced().launcher();
        // without Landlock the built-in launcher still sets no_new_privs, which tells the daemon a peer is an agent
        boolean viaLandrun = landrun != null && (mode.equals("landrun") || mode.equals("auto") && abi > 0);
        if (mode.equals("landrun") && landrun == null) {
            throw new IOException("anvillm sandbox: advanced.launcher is landrun in " + display(configFile) + " but landrun is not on the PATH");
        }
        List<Path> launcherPaths = viaLandrun ? List.of(landrun) : builtIn.paths();
        Path tmpDir = makeTmpDir(id);
        Map<String, String> withTmp = new LinkedHashMap<>(plan.env());
        withTmp.put("TMPDIR", tmpDir.toString());
        plan = new Launcher.Plan(plan.argv(), withTmp);
        SessionPolicy policy = resolve(config, plan, spec, cwd, runDir, tmpDir, launcherPaths);
        // 9p on the PATH: plan9port's when the session can run it, else ours
        Map<String, String> withPath = new LinkedHashMap<>(withTmp);
        withPath.put("PATH", ninep.sessionPath(withTmp.get("PATH"), policy.rules()));
        plan = new Launcher.Plan(plan.argv(), withPath);
        String unmet = LandlockExec.unmet(abi, policy.networkRestricted(), policy.config());
        if (unmet != null && !policy.bestEffort()) throw new IOException("anvillm sandbox: " + unmet);
        String why = viaLandrun ? Landrun.inexpressible(policy) : null;
        List<String> notes = new ArrayList<>(policy.notes());
        if (why != null) {
            if (mode.equals("landrun")) throw new IOException("anvillm sandbox: " + why + "; set advanced.launcher: builtin in " + display(configFile));
            notes.add(why + ": the built-in launcher runs this session");
            viaLandrun = false;
        }

        Map<String, String> env = new LinkedHashMap<>();
        plan.env().forEach((k, v) -> {
            if (keeps(policy.env(), k)) env.put(k, v);
        });
        List<String> argv;
        String how;
        BuiltIn builtInLaunch = null;
        Path policyPath = policyFile(id);
        if (viaLandrun) {
            Set<String> names = new LinkedHashSet<>();
            for (String n : policy.env()) {
                if (!n.endsWith("*")) {
                    names.add(n);
                    continue;
                }
                for (String k : plan.env().keySet()) if (keeps(List.of(n), k)) names.add(k);
                for (String k : daemonEnv.keySet()) if (keeps(List.of(n), k)) names.add(k);
            }
            argv = Landrun.argv(landrun, policy, config.advanced(), abi, List.copyOf(names), plan.argv());
            how = "via landrun (" + landrun + ")";
            Files.deleteIfExists(policyPath);
        } else {
            Files.createDirectories(policyPath.getParent());
            writePrivate(policyPath, policy.encode());
            argv = builtIn.argv(policyPath, plan.argv());
            builtInLaunch = new BuiltIn(policyPath, plan.argv());
            for (String k : JVM_ENV) env.remove(k);
            how = "via built-in launcher";
        }
        if (env.containsKey("PATH")) {
            // tmux gives a new pane its client's PATH whatever -e says, so the session's goes through env(1)
            List<String> viaEnv = new ArrayList<>(List.of(ENV_COMMAND, "PATH=" + env.get("PATH")));
            viaEnv.addAll(argv);
            argv = viaEnv;
        }
        return new Wrapped(new Launcher.Plan(argv, env), summary(policy, how, viaLandrun),
                details(policy, notes, viaLandrun ? null : policyPath), builtInLaunch,
                spec.passEnv().stream().filter(env::containsKey).toList());
    }

    /** sandbox.yaml resolved for one session: the rules the launcher enforces. */
    SessionPolicy resolve(SandboxPolicy config, Launcher.Plan plan, BackendSpec spec, Path cwd, Path runDir, Path tmpDir,
                          List<Path> launcherPaths) throws IOException {
        Map<String, String> vars = templateValues(cwd, runDir, tmpDir);
        List<String> notes = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        SandboxPolicy.Filesystem fs = config.filesystem();
        addRules(rules, Access.RO, fs.ro(), vars);
        addRules(rules, Access.ROX, fs.rox(), vars);
        addRules(rules, Access.RW, fs.rw(), vars);
        addRules(rules, Access.RWX, fs.rwx(), vars);

        Files.createDirectories(runDir);
        rules.add(new Rule(Access.RW, runDir.toRealPath(), "run dir"));
        Path tmp = tmpDir.toRealPath();
        if (rules.stream().noneMatch(r -> r.access() == Access.RWX && r.path().equals(tmp))) {
            rules.add(new Rule(Access.RWX, tmp, "the session's TMPDIR"));
        }
        for (String t : spec.sandboxRw()) {
            String p = SandboxPolicy.expand(t, vars);
            if (p == null || !p.startsWith("/")) continue;
            Path path = Path.of(p);
            if (!Files.exists(path) && looksLikeDirectory(path) && Files.isDirectory(path.getParent())) {
                Files.createDirectories(path);
                notes.add("created " + path + " (backend " + spec.name() + " writes there)");
            }
            if (Files.exists(path)) rules.add(new Rule(Access.RW, path.toRealPath(), "backend " + spec.name()));
        }

        List<String> envNames = new ArrayList<>(config.env());
        for (String k : SESSION_ENV) if (!envNames.contains(k)) envNames.add(k);
        for (String k : spec.env().keySet()) if (!envNames.contains(k)) envNames.add(k);
        for (String k : spec.passEnv()) if (!envNames.contains(k)) envNames.add(k);

        Map<String, String> sessionEnv = new HashMap<>();
        plan.env().forEach((k, v) -> {
            if (keeps(envNames, k)) sessionEnv.put(k, v);
        });
        if (config.advanced().addExec() || config.advanced().ldd()) {
            execRules(plan.argv().getFirst(), sessionEnv, config.advanced(), rules, notes);
        }
        ninep.install();
        ninep.addRules(rules);
        if (config.advanced().addExec()) {
            // the script an interpreter runs: node /path/to/agent
            for (String a : spec.command().subList(1, spec.command().size())) {
                Path script = Path.of(a);
                if (script.isAbsolute() && Files.isRegularFile(script)) rules.add(new Rule(Access.ROX, script.toRealPath(), "add_exec"));
            }
        }

        List<Path> protect = new ArrayList<>(List.of(configDir, stateRoot(), stateDir));
        protect.addAll(launcherPaths);
        protect.addAll(ninep.paths());
        ProtectedPaths guard = new ProtectedPaths(protect, List.of(runDir, tmpDir));
        rules = guard.apply(rules, notes);
        if (ProtectedPaths.writable(namespaceDir, rules)) {
            notes.add("warning: the namespace directory " + namespaceDir + " is writable from this session, so an agent could "
                    + "replace the daemon's socket; set NAMESPACE to a directory outside the session's writable paths");
        }

        SandboxPolicy.Network net = config.network();
        boolean restricted = !net.unrestricted();
        List<Integer> connect = new ArrayList<>();
        List<Integer> bind = new ArrayList<>();
        if (restricted && net.enabled()) {
            connect.addAll(net.connectTcp());
            bind.addAll(net.bindTcp());
            for (String k : ENDPOINT_ENV) {
                int port = port(sessionEnv.get(k));
                if (port > 0 && !connect.contains(port)) {
                    connect.add(port);
                    notes.add("connect tcp " + port + " allowed for " + k);
                }
            }
        }
        return new SessionPolicy(config.general().bestEffort(), config.general().logLevel(), display(configFile), rules, restricted,
                connect, bind, !config.advanced().unrestrictedScoped(), config.advanced().dropCapabilities(), envNames,
                guard.protect(), guard.allow(), notes);
    }

    private Path stateRoot() {
        Path parent = stateDir.getParent();
        return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("anvillm") ? parent : stateDir;
    }

    Map<String, String> templateValues(Path cwd, Path runDir, Path tmpDir) {
        String home = daemonEnv.getOrDefault("HOME", System.getProperty("user.home"));
        Map<String, String> v = new HashMap<>();
        v.put("CWD", cwd.toString());
        v.put("HOME", home);
        v.put("TMPDIR", tmpDir.toString());
        v.put("RUN", runDir.toString());
        v.put("XDG_CONFIG_HOME", xdg("XDG_CONFIG_HOME", home + "/.config"));
        v.put("XDG_CACHE_HOME", xdg("XDG_CACHE_HOME", home + "/.cache"));
        v.put("XDG_DATA_HOME", xdg("XDG_DATA_HOME", home + "/.local/share"));
        v.put("XDG_STATE_HOME", xdg("XDG_STATE_HOME", home + "/.local/state"));
        String runtime = daemonEnv.get("XDG_RUNTIME_DIR");
        if (runtime != null && runtime.startsWith("/")) v.put("XDG_RUNTIME_DIR", runtime);
        return v;
    }

    private String xdg(String name, String fallback) {
        String v = daemonEnv.get(name);
        return v != null && v.startsWith("/") ? v : fallback;
    }

    /** Expanded, existing paths as rules on their real paths; a path that is missing here is skipped. */
    private static void addRules(List<Rule> rules, Access access, List<String> templates, Map<String, String> vars) throws IOException {
        for (String t : templates) {
            String p = SandboxPolicy.expand(t, vars);
            if (p == null) continue;
            if (!p.startsWith("/")) throw new IOException("anvillm sandbox: " + t + " does not expand to an absolute path (" + p + ")");
            Path path = Path.of(p);
            if (!Files.exists(path)) continue;
            rules.add(new Rule(access, path.toRealPath(), t));
        }
    }

    /** {@code .claude} is a directory, {@code .claude.json} a file: only directories are made in advance. */
    private static boolean looksLikeDirectory(Path p) {
        String name = p.getFileName().toString();
        return name.lastIndexOf('.') <= 0;
    }

    /**
     * advanced.add_exec: the backend's executable and, for a script, its interpreter; advanced.ldd:
     * the shared libraries ldd lists for the binary that runs.
     */
    private static void execRules(String command, Map<String, String> env, SandboxPolicy.Advanced adv, List<Rule> rules,
                                  List<String> notes) {
        Path exe = onPath(command, env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        if (exe == null) return;
        Path binary = exe;
        List<Path> add = new ArrayList<>(List.of(exe));
        String[] interp = shebang(exe);
        if (interp != null) {
            Path i = Path.of(interp[0]);
            if (i.getFileName().toString().equals("env") && interp.length > 1) {
                Path named = onPath(interp[1], env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
                if (named != null) add.add(named);
                binary = named;
            } else {
                binary = i;
            }
            add.add(i);
        }
        if (adv.addExec()) {
            for (Path p : add) {
                try {
                    Path real = p.toRealPath();
                    if (rules.stream().noneMatch(r -> r.access().executes() && real.startsWith(r.path()))) {
                        rules.add(new Rule(Access.ROX, real, "add_exec"));
                    }
                } catch (IOException e) {
                    // gone since; exec will say so
                }
            }
        }
        if (adv.ldd() && binary != null) {
            for (Path lib : ldd(binary)) {
                if (rules.stream().noneMatch(r -> r.access().executes() && lib.startsWith(r.path()))) {
                    rules.add(new Rule(Access.ROX, lib, "ldd"));
                }
            }
        }
        if (adv.ldd() && binary == null) notes.add("ldd: cannot find the interpreter of " + exe);
    }

    private static Path onPath(String command, String path) {
        if (command.contains("/")) return Files.isExecutable(Path.of(command)) ? Path.of(command) : null;
        for (String dir : path.split(":")) {
            Path c = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isExecutable(c) && !Files.isDirectory(c)) return c.toAbsolutePath();
        }
        return null;
    }

    private static String[] shebang(Path exe) {
        try (InputStream in = Files.newInputStream(exe)) {
            byte[] head = in.readNBytes(256);
            if (head.length < 3 || head[0] != '#' || head[1] != '!') return null;
            String line = new String(head, 2, head.length - 2, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            String[] words = line.split("\\s+");
            return words.length == 0 || !words[0].startsWith("/") ? null : words;
        } catch (IOException e) {
            return null;
        }
    }

    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

    private static List<Path> ldd(Path binary) {
        List<Path> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            Matcher m = LDD_PATH.matcher(text);
            while (m.find()) {
                Path lib = Path.of(m.group(1));
                if (Files.exists(lib)) out.add(lib.toRealPath());
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** The TCP port a base URL connects to, or 0. */
    static int port(String url) {
        if (url == null || url.isBlank()) return 0;
        try {
            URI u = URI.create(url.trim());
            if (u.getHost() == null) return 0;
            if (u.getPort() > 0) return u.getPort();
            return "https".equalsIgnoreCase(u.getScheme()) ? 443 : "http".equalsIgnoreCase(u.getScheme()) ? 80 : 0;
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /** Whether a name is kept by the list (exact names, or prefixes ending in *), as the launcher decides. */
    static boolean keeps(List<String> names, String name) {
        for (String n : names) {
            if (n.endsWith("*") ? name.startsWith(n.substring(0, n.length() - 1)) : name.equals(n)) return true;
        }
        return false;
    }

    private String summary(SessionPolicy p, String how, boolean viaLandrun) {
        if (abi <= 0) {
            return "NONE (best_effort: Landlock unavailable)" + (viaLandrun ? " " + how
                    : "; no_new_privs set, environment limited to " + p.env().size() + " names");
        }
        List<String> parts = new ArrayList<>();
        parts.add("landlock ABI " + abi + " " + how);
        // the terminal's devices are in every policy; the details list them
        List<Path> w = p.writable().stream().filter(x -> !x.startsWith("/dev")).toList();
        parts.add("write: " + String.join(" ", w.stream().limit(MAX_SUMMARY_PATHS).map(Path::toString).toList())
                + (w.size() > MAX_SUMMARY_PATHS ? " and " + (w.size() - MAX_SUMMARY_PATHS) + " more" : ""));
        String mptcp = !p.networkRestricted() ? "" : viaLandrun ? ", mptcp NOT blocked" : ", mptcp refused";
        parts.add("net: " + (abi < 4 ? "NOT RESTRICTED (needs ABI 4)" : p.describeNetwork() + mptcp));
        parts.add("scoped: " + (!p.scoped() ? "none (unrestricted_scoped)" : abi >= 6 ? "abstract-unix signal" : "none (needs ABI 6)"));
        List<String> missing = new ArrayList<>();
        if (abi < 2) missing.add("refer (cross-directory links and renames are denied instead)");
        if (abi < 3) missing.add("truncate");
        if (abi < 5) missing.add("device ioctl");
        if (!missing.isEmpty()) parts.add("not enforced: " + String.join(", ", missing));
        if (!viaLandrun) parts.add(p.dropCapabilities() ? "capabilities dropped" : "capabilities kept");
        return String.join("; ", parts);
    }

    private static final int MAX_RULE_LINES = 40;
    private static final int MAX_SUMMARY_PATHS = 8;

    private static List<String> details(SessionPolicy p, List<String> notes, Path policyFile) {
        List<String> d = new ArrayList<>();
        if (policyFile != null) d.add("policy " + policyFile);
        int n = 0;
        for (Rule r : p.rules()) {
            if (n++ == MAX_RULE_LINES) {
                d.add("... " + (p.rules().size() - MAX_RULE_LINES) + " more rules" + (policyFile == null ? "" : " in " + policyFile));
                break;
            }
            d.add(r.access().word() + " " + r.path() + " (" + r.why() + ")");
        }
        for (String s : notes) d.add("note " + s);
        d.add("env " + String.join(" ", p.env()));
        return d;
    }

    private static void writePrivate(Path file, byte[] content) throws IOException {
        AtomicFiles.write(file, content, PosixFilePermissions.fromString("rw-------"));
    }

    /** {@code path} with the home directory written {@code ~}, as messages show it. */
    String display(Path path) {
        String home = daemonEnv.get("HOME");
        if (home != null && home.length() > 1 && path.startsWith(home)) return "~/" + Path.of(home).relativize(path);
        return path.toString();
    }

    static Path which(Map<String, String> env, String name) {
        return onPath(name, env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    }
}
