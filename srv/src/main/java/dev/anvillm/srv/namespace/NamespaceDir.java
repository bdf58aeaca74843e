package dev.anvillm.srv.namespace;

import com.sun.security.auth.module.UnixSystem;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The namespace directory's rules: created 0700 when missing; refused when it is not a plain
 * directory of ours with no group or other bits — plan9port clients refuse such a directory too,
 * and another user could otherwise plant or read the socket.
 */
public final class NamespaceDir {
    private NamespaceDir() {}

    /** The uid this process runs as. */
    public static int currentUid() {
        return (int) new UnixSystem().getUid();
    }

    /** Creates {@code dir} 0700 if it is missing, then checks it. */
    public static void prepare(Path dir) throws Failure {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Path parent = dir.getParent();
                if (parent != null) Files.createDirectories(parent);
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                // mkdir applies the umask; make the mode exactly 0700 whatever it was.
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (FileAlreadyExistsException e) {
                // someone made it meanwhile: check theirs below
            } catch (IOException e) {
                throw new Failure("anvilsrv: cannot create namespace directory " + dir + ": " + reason(e));
            }
        }
        check(dir);
    }

    /** Refuses a namespace directory that is not a directory, not ours, or open to group or others. */
    public static void check(Path dir) throws Failure {
        int uid, mode;
        try {
            if (Files.isSymbolicLink(dir)) {
                throw new Failure("anvilsrv: namespace directory " + dir + " is a symbolic link; remove it or set NAMESPACE");
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new Failure("anvilsrv: namespace " + dir + " is not a directory; remove it or set NAMESPACE");
            }
            uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        } catch (IOException e) {
            throw new Failure("anvilsrv: cannot inspect namespace directory " + dir + ": " + reason(e));
        }
        int me = currentUid();
        if (uid != me) {
            throw new Failure("anvilsrv: namespace directory " + dir + " belongs to uid " + uid + ", not you (uid " + me
                    + "); remove it or set NAMESPACE");
        }
        if ((mode & 077) != 0) {
            throw new Failure(String.format("anvilsrv: namespace directory %s has mode %04o; it must be 0700 (chmod 700 %s)", dir, mode, dir));
        }
    }

    static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file or directory";
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
