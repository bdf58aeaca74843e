package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.Fid;
import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.tree.LineCommands;
import dev.anvillm.srv.session.Alias;
import dev.anvillm.srv.session.SessionException;
import dev.anvillm.srv.session.Sessions;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/** The root {@code ctl}: {@code new <backend> <dir> [alias=<name>]}; a read of the same fid then gives the new id. */
final class RootCtl implements LineCommands {
    static final String USAGE = "new <backend> <dir> [alias=<name>]";

    private final Sessions sessions;
    private final Path home;

    RootCtl(Sessions sessions, Path home) {
        this.sessions = sessions;
        this.home = home;
    }

    @Override
    public String run(Fid fid, String line) throws NinepException {
        List<String> words = CommandWords.split(line);
        if (words.isEmpty()) return null;
        return switch (words.getFirst()) {
            case "new" -> create(words);
            default -> throw new NinepException("unknown command " + CommandWords.quoted(words.getFirst()) + "; try: " + USAGE);
        };
    }

    private String create(List<String> words) throws NinepException {
        if (words.size() < 3 || words.size() > 4) throw new NinepException("usage: " + USAGE);
        String backend = words.get(1);
        List<String> known = sessions.backends().names();
        if (!known.contains(backend)) {
            throw new NinepException("unknown backend " + CommandWords.quoted(backend) + "; known: "
                    + (known.isEmpty() ? "(none)" : String.join(", ", known)));
        }
        Path dir = directory(words.get(2));
        String alias = null;
        if (words.size() == 4) {
            String opt = words.get(3);
            if (!opt.startsWith("alias=")) throw new NinepException("unknown argument " + CommandWords.quoted(opt) + "; usage: " + USAGE);
            alias = opt.substring("alias=".length());
            if (!Alias.valid(alias)) throw new NinepException("bad alias " + CommandWords.quoted(alias) + ": " + Alias.RULE);
        }
        try {
            return sessions.create(backend, dir, alias).id() + "\n";
        } catch (SessionException e) {
            throw new NinepException(e.getMessage());
        }
    }

    /** {@code ~} is the user's home, relative paths are taken from it (the daemon's own cwd means nothing to a client). */
    private Path directory(String word) throws NinepException {
        Path p;
        try {
            if (word.equals("~")) p = home;
            else if (word.startsWith("~/")) p = home.resolve(word.substring(2));
            else p = home.resolve(word);
        } catch (InvalidPathException e) {
            throw new NinepException("bad directory " + CommandWords.quoted(word));
        }
        p = p.normalize();
        if (!Files.exists(p)) throw new NinepException("no such directory: " + shortPath(p));
        if (!Files.isDirectory(p)) throw new NinepException("not a directory: " + shortPath(p));
        return p;
    }

    private static String shortPath(Path p) {
        String s = p.toString();
        return s.length() > 96 ? "..." + s.substring(s.length() - 93) : s;
    }
}
