package dev.anvillm.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How many connections the daemon on {@code socket} has from process {@code pid}, as the kernel
 * knows them: the daemon's ends (ss -x, local address the socket) whose peers are sockets the
 * process holds. Used by the web tests and by bin/bench web.
 */
public final class DaemonConnections {
    private DaemonConnections() {}

    public static int count(Path socket, long pid) throws IOException, InterruptedException {
        Set<String> own = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String t = Files.readSymbolicLink(fd).toString();
                    if (t.startsWith("socket:[")) own.add(t.substring(8, t.length() - 1));
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        Process ss = new ProcessBuilder("ss", "-xn").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (ss.waitFor() != 0) throw new IOException("ss -xn failed: " + out);
        int n = 0;
        for (String line : out.split("\n")) {
            // u_str ESTAB 0 0 <local path> <local inode> <peer> <peer inode>
            String[] f = line.strip().split("\\s+");
            if (f.length >= 8 && f[4].equals(socket.toString()) && own.contains(f[7])) n++;
        }
        return n;
    }
}
