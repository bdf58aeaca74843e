package dev.anvillm.srv.namespace;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** A namespace's daemon as seen from outside: the pid in its pid file, when that pid is a live anvilsrv. */
public final class DaemonProcess {
    /** The daemon's main class, as it appears on its command line. */
    public static final String MAIN_CLASS = "dev.anvillm.srv.Anvilsrv";

    private DaemonProcess() {}

    /** The live daemon of {@code loc}, or empty when the pid file is missing or stale. */
    public static Optional<ProcessHandle> find(Locations loc) {
        OptionalLong pid = PidFile.read(loc.pidFile());
        if (pid.isEmpty()) return Optional.empty();
        return ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive).filter(DaemonProcess::isAnvilsrv);
    }

    /**
     * Whether {@code p} runs {@code anvilsrv fgstart}, or {@code anvilsrv start} as an installed
     * launcher runs it (that JVM is the daemon: DaemonControl.startInPlace): a pid file can outlive
     * its daemon and the pid be reused, and stop must never signal a stranger.
     */
    static boolean isAnvilsrv(ProcessHandle p) {
        List<String> args = p.info().arguments().map(Arrays::asList).orElse(List.of());
        int main = args.indexOf(MAIN_CLASS);
        if (main < 0) return false;
        List<String> rest = args.subList(main + 1, args.size());
        return rest.contains("fgstart") || rest.contains("start");
    }
}
