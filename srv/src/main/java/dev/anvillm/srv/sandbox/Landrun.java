package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.sandbox.SessionPolicy.Rule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy as landrun's flags (github.com/zouuup/landrun), for machines where it is
 * installed. landrun targets Landlock ABI 9 and refuses less unless told {@code --best-effort},
 * so that flag goes with every older kernel; the daemon has already refused a strict policy the
 * kernel cannot honour. landrun does not drop capabilities, may create device nodes in writable
 * directories and does not re-check protected paths on the opened files: the built-in launcher
 * does all three.
 */
final class Landrun {
    static final int TARGET_ABI = 9;

    private Landrun() {}

    /** Why the policy cannot be said in landrun's flags, or null. Its path lists split on commas. */
    static String inexpressible(SessionPolicy p) {
        for (Rule r : p.rules()) {
            if (r.path().toString().contains(",")) return "landrun cannot take the path " + r.path() + " (it splits paths on commas)";
        }
        return null;
    }

    /**
     * @param envNames the exact variable names to pass (landrun has no prefixes)
     */
    static List<String> argv(Path landrun, SessionPolicy p, SandboxPolicy.Advanced advanced, int abi, List<String> envNames,
                             List<String> backend) {
        List<String> a = new ArrayList<>(List.of(landrun.toString(), "--log-level", p.logLevel()));
        if (p.bestEffort() || abi < TARGET_ABI) a.add("--best-effort");
        if (advanced.ldd()) a.add("--ldd");
        if (advanced.addExec()) a.add("--add-exec");
        for (Rule r : p.rules()) {
            a.add("--" + r.access().word());
            a.add(r.path().toString());
        }
        if (!p.networkRestricted()) {
            a.add("--unrestricted-network");
        } else {
            for (int port : p.connectTcp()) {
                a.add("--connect-tcp");
                a.add(Integer.toString(port));
            }
            for (int port : p.bindTcp()) {
                a.add("--bind-tcp");
                a.add(Integer.toString(port));
            }
        }
        if (!p.scoped()) a.add("--unrestricted-scoped");
        for (String e : envNames) {
            a.add("--env");
            a.add(e);
        }
        a.add("--");
        a.addAll(backend);
        return a;
    }
}
