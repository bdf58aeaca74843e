package dev.anvillm.srv;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.anvillm.srv.Faults.await;
import static dev.anvillm.srv.Faults.tmux;

/** A spare sandbox launcher of a test daemon, as its tmux server lists it. */
record Spare(String name, long pid) {

    /** The spare launchers tmux lists now; {@code waitingOnly}: those warm and waiting on their fifo. */
    static List<Spare> list(TestNamespace ns, boolean waitingOnly) throws Exception {
        List<Spare> out = new ArrayList<>();
        for (String line : tmux(ns, "list-panes", "-a", "-F", "#{session_name} #{pane_pid} #{pane_dead}").split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 3 || !f[0].startsWith("spare-") || f[2].equals("1")) continue;
            Spare s = new Spare(f[0], Long.parseLong(f[1]));
            if (!waitingOnly || waitingOnFifo(s.pid())) out.add(s);
        }
        return out;
    }

    /** A thread of {@code pid} is blocked opening a fifo no one writes yet: the spare is ready. */
    private static boolean waitingOnFifo(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (DirectoryStream<Path> ts = Files.newDirectoryStream(tasks)) {
            for (Path t : ts) {
                try {
                    if (Files.readString(t.resolve("wchan")).contains("wait_for_partner")) return true;
                } catch (IOException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            return false; // the process ended
        }
        return false;
    }

    /** Waits for a spare other than pid {@code notPid} to be ready. */
    static Spare awaitReady(TestNamespace ns, Process daemon, long notPid) throws Exception {
        Spare[] found = new Spare[1];
        await("a spare launcher waiting on its fifo", () -> {
            for (Spare s : list(ns, true)) {
                if (s.pid() != notPid) {
                    found[0] = s;
                    return true;
                }
            }
            return false;
        }, () -> tmux(ns, "list-panes", "-a", "-F", "#{session_name} #{pane_pid} #{pane_dead}") + "\n--- daemon:\n" + ns.stderrOf(daemon));
        return found[0];
    }
}
