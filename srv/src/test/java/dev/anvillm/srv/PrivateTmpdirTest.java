package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.anvillm.srv.Faults.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * SPEC §8: every session has its own temporary directory, $TMPDIR, writable by it alone and
 * removed with it; sessions no longer see each other's temporary files.
 */
class PrivateTmpdirTest extends DaemonFixture {
    @BeforeEach
    void daemon() throws Exception {
        startDaemon("");
    }

    /** Runs {@code line} in the shell of session {@code id} and waits for it to finish (it writes {@code done}). */
    private void run(String id, String line, String done) throws Exception {
        a.write(id + "/in", line + "; echo > " + done + "\n");
        await("the shell ran: " + line, () -> Files.exists(project.resolve(done)), () -> a.diagnosis(id));
    }

    @Test
    void aSessionWritesItsOwnTmpdirButNotAnotherSessionsNorTheSharedTmp() throws Exception {
        String one = shell();
        String two = shell();
        run(one, "echo \"$TMPDIR\" > one-tmpdir; { echo secret > \"$TMPDIR/mine\"; } 2> one-err", "one-done");
        Path tmpdir = Path.of(Files.readString(project.resolve("one-tmpdir")).strip());
        assertEquals("secret\n", Files.readString(tmpdir.resolve("mine")), Files.readString(project.resolve("one-err")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmpdir)));

        run(two, "echo \"$TMPDIR\" > two-tmpdir; { cat '" + tmpdir + "/mine' > two-read; echo x > '" + tmpdir
                + "/theirs'; echo x > /tmp/anvillm-shared-" + two + "; } 2> two-err", "two-done");
        assertNotEquals(tmpdir.toString(), Files.readString(project.resolve("two-tmpdir")).strip());
        assertEquals("", Files.readString(project.resolve("two-read")), "session two read session one's temporary file");
        assertFalse(Files.exists(tmpdir.resolve("theirs")));
        assertFalse(Files.exists(Path.of("/tmp/anvillm-shared-" + two)), "/tmp is not shared between sessions any more");
        assertEquals(3, count(Files.readString(project.resolve("two-err")), "Permission denied"), Files.readString(project.resolve("two-err")));

        a.write(one + "/ctl", "kill\n");
        assertFalse(Files.exists(tmpdir), "removed with its session");
    }
}
