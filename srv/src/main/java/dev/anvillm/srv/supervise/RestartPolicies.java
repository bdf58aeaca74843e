package dev.anvillm.srv.supervise;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The restart policy of each backend, from backends.yaml: a top-level {@code restart:} map sets
 * the default for all, a backend's own {@code restart:} map overrides it (and is inherited through
 * {@code extends:}). Keys left out keep their value from the level above; SPEC §6's numbers are
 * the base:
 *
 * <pre>
 * restart:
 *   delay_seconds: 1          # first delay after a crash
 *   max_delay_seconds: 60     # the delay doubles up to this
 *   reset_after_seconds: 30   # a run this long resets the delay
 *   max_restarts: 5           # more restarts than this within the window: error
 *   window_seconds: 600
 * </pre>
 */
public final class RestartPolicies {
    public static final RestartPolicies DEFAULT = new RestartPolicies(RestartPolicy.DEFAULT, Map.of());
    static final List<String> KEYS = List.of("delay_seconds", "max_delay_seconds", "reset_after_seconds", "max_restarts", "window_seconds");

    private final RestartPolicy global;
    private final Map<String, RestartPolicy> byBackend;

    public RestartPolicies(RestartPolicy global, Map<String, RestartPolicy> byBackend) {
        this.global = global;
        this.byBackend = Map.copyOf(byBackend);
    }

    public RestartPolicy global() {
        return global;
    }

    public RestartPolicy of(String backend) {
        return byBackend.getOrDefault(backend, global);
    }

    /** Reads the restart sections of {@code yamlFile}; defaults when it is missing or has none. */
    public static RestartPolicies load(Path yamlFile) throws IOException {
        if (yamlFile == null || !Files.isRegularFile(yamlFile)) return DEFAULT;
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(yamlFile));
        } catch (RuntimeException e) {
            throw new IOException(yamlFile + ": not valid YAML: " + (e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("")));
        }
        if (!(doc instanceof Map<?, ?> top)) return DEFAULT;
        RestartPolicy global = parse(yamlFile, "restart", top.get("restart"), RestartPolicy.DEFAULT);
        Map<String, RestartPolicy> byBackend = new LinkedHashMap<>();
        if (top.get("backends") instanceof Map<?, ?> backends) {
            // in file order, so a backend that extends one defined above it inherits its policy
            for (Map.Entry<?, ?> e : backends.entrySet()) {
                if (!(e.getValue() instanceof Map<?, ?> fields)) continue;
                String name = String.valueOf(e.getKey());
                RestartPolicy base = global;
                if (fields.get("extends") != null) base = byBackend.getOrDefault(String.valueOf(fields.get("extends")), global);
                RestartPolicy p = parse(yamlFile, "backend " + name + ": restart", fields.get("restart"), base);
                if (p != global) byBackend.put(name, p);
            }
        }
        return new RestartPolicies(global, byBackend);
    }

    private static RestartPolicy parse(Path file, String where, Object section, RestartPolicy base) throws IOException {
        if (section == null) return base;
        if (!(section instanceof Map<?, ?> m)) throw new IOException(file + ": " + where + " must be a map of " + String.join(", ", KEYS));
        for (Object k : m.keySet()) {
            if (!KEYS.contains(String.valueOf(k))) {
                throw new IOException(file + ": " + where + ": unknown key '" + k + "'; known: " + String.join(", ", KEYS));
            }
        }
        RestartPolicy p = new RestartPolicy(
                seconds(file, where, m, "delay_seconds", base.initial()),
                seconds(file, where, m, "max_delay_seconds", base.max()),
                seconds(file, where, m, "reset_after_seconds", base.resetAfter()),
                count(file, where, m, "max_restarts", base.maxRestarts()),
                seconds(file, where, m, "window_seconds", base.window()));
        if (p.max().compareTo(p.initial()) < 0) {
            throw new IOException(file + ": " + where + ": max_delay_seconds is less than delay_seconds");
        }
        return p;
    }

    private static Duration seconds(Path file, String where, Map<?, ?> m, String key, Duration dflt) throws IOException {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Number n) || n.doubleValue() < 0) throw new IOException(file + ": " + where + ": " + key + " must be a number of seconds >= 0, not " + v);
        return Duration.ofNanos((long) (n.doubleValue() * 1e9));
    }

    private static int count(Path file, String where, Map<?, ?> m, String key, int dflt) throws IOException {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Integer n) || n < 0) throw new IOException(file + ": " + where + ": " + key + " must be a whole number >= 0, not " + v);
        return n;
    }
}
