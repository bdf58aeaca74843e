package dev.anvillm.srv.sandbox;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ~/.config/anvillm/sandbox.yaml}, with AnviLLM's keys. A key that is missing keeps its
 * default (a file holding only {@code network: {connect_tcp: [443, 8080]}} keeps every filesystem
 * default); a key that is present replaces that default. Paths may use the templates
 * {@code {CWD} {HOME} {TMPDIR} {RUN} {XDG_CONFIG_HOME} {XDG_CACHE_HOME} {XDG_DATA_HOME}
 * {XDG_STATE_HOME} {XDG_RUNTIME_DIR}} and a leading {@code ~/}. sandbox.example.yaml at the
 * repository root documents every key with its default; keep the two in step.
 */
public record SandboxPolicy(General general, Filesystem filesystem, Network network, List<String> env, Advanced advanced) {

    /** @param logLevel error, info or debug: what the launcher prints into the pane */
    public record General(boolean bestEffort, String logLevel) {}

    /** Rules by kind: read, read+execute, read+write, read+write+execute. */
    public record Filesystem(List<String> ro, List<String> rox, List<String> rw, List<String> rwx) {
        public Filesystem {
            ro = List.copyOf(ro);
            rox = List.copyOf(rox);
            rw = List.copyOf(rw);
            rwx = List.copyOf(rwx);
        }
    }

    /**
     * @param enabled      false: no TCP connect or bind at all
     * @param unrestricted true: TCP is not restricted (wins over enabled)
     */
    public record Network(boolean enabled, boolean unrestricted, List<Integer> bindTcp, List<Integer> connectTcp) {
        public Network {
            bindTcp = List.copyOf(bindTcp);
            connectTcp = List.copyOf(connectTcp);
        }
    }

    /**
     * @param ldd                add the shared libraries of the backend's executable to rox
     * @param addExec            add the backend's executable (a script's interpreter, an interpreter's script) to rox
     * @param unrestrictedScoped do not scope abstract unix sockets and signals (Landlock ABI 6)
     * @param dropCapabilities   drop every capability before exec (matters when the daemon runs as root)
     * @param launcher           auto (landrun when on PATH, else built-in), builtin or landrun
     * @param spareLaunchers     built-in launchers kept started ahead of need (0 to 8): faster session starts
     */
    public record Advanced(boolean ldd, boolean addExec, boolean unrestrictedScoped, boolean dropCapabilities, String launcher,
                           int spareLaunchers) {}

    public SandboxPolicy {
        env = List.copyOf(env);
    }

    public static final Set<String> TEMPLATES = Set.of("CWD", "HOME", "TMPDIR", "RUN", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
            "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR");
    private static final Pattern TEMPLATE = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\*?");
    private static final Set<String> LOG_LEVELS = Set.of("error", "info", "debug");
    private static final Set<String> LAUNCHERS = Set.of("auto", "builtin", "landrun");

