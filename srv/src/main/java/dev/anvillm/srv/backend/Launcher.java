package dev.anvillm.srv.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anvillm.srv.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a backend spec and a session into the argv and environment tmux starts: the daemon's
 * environment plus what the backend and anvillm need. The sandbox then keeps only what its
 * policy lists (sandbox.yaml `env`).
 */
public final class Launcher {
    /** The hook command Claude Code runs: append the hook's JSON as one line to the session's hook file. */
    static final String HOOK_COMMAND = "sh -c 'line=$(tr -d \"\\n\"); printf \"%s\\n\" \"$line\" >> \"$ANVILLM_HOOK_FILE\"'";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> daemonEnv;
    private final Path namespace;
    private final boolean root;

    public Launcher(Map<String, String> daemonEnv, Path namespace, boolean root) {
        this.daemonEnv = Map.copyOf(daemonEnv);
        this.namespace = namespace;
        this.root = root;
    }

    /** What tmux runs. */
    public record Plan(List<String> argv, Map<String, String> env) {}

    public static Path hookFile(Path runDir) {
        return runDir.resolve("hooks.jsonl");
    }

    public Plan plan(BackendSpec spec, String id, Path cwd, Path runDir, String conversation, boolean resume) throws IOException {
        Files.createDirectories(runDir);
        Map<String, String> vars = Map.of("{CONVERSATION}", conversation, "{RUN}", runDir.toString(),
                "{HOME}", daemonEnv.getOrDefault("HOME", "/"), "{CWD}", cwd.toString());
        List<String> argv = new ArrayList<>();
        for (String a : spec.command()) argv.add(expand(a, vars));
        for (String a : resume ? spec.resumeArgs() : spec.freshArgs()) argv.add(expand(a, vars));
        if (spec.claudeSettings()) {
            Path settings = runDir.resolve("settings.json");
            AtomicFiles.write(settings, claudeSettings());
            argv.add("--settings");
            argv.add(settings.toString());
        }
        // the sandbox policy's env list is the one place that decides what reaches the backend
        Map<String, String> env = new LinkedHashMap<>(daemonEnv);
        env.put("NAMESPACE", namespace.toString());
        env.put("ANVILLM_SESSION", id);
        env.put("ANVILLM_HOOK_FILE", hookFile(runDir).toString());
        // Claude Code refuses --dangerously-skip-permissions as root unless told it is sandboxed; it is.
        if (root && spec.claudeSettings()) env.put("IS_SANDBOX", "1");
        spec.env().forEach((k, v) -> env.put(k, expand(v, vars)));
        return new Plan(argv, env);
    }

    private static String expand(String s, Map<String, String> vars) {
        for (var e : vars.entrySet()) s = s.replace(e.getKey(), e.getValue());
        return s;
    }

    /** A --settings file that installs anvillm's hooks; merged by Claude Code over the user's settings. */
    static byte[] claudeSettings() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode hooks = root.putObject("hooks");
        for (String event : List.of("SessionStart", "UserPromptSubmit", "Stop", "Notification", "PermissionRequest",
                "PreToolUse", "PostToolUse", "SessionEnd")) {
            ArrayNode matchers = hooks.putArray(event);
            ObjectNode m = matchers.addObject();
            if (event.endsWith("ToolUse") || event.equals("PermissionRequest")) m.put("matcher", "*");
            ObjectNode h = m.putArray("hooks").addObject();
            h.put("type", "command");
            h.put("command", HOOK_COMMAND);
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }
}
