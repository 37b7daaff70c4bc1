package io.longstream.jobs.config;

import java.util.List;

/** A command that takes options of the table; {@link TableOptions} adds them to its command line. */
public interface Configured {
    List<Setting<?>> settings();
}
