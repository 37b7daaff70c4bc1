package io.longstream.jobs.config;

import java.util.List;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Adds a {@link Configured} command's options from the table to its command line as picocli builds it
 * ({@code @Command(modelTransformer = TableOptions.class)}), so an option has one definition, one default, one help.
 */
public final class TableOptions implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec command) {
        if (command.userObject() instanceof Configured) {
            addTo(command, ((Configured) command.userObject()).settings());
        }
        return command;
    }

    /** {@code settings} as options of {@code command}, read back by {@link SettingValues#of}. */
    public static void addTo(CommandSpec command, List<Setting<?>> settings) {
        for (Setting<?> s : settings) {
            command.addOption(s.optionSpec());
        }
    }
}
