package io.longstream.jobs.config;

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
            for (Setting<?> s : ((Configured) command.userObject()).settings()) {
                command.addOption(s.optionSpec());
            }
        }
        return command;
    }
}
