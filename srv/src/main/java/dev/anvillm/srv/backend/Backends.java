package dev.anvillm.srv.backend;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The backends this daemon knows: the built-ins, then backends.yaml (which may add new ones or
 * override fields of a built-in; {@code extends: <name>} starts from another spec).
 */
public final class Backends {
    private final Map<String, BackendSpec> specs;
    private final Map<String, String> path;

    private Backends(Map<String, BackendSpec> specs, Map<String, String> env) {
        this.specs = specs;
        this.path = env;
    }

    /** Built-ins, with the test agent found under {@code home} (the project's directory). */
    public static Map<String, BackendSpec> builtIns(Path home) {
        Map<String, BackendSpec> m = new LinkedHashMap<>();
        Duration agentStartup = Duration.ofSeconds(60);
        // Claude Code's answer to every prompt when it has no credentials, and its API errors
        Pattern claudeAuth = Pattern.compile("(?:Not logged in|Invalid API key) · Please run /login|API Error: 40[13]\\b");
        m.put("claude", new BackendSpec("claude", "Claude Code",
                List.of("claude", "--dangerously-skip-permissions"),
                List.of("--session-id", "{CONVERSATION}"),
                List.of("--resume", "{CONVERSATION}"),
                Map.of(), true, true,
                // the live input line is "❯" and a no-break space; earlier prompts in the scrollback have a plain space
                Pattern.compile("^❯\u00a0", Pattern.MULTILINE),
                Pattern.compile("esc to interrupt"),
                Pattern.compile("Esc to cancel|Do you want to proceed\\?|Do you trust the files in this folder\\?|Do you want to use this API key\\?"),
                agentStartup, List.of("{HOME}/.claude", "{HOME}/.claude.json"), "Escape",
                List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"), claudeAuth));
        m.put("codex", new BackendSpec("codex", "OpenAI Codex CLI",
                List.of("codex"), List.of(), List.of(), Map.of(), false, false,
                Pattern.compile("^\\s*[›>▌]\\s", Pattern.MULTILINE),
                Pattern.compile("(?i)esc to interrupt|working"),
                Pattern.compile("(?i)allow command|approve|\\[y/n\\]"),
                agentStartup, List.of("{HOME}/.codex"), "Escape", List.of("OPENAI_API_KEY", "OPENAI_BASE_URL"), null));
        m.put("gemini", new BackendSpec("gemini", "Gemini CLI",
                List.of("gemini"), List.of(), List.of(), Map.of(), false, false,
                Pattern.compile("(?i)type your message|^\\s*>\\s", Pattern.MULTILINE),
                Pattern.compile("(?i)esc to cancel"),
                Pattern.compile("(?i)allow execution|apply this change|waiting for user confirmation"),
                agentStartup, List.of("{HOME}/.gemini"), "Escape",
                List.of("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_CLOUD_PROJECT", "GOOGLE_GENAI_USE_VERTEXAI"), null));
        m.put("kiro-cli", new BackendSpec("kiro-cli", "Kiro CLI",
                List.of("kiro-cli", "chat"), List.of(), List.of(), Map.of(), false, false,
                Pattern.compile("^\\s*>\\s*$", Pattern.MULTILINE),
                Pattern.compile("(?i)thinking|esc to (cancel|interrupt)"),
                Pattern.compile("(?i)allow this action|\\[y/n/t\\]"),
                agentStartup, List.of("{HOME}/.kiro", "{HOME}/.aws"), "Escape", List.of("AWS_PROFILE", "AWS_REGION"), null));
        m.put("sh", new BackendSpec("sh", "an interactive shell (no agent)",
                List.of("sh", "-i"), List.of(), List.of(), Map.of("PS1", "$ "), false, false,
                Pattern.compile("[$#] ?$"),
                null, null, Duration.ofSeconds(10), List.of(), "C-c", List.of(), null));
        m.put("testagent", new BackendSpec("testagent", "the project's deterministic test agent",
                List.of("node", home.resolve("testagent/anvillm-testagent").toString()),
                List.of("--session-id", "{CONVERSATION}", "--transcript-dir", "{RUN}/transcripts"),
                List.of("--resume", "{CONVERSATION}", "--transcript-dir", "{RUN}/transcripts"),
                Map.of(), true, false,
                Pattern.compile("^> ", Pattern.MULTILINE),
                Pattern.compile("working\\.\\.\\."),
                Pattern.compile("^\\? .*\\(yes/no\\)", Pattern.MULTILINE),
                // it stands in for Claude Code: `/reply Not logged in · Please run /login` shows what an unauthenticated one does
                Duration.ofSeconds(20), List.of(), "Escape", List.of(), claudeAuth));
        return m;
    }

    /**
     * Loads backends.yaml over the built-ins. A broken file is an error with its reason: a
     * daemon must not start with a half-read configuration.
     */
    public static Backends load(Path home, Path yamlFile, Map<String, String> env) throws IOException {
        Map<String, BackendSpec> specs = builtIns(home);
        if (yamlFile != null && Files.isRegularFile(yamlFile)) {
            Object doc;
            try {
                doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(yamlFile));
            } catch (RuntimeException e) {
                throw new IOException(yamlFile + ": not valid YAML: " + firstLine(e.getMessage()));
            }
            if (doc != null) {
                if (!(doc instanceof Map<?, ?> top) || !(top.get("backends") instanceof Map<?, ?> list)) {
                    throw new IOException(yamlFile + ": expected a top-level 'backends:' map");
                }
                for (Map.Entry<?, ?> e : list.entrySet()) {
                    String name = String.valueOf(e.getKey());
                    if (!(e.getValue() instanceof Map<?, ?> fields)) {
                        throw new IOException(yamlFile + ": backend " + name + " must be a map of fields");
                    }
                    specs.put(name, parse(yamlFile, name, fields, specs));
                }
            }
        }
        return new Backends(specs, env);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static BackendSpec parse(Path file, String name, Map<?, ?> f, Map<String, BackendSpec> known) throws IOException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")) {
            throw new IOException(file + ": backend name '" + name + "' must be letters, digits, '_', '-' or '.'");
        }
        String base = str(f.get("extends"));
        BackendSpec b = base != null ? known.get(base) : known.get(name);
        if (base != null && b == null) throw new IOException(file + ": backend " + name + " extends unknown backend " + base);
        if (b == null && f.get("command") == null) throw new IOException(file + ": backend " + name + " needs a command");
        try {
            List<String> command = list(f.get("command"), b == null ? null : b.command());
            List<String> extra = list(f.get("args"), List.of());
            List<String> fullCommand = new ArrayList<>(command);
            fullCommand.addAll(extra);
            Map<String, String> env = new LinkedHashMap<>(b == null ? Map.of() : b.env());
            if (f.get("env") instanceof Map<?, ?> em) em.forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
            return new BackendSpec(name,
                    Optional.ofNullable(str(f.get("description"))).orElse(b == null ? name : b.description()),
                    fullCommand,
                    list(f.get("fresh_args"), b == null ? List.of() : b.freshArgs()),
                    list(f.get("resume_args"), b == null ? List.of() : b.resumeArgs()),
                    env,
                    bool(f.get("hooks"), b != null && b.hooks()),
                    bool(f.get("claude_settings"), b != null && b.claudeSettings()),
                    pattern(f.get("ready"), b == null ? null : b.ready()),
                    pattern(f.get("busy"), b == null ? null : b.busy()),
                    pattern(f.get("waiting"), b == null ? null : b.waiting()),
                    f.get("startup_seconds") instanceof Number n ? Duration.ofMillis((long) (n.doubleValue() * 1000))
                            : b == null ? Duration.ofSeconds(60) : b.startup(),
                    list(f.get("sandbox_rw"), b == null ? List.of() : b.sandboxRw()),
                    Optional.ofNullable(str(f.get("interrupt_key"))).orElse(b == null ? "C-c" : b.interruptKey()),
                    list(f.get("pass_env"), b == null ? List.of() : b.passEnv()),
                    pattern(f.get("auth_failed"), b == null ? null : b.authFailed()),
                    seconds(f.get("idle_sleep_seconds"), "idle_sleep_seconds", b == null ? Duration.ZERO : b.idleSleep()));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": backend " + name + ": " + firstLine(e.getMessage()));
        }
    }

    private static Duration seconds(Object o, String key, Duration dflt) {
        if (o == null) return dflt;
        if (!(o instanceof Number n)) throw new IllegalArgumentException(key + " must be a number of seconds, got " + o);
        return Duration.ofMillis((long) (n.doubleValue() * 1000));
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static boolean bool(Object o, boolean dflt) {
        return o instanceof Boolean b ? b : dflt;
    }

    private static Pattern pattern(Object o, Pattern dflt) {
        return o == null ? dflt : Pattern.compile(String.valueOf(o), Pattern.MULTILINE);
    }

    private static List<String> list(Object o, List<String> dflt) {
        if (o == null) return dflt;
        if (o instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        throw new IllegalArgumentException("expected a list like [a, b], got " + o);
    }

    public Optional<BackendSpec> get(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    public List<String> names() {
        return List.copyOf(specs.keySet());
    }

    public List<BackendSpec> all() {
        return List.copyOf(specs.values());
    }

    private record Checked(Optional<String> why, long atNanos) {}

    private static final long RECHECK_NANOS = 5_000_000_000L;
    private final Map<String, Checked> checked = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Why {@code spec} cannot start on this machine, or empty when it can. Looked up again at
     * most every few seconds: `backends` is read often, and installs are rare.
     */
    public Optional<String> unavailable(BackendSpec spec) {
        long now = System.nanoTime();
        Checked c = checked.get(spec.name());
        if (c != null && now - c.atNanos() < RECHECK_NANOS) return c.why();
        Optional<String> why = lookUp(spec);
        checked.put(spec.name(), new Checked(why, now));
        return why;
    }

    private volatile Checked described;
    private volatile String description = "";

    /**
     * The content of `backends`: {@code name TAB ok|unavailable TAB description-or-reason}, one
     * line per backend, rebuilt at most every few seconds.
     */
    public String describe() {
        long now = System.nanoTime();
        Checked d = described;
        if (d != null && now - d.atNanos() < RECHECK_NANOS) return description;
        StringBuilder sb = new StringBuilder();
        for (BackendSpec b : all()) {
            Optional<String> why = unavailable(b);
            sb.append(b.name()).append('\t').append(why.isEmpty() ? "ok" : "unavailable").append('\t')
                    .append(why.orElse(b.description() + (b.idleSleep().isZero() ? ""
                            : "; sleeps when idle " + new java.math.BigDecimal(b.idleSleep().toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString()
                            + " s (idle_sleep_seconds)"))).append('\n');
        }
        description = sb.toString();
        described = new Checked(Optional.empty(), now);
        return description;
    }

    private Optional<String> lookUp(BackendSpec spec) {
        String exe = spec.executable();
        boolean found = exe.contains("/") ? Files.isExecutable(Path.of(exe)) : which(exe).isPresent();
        if (!found) return Optional.of(exe + (exe.contains("/") ? " not found" : " not found on PATH"));
        // an interpreter's script (node /path/agent) must exist too
        if (spec.command().size() > 1 && spec.command().get(1).startsWith("/") && !Files.exists(Path.of(spec.command().get(1)))) {
            return Optional.of(spec.command().get(1) + " not found");
        }
        return Optional.empty();
    }

    /** The absolute path of {@code exe} on the daemon's PATH. */
    public Optional<Path> which(String exe) {
        String p = path.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : p.split(":")) {
            if (dir.isEmpty()) continue;
            Path c = Path.of(dir, exe);
            if (Files.isExecutable(c) && !Files.isDirectory(c)) return Optional.of(c);
        }
        return Optional.empty();
    }
}
