package dev.anvillm.srv.backend;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to run one agent CLI and how to read it. Built-in specs live in {@link Backends}; users
 * add or override them in backends.yaml. Templates in arguments: {CONVERSATION} (the pinned
 * conversation id), {RUN} (the session's runtime directory), {HOME}, {CWD}.
 *
 * @param command        executable and fixed arguments
 * @param freshArgs      added when a new conversation starts (pins the id where the CLI allows)
 * @param resumeArgs     added to resume the recorded conversation; empty when the CLI cannot
 * @param env            added to the session's environment
 * @param hooks          the CLI reports UserPromptSubmit/Stop/Notification/SessionStart hooks
 * @param claudeSettings pass a generated --settings file that installs the hooks (Claude Code)
 * @param ready          the screen shows it is ready for input (pane detection)
 * @param busy           the screen shows a turn in progress
 * @param waiting        the screen shows a question or permission prompt
 * @param startup        how long it may take to become ready
 * @param sandboxRw      extra paths the backend must write (for the sandbox)
 * @param interruptKey   the tmux key that aborts a turn (Escape for agent CLIs, C-c for shells)
 * @param passEnv        variables of the daemon's environment the backend needs (its API key, its
 *                       endpoint), passed when set whatever sandbox.yaml's env list says
 * @param authFailed     the CLI saying it cannot authenticate (a reply, or a line on the screen); null when unknown
 * @param idleSleep      idle this long, the session is put to sleep (its processes end, a prompt wakes
 *                       it with its conversation); zero: never
 */
public record BackendSpec(
        String name,
        String description,
        List<String> command,
        List<String> freshArgs,
        List<String> resumeArgs,
        Map<String, String> env,
        boolean hooks,
        boolean claudeSettings,
        Pattern ready,
        Pattern busy,
        Pattern waiting,
        Duration startup,
        List<String> sandboxRw,
        String interruptKey,
        List<String> passEnv,
        Pattern authFailed,
        Duration idleSleep) {

    /** One that never sleeps. */
    public BackendSpec(String name, String description, List<String> command, List<String> freshArgs, List<String> resumeArgs,
            Map<String, String> env, boolean hooks, boolean claudeSettings, Pattern ready, Pattern busy, Pattern waiting, Duration startup,
            List<String> sandboxRw, String interruptKey, List<String> passEnv, Pattern authFailed) {
        this(name, description, command, freshArgs, resumeArgs, env, hooks, claudeSettings, ready, busy, waiting, startup, sandboxRw,
                interruptKey, passEnv, authFailed, Duration.ZERO);
    }

    public BackendSpec {
        command = List.copyOf(command);
        freshArgs = List.copyOf(freshArgs);
        resumeArgs = List.copyOf(resumeArgs);
        env = Map.copyOf(env);
        sandboxRw = List.copyOf(sandboxRw);
        passEnv = List.copyOf(passEnv);
        if (idleSleep == null) idleSleep = Duration.ZERO;
        if (idleSleep.isNegative()) throw new IllegalArgumentException("idle_sleep_seconds must be 0 (never) or more");
    }

    public boolean canResume() {
        return !resumeArgs.isEmpty();
    }

    /**
     * The line of {@code text} in which the CLI says it cannot authenticate, stripped, or null.
     * Only a line that begins with it counts (after a bullet or box drawing): a reply that
     * quotes such a line is not one.
     */
    public String authFailure(String text) {
        if (authFailed == null || text == null) return null;
        for (String line : text.split("\n")) {
            String l = line.replaceFirst("^[^\\p{L}\\p{N}]+", "").strip();
            if (authFailed.matcher(l).lookingAt()) return l;
        }
        return null;
    }

    /** The executable, as the availability check looks it up. */
    public String executable() {
        return command.getFirst();
    }
}
