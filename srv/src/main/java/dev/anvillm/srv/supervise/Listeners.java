package dev.anvillm.srv.supervise;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP sockets listening in a process's network name space, from {@code /proc/<pid>/net/tcp}
 * and {@code tcp6}, by socket inode: a process tree's listeners are those whose inode one of its
 * descriptors holds.
 */
final class Listeners {
    /** {@code st} of a listening socket in /proc/net/tcp (TCP_LISTEN). */
    private static final String LISTEN = "0A";

    private Listeners() {}

    /** Every listening socket seen by process {@code pid}, by inode; empty when none can be read. */
    static Map<Long, Resources.Port> of(long pid) {
        Map<Long, Resources.Port> out = new HashMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table));
            } catch (IOException e) {
                continue; // no IPv6, or the process is gone
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                String[] f = line.strip().split("\\s+");
                if (f.length < 10 || !f[3].equals(LISTEN)) continue;
                try {
                    Resources.Port p = port(f[1]);
                    long inode = Long.parseLong(f[9]);
                    if (p != null && inode != 0) out.put(inode, p);
                } catch (NumberFormatException e) {
                    // a line of a kernel format we do not know: skip it
                }
            }
        }
        return out;
    }

    /**
     * {@code ADDR:PORT} as the kernel prints it: the port in hex, the address as 32-bit words in
     * hex, each in host byte order (little-endian here, as on every platform the JDK runs on).
     */
    static Resources.Port port(String local) {
        int colon = local.indexOf(':');
        if (colon < 0) return null;
        String hex = local.substring(0, colon);
        if (hex.length() != 8 && hex.length() != 32) return null;
        byte[] a = new byte[hex.length() / 2];
        for (int word = 0; word < a.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                a[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        int port = Integer.parseInt(local.substring(colon + 1), 16);
        try {
            InetAddress addr = InetAddress.getByAddress(a); // a v4-mapped v6 address comes back as IPv4
            return new Resources.Port(text(addr), port, !addr.isLoopbackAddress());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The address as people write it: 127.0.0.1, [::1], [::] (the longest run of zero groups elided). */
    private static String text(InetAddress addr) {
        if (addr.getAddress().length == 4) return addr.getHostAddress();
        byte[] b = addr.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        int bestAt = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j;
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                parts.add(i == 0 ? ":" : "");
                i += bestLen - 1;
                if (i == 7) parts.add("");
                continue;
            }
            parts.add(Integer.toHexString(g[i]));
        }
        return "[" + String.join(":", parts) + "]";
    }
}
