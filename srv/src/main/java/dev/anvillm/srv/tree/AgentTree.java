package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.Entry;
import dev.anvillm.ninep.tree.File;
import dev.anvillm.srv.session.EventBus;
import dev.anvillm.srv.session.Session;
import dev.anvillm.srv.session.Sessions;
import dev.anvillm.srv.supervise.Resources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The root of {@code agent/} (SPEC §4): {@code ctl list events backends stats}, then one directory per
 * session, reachable by id and by alias. A declaration: what each file does lives in the
 * registry, the sessions and the event bus.
 */
public final class AgentTree {
    private final Dir root;
    private final Sessions sessions;
    private final Path tmuxSocket;
    private final Resources resources = new Resources();
    /** One directory per session for its whole life, so its qid paths stay stable. */
    private final Map<String, Dir> dirs = new ConcurrentHashMap<>();

    /** @param home the user's home, where {@code ~} and relative dirs of {@code new} point */
    public AgentTree(Sessions sessions, EventBus events, Path home, Path tmuxSocket) {
        this.sessions = sessions;
        this.tmuxSocket = tmuxSocket;
        root = new Dir("/", 0555, new Dir.Children() {
            @Override
            public Entry lookup(String name, Fid fid) {
                return sessions.find(name).map(AgentTree.this::dir).orElse(null);
            }

            @Override
            public List<? extends Entry> list(Fid fid) {
                List<Entry> out = new ArrayList<>();
                for (Session s : sessions.list()) out.add(dir(s));
                Set<String> ids = sessions.list().stream().map(Session::id).collect(Collectors.toSet());
                dirs.keySet().retainAll(ids);
                resources.keepOnly(ids);
                return out;
            }
        });
        root.add(File.control("ctl", new RootCtl(sessions, home)));
        root.add(File.text("list", sessions::listText));
        root.add(new File("events", 0444, new EventsFile(events, this::states)));
        root.add(File.text("backends", sessions.backends()::describe));
        root.add(new File("stats", 0444, new SnapshotFile("stats", () -> Stats.all(sessions.list(), resources))));
    }

    private Dir dir(Session s) {
        return dirs.computeIfAbsent(s.id(), id -> {
            Dir d = SessionDir.build(s, sessions, tmuxSocket, resources);
            root.adopt(d);
            return d;
        });
    }

    /** How every open of {@code events} begins: the state of each session, oldest first. */
    private List<String> states() {
        return sessions.list().stream().map(s -> "state " + s.id() + " " + s.state().word()).toList();
    }

    public Dir root() {
        return root;
    }
}
