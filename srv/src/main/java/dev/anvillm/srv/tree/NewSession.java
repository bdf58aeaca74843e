package dev.anvillm.srv.tree;

import java.nio.file.Path;

/**
 * A checked {@code new} command of the root ctl.
 *
 * @param backend a backend that {@link Backends#names()} lists
 * @param dir     an existing directory, absolute and cleaned
 * @param alias   a valid alias ({@link dev.anvillm.srv.session.Alias}), or null
 */
public record NewSession(String backend, Path dir, String alias) {}
