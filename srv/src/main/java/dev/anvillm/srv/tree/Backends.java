package dev.anvillm.srv.tree;

import java.util.List;

/** What the root of the tree needs from the backend catalogue. Answers from memory, without blocking. */
public interface Backends {
    /** The backends {@code new} accepts, in the order {@code backends} lists them. */
    List<String> names();

    /** The content of {@code backends}: one line per backend, saying whether it can start here and why not. */
    String describe();

    /** No backends configured. */
    Backends NONE = new Backends() {
        @Override
        public List<String> names() {
            return List.of();
        }

        @Override
        public String describe() {
            return "";
        }
    };
}
