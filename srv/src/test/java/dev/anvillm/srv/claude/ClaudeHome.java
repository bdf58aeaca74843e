package dev.anvillm.srv.claude;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A throw-away HOME in which Claude Code starts straight to its input prompt: no onboarding,
 * no "use this API key?" question, no folder-trust question, no bypass-permissions warning, no
 * auto-update, no telemetry. See docs/claude-code.md for what each setting settles.
 */
final class ClaudeHome {

    /** Fake, but shaped like a real key; Claude Code remembers approval by its last 20 characters. */
    static final String API_KEY = "sk-ant-api03-anvillm-test-key-0123456789abcdefghij";

    private final Path home;
    private final URI apiBaseUrl;

    private ClaudeHome(Path home, URI apiBaseUrl) {
        this.home = home;
        this.apiBaseUrl = apiBaseUrl;
    }

    /**
     * Writes {@code ~/.claude.json} and {@code ~/.claude/settings.json} under {@code home}, trusting
     * {@code projectDirs} (as real paths, which is how Claude Code keys them).
     */
    static ClaudeHome create(Path home, URI apiBaseUrl, List<Path> projectDirs) throws IOException {
        Files.createDirectories(home.resolve(".claude"));
        var projects = new LinkedHashMap<String, Object>();
        for (Path dir : projectDirs)
            projects.put(dir.toRealPath().toString(), Map.of(
                    "hasTrustDialogAccepted", true,
                    "hasCompletedProjectOnboarding", true,
                    "allowedTools", List.of()));
        var config = new LinkedHashMap<String, Object>();
        config.put("hasCompletedOnboarding", true);
        config.put("numStartups", 1);
        config.put("autoUpdates", false);
        config.put("customApiKeyResponses", Map.of(
                "approved", List.of(API_KEY.substring(API_KEY.length() - 20)),
                "rejected", List.of()));
        config.put("projects", projects);
        Files.writeString(home.resolve(".claude.json"), Json.write(config));
        // Without this the first --dangerously-skip-permissions run asks "Yes, I accept" (default: "No, exit").
        Files.writeString(home.resolve(".claude/settings.json"),
                Json.write(Map.of("skipDangerousModePermissionPrompt", true)));
        return new ClaudeHome(home, apiBaseUrl);
    }

    Path home() {
        return home;
    }

    /** The environment to run {@code claude} with (on top of PATH, TERM and the like). */
    Map<String, String> env() {
        var env = new LinkedHashMap<String, String>();
        env.put("HOME", home.toString());
        env.put("ANTHROPIC_BASE_URL", apiBaseUrl.toString());
        env.put("ANTHROPIC_API_KEY", API_KEY);
        // --dangerously-skip-permissions is refused as root unless the CLI is told it is sandboxed.
        env.put("IS_SANDBOX", "1");
        // Implies DISABLE_AUTOUPDATER, DISABLE_TELEMETRY, DISABLE_ERROR_REPORTING and no title call.
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        env.put("CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY", "1");
        env.put("DISABLE_INSTALLATION_CHECKS", "1");
        return env;
    }

    /** Where Claude Code writes the transcript of conversation {@code sessionId} started in {@code cwd}. */
    Path transcript(Path cwd, UUID sessionId) throws IOException {
        return home.resolve(".claude/projects").resolve(projectDirName(cwd.toRealPath().toString()))
                .resolve(sessionId + ".jsonl");
    }

    /**
     * Claude Code's name for a project directory: every character outside [A-Za-z0-9] becomes '-';
     * names longer than 200 are cut to 200 and suffixed with '-' and a base-36 hash of the path.
     */
    static String projectDirName(String absolutePath) {
        String name = absolutePath.replaceAll("[^a-zA-Z0-9]", "-");
        if (name.length() <= 200) return name;
        // JavaScript's Math.abs(hash | 0).toString(36), the hash being Java's String.hashCode.
        return name.substring(0, 200) + "-" + Long.toString(Math.abs((long) absolutePath.hashCode()), 36);
    }

    /**
     * A settings file (for {@code --settings}) whose hooks append each hook's JSON input as one line
     * to the file named by env var {@code ANVILLM_HOOK_FILE}. Claude Code runs the command with a
     * shell and the JSON on stdin; the line goes out in one printf so that hooks running at the same
     * time do not interleave (for lines up to the shell's output buffer, a few KiB).
     */
    static void writeHookSettings(Path settingsFile, List<String> events) {
        String command = "line=$(tr -d '\\n'); printf '%s\\n' \"$line\" >> \"$ANVILLM_HOOK_FILE\"";
        var hooks = new LinkedHashMap<String, Object>();
        for (String event : events) {
            var matcherGroup = new LinkedHashMap<String, Object>();
            if (TOOL_EVENTS.contains(event)) matcherGroup.put("matcher", "*");
            matcherGroup.put("hooks", List.of(Map.of("type", "command", "command", command)));
            hooks.put(event, List.of(matcherGroup));
        }
        try {
            Files.writeString(settingsFile, Json.write(Map.of("hooks", hooks)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final List<String> TOOL_EVENTS =
            List.of("PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied");

    /**
     * The installed CLI: {@code $ANVILLM_CLAUDE} if set, else {@code .tools/claude-code} as
     * {@code bin/install-claude-code} leaves it, found by walking up from the working directory.
     */
    static Optional<Path> installedCli() {
        String override = System.getenv("ANVILLM_CLAUDE");
        if (override != null && !override.isBlank()) return Optional.of(Path.of(override)).filter(Files::isExecutable);
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("bin/install-claude-code"))) {
                Path cli = dir.resolve(".tools/claude-code/node_modules/.bin/claude");
                return Files.isExecutable(cli) ? Optional.of(cli) : Optional.empty();
            }
        }
        return Optional.empty();
    }
}
