package dev.anvillm.srv.access;

import dev.anvillm.ninep.proto.Stat;
import dev.anvillm.ninep.server.ClunkRequest;
import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.Node;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.server.WriteRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * The tree as an agent sees it: the same nodes, but every open goes through {@link Rights}.
 * A wrapper remembers its path from the root, which is what rights are decided on.
 */
public final class AgentView implements Node {
    private final Node node;
    private final AgentView parent;
    private final List<String> path;
    private final String session;

    private AgentView(Node node, AgentView parent, List<String> path, String session) {
        this.node = node;
        this.parent = parent;
        this.path = path;
        this.session = session;
    }

    public static Node root(Node root) {
        return new AgentView(root, null, List.of(), null);
    }

    @Override
    public Stat stat() {
        return node.stat();
    }

    @Override
    public Node parent() {
        return parent == null ? this : parent;
    }

    @Override
    public Node walk(String name, Fid fid) throws NinepException {
        Node child = node.walk(name, fid);
        if (child == null) return null;
        List<String> p = new ArrayList<>(path);
        // a session reached by its alias is still that session: rights use the directory's real name (its id)
        p.add(path.isEmpty() ? child.stat().name() : name);
        String s = path.isEmpty() && child.stat().isDir() ? child.stat().name() : session;
        return new AgentView(child, this, List.copyOf(p), s);
    }

    @Override
    public List<? extends Node> list(Fid fid) throws NinepException {
        return node.list(fid);
    }

    @Override
    public void open(Fid fid) throws NinepException {
        if (!(fid.principal() instanceof Principal who) || !Rights.mayOpen(who, path, session, fid.mode())) {
            throw NinepException.permission();
        }
        node.open(fid);
    }

    @Override
    public void read(Fid fid, ReadRequest r) {
        node.read(fid, r);
    }

    @Override
    public void write(Fid fid, WriteRequest r) {
        node.write(fid, r);
    }

    @Override
    public void clunk(Fid fid, ClunkRequest r) {
        node.clunk(fid, r);
    }
}
