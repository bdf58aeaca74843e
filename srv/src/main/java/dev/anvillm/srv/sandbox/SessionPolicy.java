package dev.anvillm.srv.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The sandbox of one launch: sandbox.yaml's settings with templates expanded, paths made real,
 * missing paths dropped, the backend's needs added and protection applied. It is what the
 * launcher enforces, what landrun is told, and what {@code info} describes.
 *
 * @param config            sandbox.yaml as messages name it
 * @param rules             filesystem rules on real paths, in order
 * @param networkRestricted TCP is restricted (when false the ports below mean nothing)
 * @param env               variable names kept in the session's environment (a trailing * is a prefix)
 * @param protect           never writable (the launcher checks again on the opened files)
 * @param allow             writable although inside a protected directory
 * @param notes             what was changed from sandbox.yaml, and why
 */
public record SessionPolicy(
        boolean bestEffort,
        String logLevel,
        String config,
        List<Rule> rules,
        boolean networkRestricted,
        List<Integer> connectTcp,
        List<Integer> bindTcp,
        boolean scoped,
        boolean dropCapabilities,
        List<String> env,
        List<Path> protect,
        List<Path> allow,
        List<String> notes) {

    public SessionPolicy {
        rules = List.copyOf(rules);
        connectTcp = List.copyOf(connectTcp);
        bindTcp = List.copyOf(bindTcp);
        env = List.copyOf(env);
        protect = List.copyOf(protect);
        allow = List.copyOf(allow);
        notes = List.copyOf(notes);
    }

    public enum Access {
        RO, ROX, RW, RWX;

        /** The name sandbox.yaml, landrun and the policy file use. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public boolean writes() {
            return this == RW || this == RWX;
        }

        public boolean executes() {
            return this == ROX || this == RWX;
        }

        public Access readOnly() {
            return executes() ? ROX : RO;
        }
    }

    /** @param why where the rule comes from ({@code {CWD}}, {@code backend claude}, {@code run dir}) */
    public record Rule(Access access, Path path, String why) {}

    /** The policy file {@link LandlockExec} reads (format in its class comment). */
    public byte[] encode() {
        StringBuilder b = new StringBuilder(LandlockExec.HEADER).append('\n');
        b.append("# written by anvilsrv at each launch, from ").append(escape(config)).append('\n');
        line(b, "best_effort", Boolean.toString(bestEffort));
        line(b, "log_level", logLevel);
        line(b, "config", config);
        for (Rule r : rules) line(b, r.access().word(), r.path().toString());
        for (Path p : protect) line(b, "protect", p.toString());
        for (Path p : allow) line(b, "allow", p.toString());
        line(b, "network", networkRestricted ? "restricted" : "unrestricted");
        for (int p : connectTcp) line(b, "connect_tcp", Integer.toString(p));
        for (int p : bindTcp) line(b, "bind_tcp", Integer.toString(p));
        line(b, "scoped", Boolean.toString(scoped));
        line(b, "drop_capabilities", Boolean.toString(dropCapabilities));
        for (String e : env) line(b, "env", e);
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(key).append(' ').append(escape(value)).append('\n');
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** Paths a session may write, in rule order, without repeats. */
    public List<Path> writable() {
        List<Path> out = new ArrayList<>();
        for (Rule r : rules) {
            if (r.access().writes() && !out.contains(r.path())) out.add(r.path());
        }
        return out;
    }

    /** The network part of the summary: {@code connect tcp 443; bind none}. */
    public String describeNetwork() {
        if (!networkRestricted) return "tcp unrestricted";
        String connect = connectTcp.isEmpty() ? "none" : String.join(" ", connectTcp.stream().map(String::valueOf).toList());
        String bind = bindTcp.isEmpty() ? "none" : String.join(" ", bindTcp.stream().map(String::valueOf).toList());
        return "connect tcp " + connect + ", bind tcp " + bind;
    }
}
