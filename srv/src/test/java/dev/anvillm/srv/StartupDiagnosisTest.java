package dev.anvillm.srv;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static dev.anvillm.srv.Faults.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A session that cannot start says why in one line with the fix, in info, log and events, made
 * to happen for real: a runtime not found (an npm-style shim whose interpreter is missing), a path
 * and a TCP connection the sandbox denies, an agent that is not logged in; and a first-run dialog
 * leaves it `waiting` with the command that attaches, until a human answers it.
 */
class StartupDiagnosisTest extends DaemonFixture {
    private static final Path TESTAGENT = Path.of("..", "testagent", "anvillm-testagent").toAbsolutePath().normalize();

    @BeforeEach
    void daemon() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("project"));
        Path shim = dir.resolve("agent-shim");
        Files.writeString(shim, "#!/usr/bin/env no-such-runtime\nconsole.log('never')\n");
        Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
        // a CLI that asks a question on its first run, then starts (the test agent, beside it: the sandbox lets it read its directory)
        Files.copy(TESTAGENT, dir.resolve("anvillm-testagent"));
        Path firstRun = dir.resolve("first-run");
        Files.writeString(firstRun, """
                #!/bin/sh
                printf '? Do you trust the files in this folder? (yes/no) '
                read answer
                printf '\\033[2J\\033[H'
                exec node "$(dirname "$0")/anvillm-testagent" "$@"
                """);
        Files.setPosixFilePermissions(firstRun, PosixFilePermissions.fromString("rwxr-xr-x"));
        startDaemon("""
                backends:
                  shim:
                    command: ["%s"]
                  denied-path:
                    command: [node, -e, "require('fs').mkdirSync('/usr/anvillm-denied-test')"]
                  denied-net:
                    command: [node, -e, "require('net').connect(9, '127.0.0.1').on('error', e => { console.error(e.message); process.exit(3) })"]
                  not-logged-in:
                    extends: testagent
                    command: [sh, -c, "echo 'Not logged in · Please run /login'; exit 1"]
                  first-run:
                    extends: testagent
                    command: ["%s"]
                """.formatted(shim, firstRun));
    }

    /** The session errs with a cause that holds {@code words}, the same in info, log and events; nothing restarts it. */
    private String causeOf(String backend, List<String> events, String... words) throws Exception {
        String id = a.create(backend + " " + project);
        a.awaitState(id, "error");
        String cause = info(a, id, "error");
        for (String w : words) assertTrue(cause.contains(w), "'" + w + "' in: " + cause + "\n" + a.diagnosis(id));
        assertTrue(a.logSoFar(id).contains("error: " + cause), a.diagnosis(id));
        await("the error event", () -> events.stream().anyMatch(e -> e.endsWith(" " + id + " error " + cause)), () -> String.join("\n", events));
        assertEquals("0", info(a, id, "restarts"), "a cause a restart cannot mend is not restarted: " + a.diagnosis(id));
        return cause;
    }

    @Test
    void aMissingRuntimeIsNamedWithHowToInstallIt() throws Exception {
        causeOf("shim", events(), "cannot start: command not found: no-such-runtime", "exit status 127", "install it",
                "backend shim (agent-shim)");
    }

    @Test
    void aPathTheSandboxDeniedIsNamedWithTheKeyThatAllowsIt() throws Exception {
        causeOf("denied-path", events(), "permission denied (mkdir) on /usr/anvillm-denied-test", "filesystem.rwx",
                ns.locations().configDir().resolve("sandbox.yaml").toString());
    }

    @Test
    void aConnectionTheSandboxDeniedNamesConnectTcp() throws Exception {
        causeOf("denied-net", events(), "the sandbox denied a TCP connection to 127.0.0.1:9", "add 9 to network.connect_tcp");
    }

    @Test
    void anAgentNotLoggedInSaysSo() throws Exception {
        causeOf("not-logged-in", events(), "auth: Not logged in · Please run /login");
    }

    @Test
    void aFirstRunDialogWaitsForAHumanAndSaysHowToAttach() throws Exception {
        List<String> events = events();
        String id = a.create("first-run " + project);
        a.awaitState(id, "waiting");
        String attention = info(a, id, "attention");
        assertTrue(attention.contains("Do you trust the files in this folder?"), attention);
        assertTrue(attention.contains("anvillm attach " + id), attention);
        assertTrue(attention.contains("tmux -S " + ns.tmuxSocket()), attention);
        assertTrue(a.logSoFar(id).contains("waiting: " + attention), a.diagnosis(id));
        await("the needs-human event", () -> events.stream().anyMatch(e -> e.contains(" " + id + " needs-human ")), () -> String.join("\n", events));
        // a prompt written meanwhile waits; it is never typed into the dialog
        a.write(id + "/in", "hello after the dialog\n");
        typeInWindow(ns, id, "yes");
        a.awaitState(id, "idle");
        assertNull(info(a, id, "attention"), a.diagnosis(id));
        assertTrue(reply(a, id).contains("hello after the dialog"), a.diagnosis(id));
    }
}
