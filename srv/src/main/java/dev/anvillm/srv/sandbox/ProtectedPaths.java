package dev.anvillm.srv.sandbox;

import dev.anvillm.srv.sandbox.SessionPolicy.Access;
import dev.anvillm.srv.sandbox.SessionPolicy.Rule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Directories no session may write, whatever sandbox.yaml says: the anvillm config, the state
 * directory (but for the session's own run dir), the launcher. Landlock only adds rights down a
 * tree, so a write rule is taken apart where it would reach one of them:
 * <ul>
 * <li>a rule on a protected path, or inside one, becomes read-only;</li>
 * <li>a rule on a directory that contains one becomes read-only there, and keeps its rights on
 *     each entry of that directory beside the way down to the protected path (repeated on the
 *     way). New entries cannot be made directly in such a directory, and symlinked entries are
 *     left out (the original rule never covered their targets either).</li>
 * </ul>
 * Paths are compared as real paths; the launcher checks again on the opened file.
 */
public final class ProtectedPaths {
    private final List<Path> protect;
    private final List<Path> allow;

    /**
     * @param protect never writable from a session
     * @param allow   writable although inside a protected directory (the run dir)
     */
    public ProtectedPaths(List<Path> protect, List<Path> allow) {
        List<Path> real = protect.stream().map(ProtectedPaths::real).distinct().toList();
        // one inside another adds nothing
        this.protect = real.stream().filter(p -> real.stream().noneMatch(q -> !q.equals(p) && p.startsWith(q))).toList();
        this.allow = allow.stream().map(ProtectedPaths::real).distinct().toList();
    }

    public List<Path> protect() {
        return protect;
    }

    public List<Path> allow() {
        return allow;
    }

    /** The rules with protection applied; what changed and why goes to {@code notes}. */
    public List<Rule> apply(List<Rule> rules, List<String> notes) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) {
            if (!r.access().writes() || allow.stream().anyMatch(r.path()::startsWith)) {
                out.add(r);
                continue;
            }
            Path inside = protect.stream().filter(r.path()::startsWith).findFirst().orElse(null);
            if (inside != null) {
                out.add(new Rule(r.access().readOnly(), r.path(), r.why()));
                notes.add(r.access().word() + " " + r.path() + " (" + r.why() + ") granted read-only: it is inside " + inside
                        + ", which no session may write");
                continue;
            }
            List<Path> below = protect.stream().filter(p -> p.startsWith(r.path())).toList();
            if (below.isEmpty()) {
                out.add(r);
                continue;
            }
            int before = out.size();
            split(r.path(), r, below, out);
            notes.add(r.access().word() + " " + r.path() + " (" + r.why() + ") contains " + join(below)
                    + ", which no session may write: granted on " + (out.size() - before - 1)
                    + " entries instead; new entries cannot be made directly in it");
        }
        return out;
    }

    private void split(Path dir, Rule r, List<Path> below, List<Rule> out) {
        out.add(new Rule(r.access().readOnly(), dir, r.why() + ", read-only here"));
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted().toList();
        } catch (IOException e) {
            return;
        }
        for (Path c : children) {
            if (Files.isSymbolicLink(c)) continue;
            if (below.stream().anyMatch(c::equals)) continue;
            List<Path> deeper = below.stream().filter(p -> p.startsWith(c)).toList();
            if (!deeper.isEmpty()) {
                if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) split(c, r, deeper, out);
            } else {
                out.add(new Rule(r.access(), c, r.why()));
            }
        }
    }

    /** Whether a session could write {@code path} under {@code rules} (protected or not). */
    public static boolean writable(Path path, List<Rule> rules) {
        Path p = real(path);
        return rules.stream().anyMatch(r -> r.access().writes() && p.startsWith(r.path()));
    }

    /**
     * The real path of {@code p}; for a path that does not exist yet, its longest existing
     * ancestor's real path and the rest, so it is still compared in the same terms.
     */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }

    private static String join(List<Path> paths) {
        return String.join(", ", paths.stream().map(Path::toString).toList());
    }
}
