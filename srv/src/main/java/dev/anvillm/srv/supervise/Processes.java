package dev.anvillm.srv.supervise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about processes that ProcessHandle gets wrong for supervision. */
public final class Processes {
    private Processes() {}

    /**
     * Alive and not a zombie. A backend that has exited stays a zombie until tmux reaps it (and
     * Debian's tmux sometimes misses the SIGCHLD), but it is gone for every purpose of ours.
     */
    public static boolean running(ProcessHandle h) {
        if (!h.isAlive()) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            // pid (comm) S ...: the state follows the last ')', since comm may hold one
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false; // gone between the two looks
        }
    }

    public static boolean running(long pid) {
        return ProcessHandle.of(pid).map(Processes::running).orElse(false);
    }
}
