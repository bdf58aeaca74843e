package dev.anvillm.srv.supervise;

import dev.anvillm.srv.backend.BackendSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a backend that never became ready failed, in one line with the fix, from its exit status
 * and its last screen: a command not found, a TCP connection or a path the sandbox denied, an
 * agent that cannot authenticate. Null when none of these shows: the caller then says what it
 * saw (the restart policy decides, as for any crash).
 */
public final class Diagnosis {
    private Diagnosis() {}

    /** How many of the screen's last lines it reads: a runtime's stack trace can follow the line that says why. */
    public static final int LINES = 40;

    /** How to install the built-in backends' CLIs (and what they run on). */
    private static final Map<String, String> INSTALL = Map.of(
            "claude", "npm install -g @anthropic-ai/claude-code",
            "codex", "npm install -g @openai/codex",
            "gemini", "npm install -g @google/gemini-cli",
            "kiro-cli", "see https://kiro.dev/docs/cli/installation",
            "node", "apt-get install nodejs",
            "npx", "apt-get install npm");

    /** sh, dash, bash, zsh: "x: not found", "x: command not found"; env: "'x': No such file or directory". */
    private static final Pattern NOT_FOUND = Pattern.compile(
            "(?:^|: )['‘]?([^\\s:'‘’]+)['’]?: (?:command )?not found\\b|env: ['‘]([^'‘’]+)['’]: No such file or directory");
    /** node: "connect EACCES 10.0.0.1:8080"; others: a connect line saying permission denied, with host:port. */
    private static final Pattern CONNECT_NODE = Pattern.compile("connect EACCES ([^\\s]+):(\\d+)");
    private static final Pattern CONNECT_OTHER = Pattern.compile("(?i)connect.*(?:permission denied|EACCES).*?([\\w.\\-\\[\\]:]+):(\\d+)"
            + "|(?i)([\\w.\\-]+) port (\\d+).*(?:permission denied|EACCES)");
    /** node: "EACCES: permission denied, mkdir '/x'"; python: "Permission denied: '/x'". */
    private static final Pattern PATH_QUOTED = Pattern.compile("(?:EACCES|EPERM): (?:permission denied|operation not permitted), (\\w+) '([^']+)'"
            + "|Permission denied: '(/[^']+)'");
    /** coreutils, shells: "cannot create /x: Permission denied", "'/x': Permission denied", "/x: Permission denied". */
    private static final Pattern PATH_PLAIN = Pattern.compile("(?:cannot (\\w+)(?: directory| regular file)? )?['‘]?(/[^\\s'‘’:]+)['’]?: Permission denied");
    private static final Pattern WRITES = Pattern.compile("(?i)mkdir|create|touch|open|write|rename|unlink|rmdir|copyfile|symlink|link|remove");

    /**
     * The cause, or null.
     *
     * @param exit       how it ended; null when it did not (the start-up deadline passed)
     * @param lastLines  the last lines of its screen
     * @param configFile sandbox.yaml, named in the fix (backends.yaml is beside it)
     */
    public static String of(BackendSpec spec, Exit exit, List<String> lastLines, Path configFile) {
        String screen = String.join("\n", lastLines);
        String auth = spec.authFailure(screen);
        if (auth != null) return "auth: " + auth;
        String status = exit == null ? "" : " (" + exit.how() + ")";
        Matcher m = NOT_FOUND.matcher(screen);
        boolean notFound = m.find();
        if (notFound || exit != null && exit.status() == 127) {
            String cmd = !notFound ? spec.executable() : m.group(1) != null ? m.group(1) : m.group(2);
            String exe = Path.of(spec.executable()).getFileName().toString();
            String install = INSTALL.getOrDefault(cmd, INSTALL.get(spec.name()));
            return "cannot start: command not found: " + cmd + status + "; install it"
                    + (install == null ? "" : " (" + install + ")")
                    + (cmd.equals(exe) ? " or set command: for backend " + spec.name() + " in " + configFile.resolveSibling("backends.yaml")
                            : ", which backend " + spec.name() + " (" + exe + ") runs, or put it on the PATH the session gets");
        }
        m = CONNECT_NODE.matcher(screen);
        if (!m.find()) {
            m = CONNECT_OTHER.matcher(screen);
            if (!m.find()) m = null;
        }
        if (m != null) {
            String host = m.group(1) != null ? m.group(1) : m.group(3);
            String port = m.group(2) != null ? m.group(2) : m.group(4);
            return "cannot start: the sandbox denied a TCP connection to " + host + ":" + port + status
                    + "; add " + port + " to network.connect_tcp in " + configFile;
        }
        m = PATH_QUOTED.matcher(screen);
        String op = null;
        String path = null;
        if (m.find()) {
            op = m.group(1);
            path = m.group(2) != null ? m.group(2) : m.group(3);
        } else {
            m = PATH_PLAIN.matcher(screen);
            if (m.find()) {
                op = m.group(1);
                path = m.group(2);
            }
        }
        if (path != null) {
            boolean exec = exit != null && exit.status() == 126 || op != null && (op.equals("execute") || op.equals("spawn") || op.equals("exec"));
            boolean writes = !exec && (op == null ? screen.contains("cannot create") : WRITES.matcher(op).find());
            String key = exec ? "filesystem.rox" : writes ? "filesystem.rw (a file) or filesystem.rwx (a directory)" : "filesystem.ro";
            return "cannot start: permission denied" + (op == null ? "" : " (" + op + ")") + " on " + path + status
                    + "; if the sandbox denied it, add it (or a directory above it) to " + key + " in " + configFile;
        }
        return null;
    }
}
