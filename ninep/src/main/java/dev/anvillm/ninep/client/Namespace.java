package dev.anvillm.ninep.client;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * plan9port's name space: the directory that holds a user's 9P sockets. It is {@code $NAMESPACE}
 * when set, else {@code /tmp/ns.$USER.$DISPLAY}; a service {@code agent} listens on
 * {@code <dir>/agent}, and a 9P path {@code agent/list} means the file {@code list} on that socket.
 *
 * @param dir         the directory
 * @param fromDisplay true when derived from $USER and $DISPLAY rather than given by $NAMESPACE;
 *                    plan9port only creates and vets a derived directory
 */
public record Namespace(Path dir, boolean fromDisplay) {

    /** A 9P name split the plan9port way: the socket named by its first element, and the rest. */
    public record Target(Path socket, String path) {
        /** The dial string plan9port prints in its errors, {@code unix!<socket>}. */
        public String address() {
            return "unix!" + socket;
        }
    }

    /** Resolves the name space from an environment (NAMESPACE, USER, DISPLAY); no file is touched. */
    public static Namespace resolve(Map<String, String> env) throws NamespaceException {
        String ns = env.get("NAMESPACE");
        if (ns != null && !ns.isEmpty()) {
            return new Namespace(Path.of(ns), false);
        }
        String user = env.get("USER");
        if (user == null || user.isEmpty()) {
            throw new NamespaceException("no name space: set $NAMESPACE (or $USER, for /tmp/ns.$USER.$DISPLAY)");
        }
        String display = env.get("DISPLAY");
        if (display == null || display.isEmpty()) display = ":0";
        return new Namespace(Path.of("/tmp/ns." + user + "." + canonicalDisplay(display)), true);
    }

    /** {@link #resolve(Map)} on this process's {@link #environment()}. */
    public static Namespace resolve() throws NamespaceException {
        return resolve(environment());
    }

    /**
     * The process environment, with USER filled in from the account name when it is missing
     * (plan9port asks the password file, not $USER).
     */
    public static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        String account = System.getProperty("user.name", "");
        if (!env.containsKey("USER") && !account.isEmpty() && !account.equals("?")) {
            env.put("USER", account);
        }
        return env;
    }

    /** plan9port's canonical form: {@code host:10.0} becomes {@code host:10}, every '/' becomes '_'. */
    static String canonicalDisplay(String display) {
        int colon = display.lastIndexOf(':');
        if (colon >= 0) {
            int p = colon + 1;
            while (p < display.length() && Character.isDigit(display.charAt(p))) p++;
            if (display.substring(p).equals(".0")) display = display.substring(0, p);
        }
        return display.replace('/', '_');
    }

    /** The socket of service {@code name}. */
    public Path socket(String name) {
        return dir.resolve(name);
    }

    /** Splits {@code agent/list} into the socket {@code <dir>/agent} and the path {@code list}. */
    public Target locate(String name) {
        int slash = name.indexOf('/');
        String service = slash < 0 ? name : name.substring(0, slash);
        String path = slash < 0 ? "" : name.substring(slash + 1);
        return new Target(socket(service), path);
    }

    /** Creates the directory with mode 0700 when it does not exist yet (what plan9port clients do). */
    public Namespace createIfMissing() throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // someone else's directory is caught by requirePrivate
        }
        return this;
    }

    /** Refuses a directory that is missing, not ours, or open to others (mode must be exactly 0700). */
    public void requirePrivate() throws NamespaceException {
        requirePrivate(dir, currentUid());
    }

    static void requirePrivate(Path dir, int uid) throws NamespaceException {
        int mode, owner;
        try {
            if (!Files.isDirectory(dir)) {
                throw new NamespaceException("bad name space dir " + dir + ": not a directory");
            }
            mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
            owner = (Integer) Files.getAttribute(dir, "unix:uid");
        } catch (NoSuchFileException e) {
            throw new NamespaceException("bad name space dir " + dir + ": does not exist");
        } catch (IOException | UnsupportedOperationException e) {
            throw new NamespaceException("bad name space dir " + dir + ": " + e.getMessage());
        }
        if (owner != uid || (mode & 0777) != 0700) {
            throw new NamespaceException(String.format(
                    "bad name space dir %s: mode %04o, owner uid %d; it must be mode 0700 and owned by uid %d"
                            + " (fix it or remove it)", dir, mode, owner, uid));
        }
    }

    /** This process's uid: the owner of /proc/self. */
    static int currentUid() throws NamespaceException {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new NamespaceException("cannot tell this process's uid from /proc/self: " + e.getMessage());
        }
    }

    /**
     * The socket named by a {@code -a} address: {@code unix!/path}, or a plain path. Other networks
     * (plan9port's {@code tcp!host!port}) are refused.
     */
    public static Path parseAddress(String address) {
        int bang = address.indexOf('!');
        if (bang < 0) {
            if (address.isEmpty()) throw new IllegalArgumentException("empty address; use unix!/path/to/socket");
            return Path.of(address);
        }
        String net = address.substring(0, bang);
        String rest = address.substring(bang + 1);
        if (!net.equals("unix")) {
            throw new IllegalArgumentException("unsupported network '" + net + "' in " + address + "; use unix!/path/to/socket");
        }
        if (rest.isEmpty()) throw new IllegalArgumentException("no socket path in " + address + "; use unix!/path/to/socket");
        return Path.of(rest);
    }
}
