package io.longstream.jobs.config;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code docs/configuration.md}: the table of options as a user reads it, with the commands that take each. */
public final class ConfigurationReference {
    private ConfigurationReference() {
    }

    /** The reference of {@link Settings#ALL} as taken by the commands under {@code roots}. */
    public static String markdown(List<CommandLine> roots) {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n")
                .append("Generated from the option table, `io.longstream.jobs.config.Settings`; do not edit by hand.\n")
                .append("`ConfigurationDocTest` fails when this file and the table differ, and says how to regenerate it.\n")
                .append("Every option is checked before a command starts anything; a bad one fails naming it.\n\n")
                .append("| option | type | default | meaning | taken by |\n")
                .append("|---|---|---|---|---|\n");
        for (Setting<?> s : Settings.ALL) {
            md.append("| `").append(s.name()).append(' ').append(s.label()).append("` | ").append(cell(s.type()))
                    .append(" | ").append(s.defaultText() == null ? "—" : "`" + s.defaultText() + "`")
                    .append(" | ").append(cell(s.description()))
                    .append(" | ").append(String.join(", ", takers(s, roots))).append(" |\n");
        }
        return md.toString();
    }

    private static List<String> takers(Setting<?> setting, List<CommandLine> roots) {
        List<String> names = new ArrayList<>();
        for (CommandLine root : roots) {
            collect(setting, root, names);
        }
        return names;
    }

    private static void collect(Setting<?> setting, CommandLine command, List<String> names) {
        Object user = command.getCommandSpec().userObject();
        if (user instanceof Configured && ((Configured) user).settings().contains(setting)) {
            names.add("`" + command.getCommandSpec().qualifiedName() + "`");
        }
        for (CommandLine sub : command.getSubcommands().values()) {
            collect(setting, sub, names);
        }
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
