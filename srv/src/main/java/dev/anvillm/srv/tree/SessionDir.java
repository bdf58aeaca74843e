package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.server.ReadRequest;
import dev.anvillm.ninep.tree.Dir;
import dev.anvillm.ninep.tree.File;
import dev.anvillm.ninep.tree.WholeContent;
import dev.anvillm.srv.access.Principal;
import dev.anvillm.srv.session.Session;
import dev.anvillm.srv.session.SessionException;
import dev.anvillm.srv.session.Sessions;
import dev.anvillm.srv.session.TextLog;
import dev.anvillm.srv.supervise.Resources;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The files of one session, agent/<id>/, mapped onto the session's operations. */
public final class SessionDir {
    private SessionDir() {}

    public static Dir build(Session s, Sessions sessions, Path tmuxSocket, Resources resources) {
        Dir d = new Dir(s.id(), 0555, null);
        d.add(File.control("ctl", (fid, line) -> {
            command(s, sessions, line);
            return null;
        }));
        d.add(File.whole("in", new WholeContent() {
            @Override
            public void check(Fid fid, long size) throws NinepException {
                call(() -> s.checkPrompt(size));
            }

            @Override
            public void commit(Fid fid, byte[] content) throws NinepException {
                String text = new String(content, StandardCharsets.UTF_8);
                if (text.isBlank()) return;
                String header = senderHeader(fid, sessions);
                call(() -> s.submit(header + text));
            }
        }, null));
        d.add(new File("out", 0444, new LogFile(s.out(), false)));
        d.add(new File("reply", 0444, new ReplyFile(s)));
        d.add(new File("log", 0444, new LogFile(s.log(), true)));
        d.add(File.control("state", (fid, line) -> {
            call(() -> s.agentSays(line.strip()));
            return null;
        }, () -> s.state().word() + "\n"));
        d.add(File.whole("context", new WholeContent() {
            @Override
            public void check(Fid fid, long size) throws NinepException {
                if (size > Session.MAX_CONTEXT) throw new NinepException("context too large: limit " + Session.MAX_CONTEXT + " bytes");
            }

            @Override
            public void commit(Fid fid, byte[] content) throws NinepException {
                call(() -> s.setContext(new String(content, StandardCharsets.UTF_8)));
            }
        }, s::context));
        d.add(File.whole("alias", new WholeContent() {
            @Override
            public void check(Fid fid, long size) throws NinepException {
                if (size > 256) throw new NinepException("alias too long: 1-64 letters, digits, '_' or '-'");
            }

            @Override
            public void commit(Fid fid, byte[] content) throws NinepException {
                call(() -> sessions.setAlias(s, new String(content, StandardCharsets.UTF_8)));
            }
        }, () -> s.alias() == null ? "" : s.alias() + "\n"));
        d.add(File.text("pid", () -> s.pid() + "\n"));
        d.add(File.text("cwd", () -> s.cwd() + "\n"));
        d.add(File.text("backend", () -> s.backend().name() + "\n"));
        d.add(File.text("info", () -> s.info(tmuxSocket)));
        d.add(new File("screen", 0444, new SnapshotFile("screen " + s.id(), s::screen)));
        d.add(new File("stats", 0444, new SnapshotFile("stats " + s.id(), () -> Stats.file(s, resources))));
        return d;
    }

    /**
     * A prompt written by another session's agent says who sent it and how to answer, so the
     * receiving agent can reply (the developer/reviewer workflows depend on it).
     */
    static String senderHeader(Fid fid, Sessions sessions) {
        if (!(fid.principal() instanceof Principal.Agent agent)) return "";
        if (agent.session() == null) return "[message from an agent outside any known session]\n";
        String name = sessions.find(agent.session()).map(x -> x.alias() == null ? x.id() : x.alias() + " (" + x.id() + ")")
                .orElse(agent.session());
        return "[message from agent " + name + "; to answer, write to agent/" + agent.session() + "/in]\n";
    }

    interface SessionCall {
        void run() throws SessionException;
    }

    static void call(SessionCall c) throws NinepException {
        try {
            c.run();
        } catch (SessionException e) {
            throw new NinepException(e.getMessage());
        }
    }

    private static void command(Session s, Sessions sessions, String line) throws NinepException {
        List<String> w = CommandWords.split(line);
        if (w.isEmpty()) return;
        String verb = w.getFirst();
        switch (verb) {
            case "stop" -> call(s::stop);
            case "start" -> call(s::start);
            case "restart" -> {
                boolean fresh = w.size() > 1 && w.get(1).equals("fresh");
                if (w.size() > 1 && !fresh) throw new NinepException("usage: restart [fresh]");
                call(() -> s.restart(fresh));
            }
            case "kill" -> call(() -> sessions.kill(s));
            case "interrupt" -> call(s::interrupt);
            case "refresh" -> call(s::refresh);
            default -> throw new NinepException("unknown command " + CommandWords.quoted(verb)
                    + "; try: stop, start, restart [fresh], kill, interrupt, refresh");
        }
    }

    /** out (EOF at the end) and log (a read at the end waits for more, like tail -f). */
    private record LogFile(TextLog text, boolean follow) implements File.Behavior {
        @Override
        public void read(Fid fid, ReadRequest r) {
            if (!follow || r.offset() < text.size() || text.closed()) {
                answer(r);
                return;
            }
            Runnable forget = text.await(r.offset(), () -> answer(r));
            r.onCancel(forget);
        }

        private void answer(ReadRequest r) {
            try {
                r.respond(text.read(r.offset(), r.count()));
            } catch (IOException e) {
                r.error("cannot read: " + e.getMessage());
            }
        }

        @Override
        public byte[] content() {
            return null;
        }
    }

    /** The last reply; a read from offset 0 waits while a prompt is queued or running. */
    private record ReplyFile(Session s) implements File.Behavior {
        @Override
        public void read(Fid fid, ReadRequest r) {
            if (SnapshotFile.readSnapshot(fid, r)) return;
            Runnable forget = s.whenQuiet(reply -> SnapshotFile.takeSnapshot(fid, r,
                    reply.isEmpty() ? new byte[0] : (reply.endsWith("\n") ? reply : reply + "\n").getBytes(StandardCharsets.UTF_8)));
            r.onCancel(forget);
        }
    }
}