    /** The defaults: every key sandbox.example.yaml shows. */
    public static SandboxPolicy defaults() {
        return new SandboxPolicy(
                new General(false, "info"),
                new Filesystem(
                        List.of("/etc", "/proc", "/sys", "/dev/urandom", "/dev/random", "/run/systemd/resolve", "/run/resolvconf",
                                "{HOME}/.gitconfig", "{XDG_CONFIG_HOME}/git"),
                        List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/nix/store",
                                "{HOME}/.local/bin", "{HOME}/.local/share/claude", "{HOME}/.nvm", "{HOME}/.volta", "{HOME}/.bun",
                                "{HOME}/.npm-global", "{HOME}/.sdkman"),
                        List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/shm"),
                        List.of("{CWD}", "{TMPDIR}")),
                new Network(true, false, List.of(), List.of(443)),
                List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "COLORTERM",
                        "TMPDIR", "EDITOR", "VISUAL", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                        "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
                        "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL",
                        "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CONFIG_DIR", "DISABLE_AUTOUPDATER",
                        "DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
                        "OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT"),
                new Advanced(false, true, false, true, "auto", 1));
    }

    /** Reads {@code file}; a missing file means the defaults. Errors are one line naming the file. */
    public static SandboxPolicy load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return defaults();
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    static SandboxPolicy parse(String text, String file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark();
            String where = m == null ? "" : "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ";
            throw new IOException(file + ": " + where + e.getProblem() + "; fix the YAML (sandbox.example.yaml shows every key)");
        } catch (RuntimeException e) {
            throw new IOException(file + ": not valid YAML: " + firstLine(e.getMessage()) + "; fix the YAML (sandbox.example.yaml shows every key)");
        }
        SandboxPolicy d = defaults();
        if (doc == null) return d;
        Reader r = new Reader(file);
        Map<?, ?> top = r.map(doc, "the top level");
        r.known(top, "", "general", "filesystem", "network", "env", "advanced");

        Map<?, ?> g = r.section(top, "general");
        r.known(g, "general.", "best_effort", "log_level");
        General general = new General(r.bool(g, "general.best_effort", d.general.bestEffort),
                r.choice(g, "general.log_level", LOG_LEVELS, d.general.logLevel));

        Map<?, ?> f = r.section(top, "filesystem");
        r.known(f, "filesystem.", "ro", "rox", "rw", "rwx");
        Filesystem fs = new Filesystem(r.paths(f, "filesystem.ro", d.filesystem.ro), r.paths(f, "filesystem.rox", d.filesystem.rox),
                r.paths(f, "filesystem.rw", d.filesystem.rw), r.paths(f, "filesystem.rwx", d.filesystem.rwx));

        Map<?, ?> n = r.section(top, "network");
        r.known(n, "network.", "enabled", "unrestricted", "bind_tcp", "connect_tcp");
        Network network = new Network(r.bool(n, "network.enabled", d.network.enabled),
                r.bool(n, "network.unrestricted", d.network.unrestricted),
                r.ports(n, "network.bind_tcp", d.network.bindTcp), r.ports(n, "network.connect_tcp", d.network.connectTcp));

        List<String> env = top.containsKey("env") ? r.names(top.get("env")) : d.env;

        Map<?, ?> a = r.section(top, "advanced");
        r.known(a, "advanced.", "ldd", "add_exec", "unrestricted_scoped", "drop_capabilities", "launcher", "spare_launchers");
        Advanced advanced = new Advanced(r.bool(a, "advanced.ldd", d.advanced.ldd), r.bool(a, "advanced.add_exec", d.advanced.addExec),
                r.bool(a, "advanced.unrestricted_scoped", d.advanced.unrestrictedScoped),
                r.bool(a, "advanced.drop_capabilities", d.advanced.dropCapabilities),
                r.choice(a, "advanced.launcher", LAUNCHERS, d.advanced.launcher),
                r.integer(a, "advanced.spare_launchers", 0, 8, d.advanced.spareLaunchers));
        return new SandboxPolicy(general, fs, network, env, advanced);
    }

    /**
     * {@code path} with its templates replaced from {@code vars} (names without braces) and a
     * leading {@code ~/} made {@code {HOME}/}; null when a template has no value here (an unset
     * XDG_RUNTIME_DIR), so the entry is skipped.
     */
    public static String expand(String path, Map<String, String> vars) {
        String p = path.equals("~") || path.startsWith("~/") ? "{HOME}" + path.substring(1) : path;
        Matcher m = TEMPLATE.matcher(p);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = vars.get(m.group(1));
            if (v == null || v.isEmpty()) return null;
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Type checks with messages that name the file, the key and the fix. */
    private record Reader(String file) {
        IOException error(String key, String problem) {
            return new IOException(file + ": " + key + ": " + problem);
        }

        Map<?, ?> map(Object o, String key) throws IOException {
            if (o instanceof Map<?, ?> m) return m;
            throw error(key, "expected a map of keys, got " + describe(o));
        }

        /** A section that may be missing or empty (then every key in it keeps its default). */
        Map<?, ?> section(Map<?, ?> top, String key) throws IOException {
            Object o = top.get(key);
            return o == null ? Map.of() : map(o, key);
        }

        void known(Map<?, ?> m, String prefix, String... keys) throws IOException {
            Set<String> ok = Set.of(keys);
            for (Object k : m.keySet()) {
                if (!ok.contains(String.valueOf(k))) {
                    throw new IOException(file + ": unknown key '" + prefix + k + "'; known " + (prefix.isEmpty() ? "sections" : "keys")
                            + ": " + String.join(", ", keys));
                }
            }
        }

        boolean bool(Map<?, ?> m, String key, boolean dflt) throws IOException {
            String name = key.substring(key.lastIndexOf('.') + 1);
            if (!m.containsKey(name)) return dflt;
            if (m.get(name) instanceof Boolean b) return b;
            throw error(key, "expected true or false, got " + describe(m.get(name)));
        }

        int integer(Map<?, ?> m, String key, int min, int max, int dflt) throws IOException {
            String name = key.substring(key.lastIndexOf('.') + 1);
            if (!m.containsKey(name)) return dflt;
            if (m.get(name) instanceof Integer i && i >= min && i <= max) return i;
            throw error(key, "expected a whole number from " + min + " to " + max + ", got " + describe(m.get(name)));
        }

        String choice(Map<?, ?> m, String key, Set<String> allowed, String dflt) throws IOException {
            String name = key.substring(key.lastIndexOf('.') + 1);
            if (!m.containsKey(name)) return dflt;
            Object v = m.get(name);
            if (v instanceof String s && allowed.contains(s)) return s;
            throw error(key, "expected one of " + String.join(", ", allowed.stream().sorted().toList()) + ", got " + describe(v));
        }

        List<?> list(Object o, String key, String example) throws IOException {
            if (o == null) return List.of();
            if (o instanceof List<?> l) return l;
            throw error(key, "expected a list like " + example + ", got " + describe(o));
        }

        List<String> paths(Map<?, ?> m, String key, List<String> dflt) throws IOException {
            String name = key.substring(key.lastIndexOf('.') + 1);
            if (!m.containsKey(name)) return dflt;
            List<String> out = new ArrayList<>();
            for (Object o : list(m.get(name), key, "[\"{CWD}\", /usr/share]")) {
                if (!(o instanceof String s) || s.isBlank()) throw error(key, "expected a path, got " + describe(o));
                Matcher t = TEMPLATE.matcher(s);
                while (t.find()) {
                    if (!TEMPLATES.contains(t.group(1))) {
                        throw error(key, "unknown template {" + t.group(1) + "} in '" + s + "'; known: "
                                + String.join(" ", TEMPLATES.stream().sorted().map(x -> "{" + x + "}").toList()));
                    }
                }
                if (!s.startsWith("/") && !s.startsWith("{") && !s.equals("~") && !s.startsWith("~/")) {
                    throw error(key, "'" + s + "' is not an absolute path; write {CWD}/" + s + " for a path in the session's directory");
                }
                out.add(s);
            }
            return out;
        }

        List<Integer> ports(Map<?, ?> m, String key, List<Integer> dflt) throws IOException {
            String name = key.substring(key.lastIndexOf('.') + 1);
            if (!m.containsKey(name)) return dflt;
            List<Integer> out = new ArrayList<>();
            for (Object o : list(m.get(name), key, "[443, 8080]")) {
                Integer p = o instanceof Integer i ? i : o instanceof String s && s.matches("\\d{1,5}") ? Integer.valueOf(s) : null;
                if (p == null || p < 0 || p > 65535) throw error(key, "expected TCP port numbers (0-65535) like [443, 8080], got " + describe(o));
                if (!out.contains(p)) out.add(p);
            }
            return out;
        }

        List<String> names(Object o) throws IOException {
            List<String> out = new ArrayList<>();
            for (Object x : list(o, "env", "[PATH, HOME, LC_*]")) {
                if (!(x instanceof String s) || !ENV_NAME.matcher(s).matches()) {
                    throw error("env", "expected variable names like PATH or a prefix like LC_*, got " + describe(x));
                }
                if (!out.contains(s)) out.add(s);
            }
            return out;
        }

        static String describe(Object o) {
            if (o == null) return "nothing";
            if (o instanceof Map<?, ?>) return "a map";
            if (o instanceof List<?>) return "a list";
            return "'" + o + "'";
        }
    }
}
