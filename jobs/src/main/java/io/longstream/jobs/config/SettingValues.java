package io.longstream.jobs.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The values of a command's options, each parsed and checked once, all before the command starts anything; an
 * option the command does not take has the table's default.
 */
public final class SettingValues {
    /** Every option at its default. */
    public static final SettingValues DEFAULTS = new SettingValues(Map.of());

    private final Map<Setting<?>, Object> given;

    private SettingValues(Map<Setting<?>, Object> given) {
        this.given = given;
    }

    /**
     * The values of {@code settings} as picocli read them for {@code command}.
     *
     * @throws IllegalArgumentException naming the first option whose value is bad
     */
    public static SettingValues of(CommandSpec command, List<Setting<?>> settings) {
        Map<Setting<?>, Object> values = new HashMap<>();
        for (Setting<?> s : settings) {
            String text = command.findOption(s.name()).getValue();
            if (text != null) {
                values.put(s, s.valueOf(text));
            }
        }
        return new SettingValues(values);
    }

    /** The option's checked value; its default where it was not given (null when it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return given.containsKey(setting) ? (T) given.get(setting) : setting.defaultValue();
    }
}
