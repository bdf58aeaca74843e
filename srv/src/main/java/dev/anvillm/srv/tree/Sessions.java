package dev.anvillm.srv.tree;

import dev.anvillm.ninep.server.NinepException;
import dev.anvillm.ninep.tree.Dir;

import java.util.List;

/**
 * What the root of the tree needs from the session registry. Methods other than {@link #create}
 * are called on the server's event loop and must answer from memory, without blocking.
 */
public interface Sessions {
    /** The content of {@code list}: {@code id TAB alias-or-- TAB state TAB pid-or-0 TAB cwd NL} per session, oldest first. */
    String list();

    /** {@code state <id> <state>} for each live session, oldest first: how every open of {@code events} begins. */
    List<String> states();

    /** Creates and starts a session; returns its id. May block (it runs on a virtual thread). */
    String create(NewSession request) throws NinepException;

    /** The {@code <id>/} and {@code <alias>/} directories, or null when there are none. */
    Dir.Children children();

    /** No sessions, and none can be made: the tree before the registry exists. */
    Sessions NONE = new Sessions() {
        @Override
        public String list() {
            return "";
        }

        @Override
        public List<String> states() {
            return List.of();
        }

        @Override
        public String create(NewSession request) throws NinepException {
            throw new NinepException("sessions are not available in this build");
        }

        @Override
        public Dir.Children children() {
            return null;
        }
    };
}
