package dev.anvillm.srv.store;

import java.util.List;

/**
 * What survives a daemon restart about one session: everything needed to re-adopt it or start
 * it again with the same conversation. Written whole, atomically, on each change.
 *
 * @param conversation the conversation id pinned at launch (null until the first launch)
 * @param transcriptPath where the CLI keeps that conversation (from its hooks), if known
 * @param stopped      the durable stop flag: nothing restarts the session while it is set
 * @param history      restarts and exits, newest last, each one line with its cause
 * @param sleeping     put to sleep when idle: it stays so until a prompt or a start wakes it
 */
public record SessionRecord(
        String id,
        String alias,
        String backend,
        String cwd,
        long createdMs,
        String conversation,
        String transcriptPath,
        boolean stopped,
        String context,
        boolean contextPending,
        int pid,
        String tmuxTarget,
        boolean errored,
        String errorCause,
        List<String> history,
        boolean sleeping) {

    public SessionRecord {
        history = history == null ? List.of() : List.copyOf(history);
    }
}
