package io.longstream.jobs.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One option of the table ({@link Settings}): its name, the type of its value, its default, what it means and what
 * it accepts. Its value is parsed and checked here alone, and a bad one fails naming the option.
 */
public final class Setting<T> {
    private final String name;
    private final String label;
    private final String type;
    private final Function<String, T> parser;
    private final Supplier<T> defaultValue;
    private final String defaultText;
    private final String description;
    private final Predicate<T> accepts;
    private final String rule;
    private final boolean required;
    /** The table's entry this is a use of; equal settings have one origin. */
    private final Setting<T> origin;

    private Setting(String name, String label, String type, Function<String, T> parser, Supplier<T> defaultValue, String defaultText,
                    String description, Predicate<T> accepts, String rule, boolean required, Setting<T> origin) {
        this.name = name;
        this.label = label;
        this.type = type;
        this.parser = parser;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.description = description;
        this.accepts = accepts;
        this.rule = rule;
        this.required = required;
        this.origin = origin == null ? this : origin;
    }

    public static Setting<Integer> integer(String name, String label) {
        return new Setting<>(name, label, "integer", text -> {
            try {
                return Integer.valueOf(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
        }, () -> null, null, "", v -> true, "", false, null);
    }

    /** A duration given in seconds, fractions allowed. */
    public static Setting<Duration> seconds(String name) {
        return new Setting<>(name, "SECONDS", "seconds", text -> {
            double seconds;
            try {
                seconds = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number of seconds");
            }
            if (!Double.isFinite(seconds)) {
                throw new IllegalArgumentException("not a number of seconds");
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        }, () -> null, null, "", v -> true, "", false, null);
    }

    public static Setting<String> text(String name, String label) {
        return new Setting<>(name, label, "text", text -> text, () -> null, null, "", v -> !v.isBlank(), "must not be empty", false, null);
    }

    public static Setting<Path> path(String name, String label) {
        return new Setting<>(name, label, "path", Path::of, () -> null, null, "", v -> true, "", false, null);
    }

    /** A value of its own type, read by {@code parser}, whose {@link IllegalArgumentException} says what is wrong. */
    public static <T> Setting<T> of(String name, String label, String type, Function<String, T> parser) {
        return new Setting<>(name, label, type, parser, () -> null, null, "", v -> true, "", false, null);
    }

    public Setting<T> defaultValue(T value) {
        return defaultValue(() -> value, String.valueOf(value));
    }

    /** A default that depends on where it runs (all cores, say), shown as {@code text}. */
    public Setting<T> defaultValue(Supplier<T> value, String text) {
        return new Setting<>(name, label, type, parser, value, text, description, accepts, rule, required, null);
    }

    public Setting<T> description(String text) {
        return new Setting<>(name, label, type, parser, defaultValue, defaultText, text, accepts, rule, required, null);
    }

    /** What a value must be; a value that is not fails with "NAME RULE, got VALUE". */
    public Setting<T> check(Predicate<T> test, String ruleText) {
        return new Setting<>(name, label, type, parser, defaultValue, defaultText, description, test, ruleText, required, null);
    }

    /** This option where a command cannot go without it. */
    public Setting<T> required() {
        return new Setting<>(name, label, type, parser, defaultValue, defaultText, description, accepts, rule, true, origin);
    }

    public String name() {
        return name;
    }

    public String label() {
        return label;
    }

    public String type() {
        return type;
    }

    /** The default as the help and the reference show it; null when there is none. */
    public String defaultText() {
        return defaultText;
    }

    public String description() {
        return description;
    }

    public T defaultValue() {
        return defaultValue.get();
    }

    /**
     * The value given as {@code text} on the command line, parsed and checked, or the default where none was given.
     *
     * @throws IllegalArgumentException naming the option and what is wrong with the value
     */
    public T valueOf(String text) {
        if (text == null) {
            return defaultValue();
        }
        T value;
        try {
            value = parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " " + text + ": " + e.getMessage(), e);
        }
        if (!accepts.test(value)) {
            throw new IllegalArgumentException(name + " " + rule + ", got " + text);
        }
        return value;
    }

    /** The option as picocli takes it: a string, parsed and checked by {@link #valueOf} once the command runs. */
    OptionSpec optionSpec() {
        String shown = defaultText == null ? description : description + " (default: " + defaultText + ")";
        return OptionSpec.builder(name).paramLabel(label).type(String.class).description(shown).required(required).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Setting && ((Setting<?>) o).origin == origin;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(origin);
    }

    @Override
    public String toString() {
        return name;
    }
}
