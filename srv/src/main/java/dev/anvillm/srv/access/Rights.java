package dev.anvillm.srv.access;

import dev.anvillm.ninep.proto.OpenMode;

import java.util.List;

/**
 * The one place that decides rights. The user may do everything the files allow. An agent may
 * read the tree, write its own session's `state`, and write any session's `in` (messaging);
 * nothing else: not `ctl`, not another session's state, context or alias.
 */
public final class Rights {
    private Rights() {}

    /**
     * May {@code who} open the file at {@code path} (names below the root, e.g. [3f2a9b1c, in])
     * with {@code mode}? {@code sessionOfPath} is the id the path's session directory resolves to.
     */
    public static boolean mayOpen(Principal who, List<String> path, String sessionOfPath, int mode) {
        if (who instanceof Principal.User) return true;
        if (!OpenMode.wantsWrite(mode)) return true;
        Principal.Agent agent = (Principal.Agent) who;
        if (path.size() != 2 || sessionOfPath == null) return false;
        String file = path.get(1);
        if (file.equals("in")) return true;
        return file.equals("state") && sessionOfPath.equals(agent.session());
    }
}
