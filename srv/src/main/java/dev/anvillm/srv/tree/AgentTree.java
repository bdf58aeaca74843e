package dev.anvillm.srv.tree;

import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.File;
import dev.anvillm.srv.session.EventBus;

import java.nio.file.Path;

/**
 * The root of {@code agent/} (SPEC §4): {@code ctl list events backends}, then one directory per
 * session from {@link Sessions#children()}. A declaration: what each file does lives in the
 * registry, the backend catalogue and the event bus.
 */
public final class AgentTree {
    private final Dir root;

    /** @param home the user's home, where {@code ~} and relative dirs of {@code new} point */
    public AgentTree(Sessions sessions, Backends backends, EventBus events, Path home) {
        root = new Dir("/", 0555, sessions.children());
        root.add(File.control("ctl", new RootCtl(sessions, backends, home)));
        root.add(File.text("list", sessions::list));
        root.add(new File("events", 0444, new EventsFile(events, sessions::states)));
        root.add(File.text("backends", backends::describe));
    }

    public Dir root() {
        return root;
    }
}
